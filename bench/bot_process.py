"""The bot as a process of its own, timed from inside: ``python -m bench.bot_process``.

The benchmarks run the fake Bot API in their own process and the bot in this one, as in
production (Telegram is another machine). It is the real Application built by
``build_application``, with two probes added: when each update arrives (the moment
python-telegram-bot queues it after ``getUpdates``) and when each contest answer is
committed, with the process's CPU time (every thread's) at the first arrival and at the
latest commit. On exit (SIGTERM) it writes the timings as JSON to ``$BENCH_TIMINGS``.

With ``$BENCH_WEBHOOK_PORT`` it is one of several workers behind a webhook instead: it listens
on 127.0.0.1 at that port (path ``/hook``, secret ``$BENCH_WEBHOOK_SECRET``), and the fake Bot
API posts it updates in turn with the other workers.

Settings come from the environment like the bot's own; the flood limiter is off, because
the benchmark measures the bot, not Telegram's limits.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application

from bot.config import Settings
from bot.frontends.telegram.app import build_application, on_shutdown
from bot.runtime import Runtime
from bot.storage.contest_store import ContestStore

arrivals: dict[str, float] = {}
commits: dict[str, float] = {}
#: CPU seconds of this process at the first arrival and at the latest commit.
cpu: dict[str, float] = {}


def _probe_commits() -> None:
    original = ContestStore.record_answer

    async def timed(self: ContestStore, answer: Any, contest_id: int, *args: Any) -> bool:
        stored = await original(self, answer, contest_id, *args)
        if stored:
            commits[f"{contest_id}:{answer.user_id}"] = time.perf_counter()
            cpu["last_commit"] = time.process_time()
        return stored

    ContestStore.record_answer = timed  # type: ignore[method-assign]


def _probe_arrivals(application: Application) -> None:
    queue = application.update_queue
    put = queue.put

    async def timed_put(item: object) -> None:
        if isinstance(item, Update) and item.callback_query and item.callback_query.data:
            data = item.callback_query.data
            if data.startswith("c:"):
                cpu.setdefault("first_arrival", time.process_time())
                arrivals[f"{data.split(':')[1]}:{item.callback_query.from_user.id}"] = (
                    time.perf_counter()
                )
        await put(item)

    queue.put = timed_put  # type: ignore[method-assign]


async def _write_timings(application: Application) -> None:
    await on_shutdown(application)
    path = os.environ.get("BENCH_TIMINGS")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"arrivals": arrivals, "commits": commits, "cpu": cpu}, out)


def main() -> None:
    settings = Settings.from_env()
    _probe_commits()
    runtime = Runtime(settings)
    application = build_application(
        runtime, rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0)
    )
    application.post_shutdown = _write_timings
    _probe_arrivals(application)
    port = os.environ.get("BENCH_WEBHOOK_PORT")
    if port:
        application.run_webhook(
            listen="127.0.0.1",
            port=int(port),
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token=os.environ.get("BENCH_WEBHOOK_SECRET", "bench-secret"),
            allowed_updates=Update.ALL_TYPES,
        )
        return
    application.run_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0, timeout=1)


if __name__ == "__main__":
    main()
