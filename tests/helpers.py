"""Helpers of tests (and benchmarks) that run the bot's command line or the bot itself as a
process of its own, with the settings they choose and none inherited from the shell."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.fakebotapi import FakeBotApi

__all__ = [
    "REPO",
    "bot_env",
    "clean_env",
    "data_env",
    "files_under",
    "free_port",
    "hook_url",
    "listening",
    "rows_of",
    "run_cli",
    "start_webhook_bot",
]

REPO = Path(__file__).resolve().parent.parent
#: Prefixes of the bot's own settings: a test sets the ones it wants.
SETTINGS = ("QUIZBOT_", "TELEGRAM_")


def clean_env(*, strip: tuple[str, ...] = (), **extra: str) -> dict[str, str]:
    """This process's environment without the bot's settings (nor ``strip``), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith((*SETTINGS, *strip))}
    env.update(extra)
    return env


def data_env(data: Path, database_url: str | None = None) -> dict[str, str]:
    """The settings naming a data folder and, unless SQLite in it, the database."""
    env = {"QUIZBOT_DATA_DIR": str(data)}
    if database_url is not None:
        env["QUIZBOT_DATABASE_URL"] = database_url
    return env


def bot_env(
    api: FakeBotApi,
    data: Path,
    questions: Path,
    database_url: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """The environment of a bot process that talks to the fake Bot API ``api``."""
    return clean_env(
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_BASE_URL=api.base_url,
        QUIZBOT_QUESTIONS_DIR=str(questions),
        QUIZBOT_LOG_LEVEL="WARNING",
        **data_env(data, database_url),
        **extra,
    )


async def rows_of(
    data: Path, database_url: str | None, sql: str, params: tuple[object, ...] = ()
) -> list[tuple[object, ...]]:
    """The rows of a query on the database another process (a bot, the CLI) wrote."""
    from bot.config import Settings
    from bot.storage.db import open_database

    db = open_database(Settings(data_dir=data, database_url=database_url).database_target)
    await db.open()
    try:
        return [tuple(row) for row in await db.fetchall(sql, params)]
    finally:
        await db.close()


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str = "",
    cwd: Path = REPO,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` in a clean environment plus ``env``; its output as text."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=clean_env(**(env or {})),
        cwd=cwd,
        timeout=timeout,
    )


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def hook_url(port: int) -> str:
    """Where a bot started by :func:`start_webhook_bot` on ``port`` takes its updates."""
    return f"http://127.0.0.1:{port}/hook"


async def start_webhook_bot(env: dict[str, str], port: int) -> asyncio.subprocess.Process:
    """``quizbot run`` behind a webhook on 127.0.0.1:``port``, its log (stderr) piped for
    the test to read. Wait for :func:`listening` before posting to it."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--webhook-url",
        hook_url(port),
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        env=env,
        cwd=str(REPO),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def listening(port: int, timeout: float = 30.0) -> None:
    """Wait until a bot's webhook server accepts connections.

    python-telegram-bot calls setWebhook before its server listens, so the call alone
    does not say the server is up.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.02)
            continue
        writer.close()
        await writer.wait_closed()
        return


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` and its bytes, by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
