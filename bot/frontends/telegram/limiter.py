"""Telegram's flood limits, and patience with a flaky network.

``AIORateLimiter`` keeps to the flood limits. This subclass handles the rest:

* ``RetryAfter``: every request waits the time Telegram asked for, then the failed one is
  sent again (at most ``max_retries`` times);
* a network error (nothing reached Telegram): the request is sent again after a back-off,
  a few times;
* a timeout (sent, but no answer in time): sent again only when that cannot post
  anything twice — an edit, a toast, a read. A new message that timed out may well have
  been posted (Telegram was slow, not down), so it is not sent again: the caller hears
  ``TimedOut`` and carries on as if it was posted.
A ``BadRequest`` (which python-telegram-bot derives from NetworkError) is Telegram's answer
and is not retried.

The sleep is injected, so tests of these waits take no time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter

__all__ = ["PatientRateLimiter"]

logger = logging.getLogger(__name__)

BACKOFF = (0.5, 1.0, 2.0)
#: Methods that post something new: sent again after a timeout, they could post it twice.
POSTING = frozenset(
    {"sendMessage", "sendPoll", "sendPhoto", "sendDocument", "forwardMessage", "copyMessage"}
)


class PatientRateLimiter(AIORateLimiter):
    """AIORateLimiter that also retries timeouts and network errors with back-off."""

    def __init__(
        self,
        *args: Any,
        backoff: Sequence[float] = BACKOFF,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        **kwargs: Any,
    ) -> None:
        self._retry_after_tries = kwargs.pop("max_retries", 3)
        kwargs["max_retries"] = 0  # retries are ours (process_request)
        super().__init__(*args, **kwargs)
        self._backoff = tuple(backoff)
        self._sleep = sleep
        self._open = asyncio.Event()
        self._open.set()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        waits = 0
        backoff = list(self._backoff)
        while True:
            await self._open.wait()
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except RetryAfter as exc:
                waits += 1
                if waits > self._retry_after_tries:
                    raise
                # The timedelta python-telegram-bot keeps (its public property warns).
                wait = getattr(exc, "_retry_after", None)
                seconds = wait.total_seconds() if wait is not None else 1.0
                logger.warning("flood limit on %s: every request waits %.1f s", endpoint, seconds)
                self._open.clear()  # everyone waits, as Telegram asked
                try:
                    await self._sleep(seconds + 0.1)
                finally:
                    self._open.set()
            except BadRequest:
                raise
            except NetworkError as exc:  # TimedOut too
                if not backoff or (isinstance(exc, TimedOut) and endpoint in POSTING):
                    raise
                delay = backoff.pop(0)
                logger.warning("%s failed (%s); trying again in %.1f s", endpoint, exc, delay)
                await self._sleep(delay)
