"""Shared fixtures: a fake clock, settings in a temporary folder, the fake Bot API."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.frontends.telegram.app import build_application
from bot.runtime import Runtime
from tests.fakebotapi import FakeBotApi

DATA = Path(__file__).parent / "data"
SAMPLE_BANKS = DATA / "banks"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01 08:00 Shanghai
        self.time = start

    def now(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        self.time += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", questions_dir=SAMPLE_BANKS, quiz_length=4)


@pytest.fixture
async def runtime(settings: Settings, clock: FakeClock) -> AsyncIterator[Runtime]:
    rt = Runtime(settings, clock=clock, rng=random.Random(7))
    await rt.start()
    yield rt
    await rt.stop()


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@asynccontextmanager
async def running_bot(
    api: FakeBotApi, settings: Settings, clock: FakeClock | None = None
) -> AsyncIterator[tuple[Application, Runtime]]:
    """The real Application, polling the fake Bot API over a socket."""
    settings = replace(settings, token=api.token, base_url=api.base_url)
    runtime = Runtime(settings, clock=clock, rng=random.Random(7))
    application = build_application(runtime)
    async with application:
        await application.post_init(application)
        await application.updater.start_polling(
            poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        try:
            yield application, runtime
        finally:
            await application.updater.stop()
            await application.stop()
            await application.post_shutdown(application)
