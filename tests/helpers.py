"""Helpers of tests (and benchmarks) that run the bot's command line or the bot itself as a
process of its own, with the settings they choose and none inherited from the shell."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fakebotapi import FakeBotApi

__all__ = ["REPO", "bot_env", "clean_env", "run_cli"]

REPO = Path(__file__).resolve().parent.parent
#: Prefixes of the bot's own settings: a test sets the ones it wants.
SETTINGS = ("QUIZBOT_", "TELEGRAM_")


def clean_env(*, strip: tuple[str, ...] = (), **extra: str) -> dict[str, str]:
    """This process's environment without the bot's settings (nor ``strip``), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith((*SETTINGS, *strip))}
    env.update(extra)
    return env


def bot_env(api: FakeBotApi, data: Path, questions: Path, **extra: str) -> dict[str, str]:
    """The environment of a bot process that talks to the fake Bot API ``api``."""
    return clean_env(
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_BASE_URL=api.base_url,
        QUIZBOT_DATA_DIR=str(data),
        QUIZBOT_QUESTIONS_DIR=str(questions),
        QUIZBOT_LOG_LEVEL="WARNING",
        **extra,
    )


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
