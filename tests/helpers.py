"""Helpers of tests (and benchmarks) that run the bot's command line or the bot itself as a
process of its own, with the settings they choose and none inherited from the shell."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fakebotapi import FakeBotApi

__all__ = ["REPO", "bot_env", "clean_env", "data_env", "rows_of", "run_cli"]

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
