"""The ports the services run on: a clock and a scheduler, injected by each front end.

In production the clock is the system's and the scheduler python-telegram-bot's JobQueue
(bot/frontends/telegram/scheduler.py); in tests both are driven by hand, so timing tests
never sleep.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Protocol

__all__ = ["AlwaysUp", "Clock", "Link", "LinkState", "Repeating", "Scheduler", "SystemClock"]


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


class Repeating:
    """A call every ``seconds`` on a :class:`Scheduler`, under one key: the next is counted
    from the end of the last, so two never overlap, whatever a call costs.

    Until :meth:`stop`: a call under way then is not followed by another (a job that
    re-armed itself at its end would come back after a cancel).
    """

    def __init__(
        self,
        scheduler: Scheduler,
        clock: Clock,
        seconds: float,
        key: str,
        callback: Callable[[], Awaitable[None]],
    ) -> None:
        self.scheduler = scheduler
        self.clock = clock
        self.seconds = seconds
        self.key = key
        self.callback = callback
        self._stopped = True

    def start(self) -> None:
        """The first call in ``seconds`` (started again: counted from now)."""
        self._stopped = False
        self.scheduler.call_at(self.clock.now() + self.seconds, self.key, self._run)

    def stop(self) -> None:
        self._stopped = True
        self.scheduler.cancel(self.key)

    async def _run(self) -> None:
        try:
            await self.callback()
        finally:
            if not self._stopped:
                self.start()


class Link(Protocol):
    """Whether the front end can reach its users now (Telegram up or down)."""

    def settled(self, now: float) -> bool:
        """Up, and long enough since an outage that what queued meanwhile has arrived."""
        ...


class LinkState:
    """The link as the transport sees it: every request's outcome is noted here.

    Down from a failed request until the next one succeeds. After an outage, Telegram
    delivers the updates it held (button presses made during the outage): ``settle``
    seconds give them time to arrive before a question that was due to close meanwhile
    is closed.
    """

    def __init__(self, clock: Clock, settle: float = 3.0) -> None:
        self.clock = clock
        self.settle = settle
        self.down_since: float | None = None
        self.up_since = clock.now()

    def contact(self) -> None:
        """A request was answered."""
        if self.down_since is not None:
            self.down_since = None
            self.up_since = self.clock.now()

    def failure(self) -> None:
        """A request failed for want of Telegram (a network error or a 5xx)."""
        if self.down_since is None:
            self.down_since = self.clock.now()

    def settled(self, now: float) -> bool:
        return self.down_since is None and now - self.up_since >= self.settle


class AlwaysUp:
    """The link of a front end with no network (the console, tests of the runner alone)."""

    def settled(self, now: float) -> bool:
        return True
