"""Contest throughput through the real Application on the fake Bot API (loopback only).

Scenario A (the contests issue): 1,000 players answer one question at once.
Scenario B (the reliability issue): ten groups, 200 players each, answering within the
same seconds. Measured: answers stored per second, and the time from an update's
arrival in the bot (the first handler) to its answer being committed.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from telegram import Update
from telegram.ext import AIORateLimiter, ContextTypes, TypeHandler

from bot.config import Settings
from bot.frontends.telegram.app import build_application
from bot.runtime import Runtime
from bot.storage.contest_store import ContestStore
from tests.conftest import SAMPLE_BANKS
from tests.fakebotapi import FakeBotApi, TgUser

__all__ = ["ContestLoad", "run_contest_load"]


@dataclass(frozen=True, slots=True)
class ContestLoad:
    groups: int
    players: int
    sent: int
    stored: int
    per_second: float
    p50_ms: float
    p99_ms: float
    podiums_right: bool

    @property
    def all_stored(self) -> bool:
        return self.stored == self.sent


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def run_contest_load(groups: int = 1, players: int = 1000, seed: int = 1) -> ContestLoad:
    """Run the scenario and return its figures."""
    rng = random.Random(seed)
    arrivals: dict[tuple[int, int], float] = {}
    commits: dict[tuple[int, int], float] = {}
    original = ContestStore.record_answer

    async def timed_record(self, answer, contest_id, streak, user):  # type: ignore[no-untyped-def]
        stored = await original(self, answer, contest_id, streak, user)
        if stored:
            commits[(contest_id, answer.user_id)] = time.perf_counter()
        return stored

    async def note_arrival(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None and query.data and query.data.startswith("c:"):
            contest_id = int(query.data.split(":")[1])
            arrivals[(contest_id, query.from_user.id)] = time.perf_counter()

    ContestStore.record_answer = timed_record  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as folder:
            async with FakeBotApi() as api:
                settings = Settings(
                    token=api.token, base_url=api.base_url, data_dir=Path(folder),
                    questions_dir=SAMPLE_BANKS,
                )
                runtime = Runtime(settings, rng=random.Random(seed))
                # The bench measures the bot, not Telegram's flood limits.
                app = build_application(
                    runtime, rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0)
                )
                app.add_handler(TypeHandler(Update, note_arrival), group=-1)
                admin = TgUser(1, "Admin")
                chats = [-1000 - g for g in range(groups)]
                for chat in chats:
                    api.admins[chat] = {admin.id}
                async with app:
                    await app.post_init(app)
                    await app.updater.start_polling(poll_interval=0.0, timeout=1)
                    await app.start()
                    try:
                        result = await _drive(api, runtime, chats, admin, players, rng,
                                              arrivals, commits)
                    finally:
                        await app.updater.stop()
                        await app.stop()
                        await app.post_shutdown(app)
    finally:
        ContestStore.record_answer = original  # type: ignore[method-assign]
    return result


async def _drive(api: FakeBotApi, runtime: Runtime, chats: list[int], admin: TgUser,
                 players: int, rng: random.Random, arrivals: dict, commits: dict) -> ContestLoad:
    for chat in chats:
        api.send_text(admin, "/contest 网购 1 300 lobby=300", chat)
    await api.wait_for(lambda a: len([c for c in a.sent(method="sendMessage")
                                      if c.chat_id in chats]) >= len(chats), timeout=30)
    for chat in chats:
        api.send_text(admin, "/go", chat)
    await api.wait_for(lambda a: sum(1 for c in a.sent(method="sendMessage")
                                     if c.chat_id in chats and "第 1/1 题" in c.text)
                       >= len(chats), timeout=30)
    questions = {c.chat_id: c for c in api.sent(method="sendMessage")
                 if c.chat_id in chats and "第 1/1 题" in c.text}
    expected: dict[int, list[tuple[int, bool]]] = {}
    presses = []
    for chat in chats:
        call = questions[chat]
        message_id = next(mid for (cid, mid), m in api.messages.items()
                          if cid == chat and m.get("text") == call.text)
        buttons = call.buttons()
        for n in range(players):
            user = TgUser(10_000 * (chats.index(chat) + 1) + n, f"P{n}", language_code="en")
            pick = rng.randrange(len(buttons))
            presses.append((user, chat, message_id, buttons[pick][1]))
            expected.setdefault(chat, []).append((user.id, buttons[pick][1].endswith(":B")))
    rng.shuffle(presses)
    started = time.perf_counter()
    for user, chat, message_id, data in presses:
        api.press(user, chat, message_id, data)
    total = len(presses)
    await api.wait_for(lambda a: a.toast_count >= total, timeout=120)
    elapsed = max(commits.values(), default=started) - started
    latencies = [(commits[k] - arrivals[k]) * 1000 for k in commits if k in arrivals]
    stored = (await runtime.db.fetchone("SELECT COUNT(*) AS n FROM answers"))["n"]
    podiums_right = await _check_standings(runtime, expected)
    return ContestLoad(
        groups=len(chats), players=players, sent=total, stored=stored,
        per_second=stored / elapsed if elapsed > 0 else 0.0,
        p50_ms=statistics.median(latencies) if latencies else 0.0,
        p99_ms=_percentile(latencies, 0.99), podiums_right=podiums_right,
    )


async def _check_standings(runtime: Runtime, expected: dict[int, list[tuple[int, bool]]]) -> bool:
    """Every group's ranking holds exactly the right answers it was sent, best first."""
    rows = await runtime.db.fetchall("SELECT id, chat_id FROM contests")
    store = ContestStore(runtime.db)
    for row in rows:
        players = await store.players(row["id"])
        right = {uid for uid, ok in expected[row["chat_id"]] if ok}
        if {p.user_id for p in players if p.correct} != right:
            return False
        scores = [p.score for p in players]
        if any(s <= 0 for p, s in zip(players, scores) if p.correct):
            return False
    return True


def main() -> None:  # pragma: no cover - run by hand
    for groups, players in ((1, 1000), (10, 200)):
        load = asyncio.run(run_contest_load(groups, players))
        print(replace(load))


if __name__ == "__main__":  # pragma: no cover
    main()
