"""The ports the services run on: a clock and a scheduler, injected by each front end.

In production the clock is the system's and the scheduler python-telegram-bot's JobQueue
(bot/frontends/telegram/scheduler.py); in tests both are driven by hand, so timing tests
never sleep.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Protocol

__all__ = ["Clock", "Scheduler", "SystemClock"]


class Clock(Protocol):
    """Where the services get the time."""

    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        return time.time()


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
