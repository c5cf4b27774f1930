"""The Scheduler port on python-telegram-bot's JobQueue: run_once and run_daily."""

from __future__ import annotations

import datetime as dtm
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import JobQueue

from bot.frontends.telegram.context import QuizContext
from bot.ports import Clock

__all__ = ["JobQueueScheduler"]

logger = logging.getLogger(__name__)


def _job(
    callback: Callable[[], Awaitable[None]],
) -> Callable[[QuizContext], Coroutine[Any, Any, None]]:
    """A JobQueue callback (which is given the context) that runs ``callback``."""

    async def run(context: QuizContext) -> None:
        await callback()

    return run


class JobQueueScheduler:
    """Runs a coroutine at a time of the engine's clock; one pending job per key."""

    def __init__(self, job_queue: JobQueue[QuizContext], clock: Clock) -> None:
        self.job_queue = job_queue
        self.clock = clock

    def call_at(self, when: float, key: str, callback: Callable[[], Awaitable[None]]) -> None:
        self.cancel(key)
        delay = max(0.0, when - self.clock.now())
        self.job_queue.run_once(_job(callback), when=delay, name=key)

    def call_daily(
        self,
        hour: int,
        minute: int,
        timezone: str,
        key: str,
        callback: Callable[[], Awaitable[None]],
    ) -> None:
        self.cancel(key)
        at = dtm.time(hour, minute, tzinfo=ZoneInfo(timezone))
        self.job_queue.run_daily(_job(callback), time=at, name=key)

    def cancel(self, key: str) -> None:
        for job in self.job_queue.get_jobs_by_name(key):
            job.schedule_removal()
