"""The Scheduler port: run a coroutine at a time of the engine's clock, or every day.

In production it is python-telegram-bot's JobQueue (bot/frontends/telegram/scheduler.py);
in tests, a scheduler driven by hand with a fake clock, so timing tests never sleep.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

__all__ = ["Scheduler"]


class Scheduler(Protocol):
    """One pending call per key; scheduling a key again replaces it."""

    def call_at(self, when: float, key: str, callback: Callable[[], Awaitable[None]]) -> None:
        """Call ``callback`` once, at ``when`` (seconds since the epoch)."""
        ...

    def call_daily(
        self,
        hour: int,
        minute: int,
        timezone: str,
        key: str,
        callback: Callable[[], Awaitable[None]],
    ) -> None:
        """Call ``callback`` every day at HH:MM in ``timezone``."""
        ...

    def cancel(self, key: str) -> None:
        """Forget the call of ``key``, if any."""
        ...
