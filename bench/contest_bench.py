"""Contest throughput: the bot as its own process, the fake Bot API in this one (loopback).

Scenario A (the contests issue): 1,000 players answer one question at once.
Scenario B (the reliability issue): ten groups, 200 players each, answering within the
same seconds. Measured inside the bot (bench/bot_process.py): answers stored per second,
and the time from an update's arrival (queued after getUpdates) to its answer's commit.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.storage.contest_store import ContestStore
from bot.storage.db import Database, open_database
from tests.conftest import SAMPLE_BANKS
from tests.fakebotapi import FakeBotApi, TgUser
from tests.helpers import REPO, bot_env

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


async def run_contest_load(
    groups: int = 1, players: int = 1000, seed: int = 1, rate: float | None = 1000.0
) -> ContestLoad:
    """Run one scenario against a fresh bot process and return its figures.

    Args:
        groups: contests running at once, one per group.
        players: players per group.
        seed: for the players' choices and order.
        rate: presses a second, spread evenly (None: all at once, as a burst).
    """
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        timings_path = Path(folder) / "timings.json"
        async with FakeBotApi() as api:
            env = bot_env(
                api,
                Path(folder),
                SAMPLE_BANKS,
                BENCH_TIMINGS=str(timings_path),
                PYTHONPATH=str(REPO),
            )
            bot = await asyncio.create_subprocess_exec(
                sys.executable,
                *(os.environ.get("BENCH_BOT", "-m bench.bot_process").split()),
                env=env,
                cwd=str(REPO),
            )
            try:
                await api.wait_for(lambda a: a.update_polls > 0, timeout=60)
                expected, sent = await _drive(api, groups, players, rng, rate)
            finally:
                bot.send_signal(signal.SIGTERM)
                await asyncio.wait_for(bot.wait(), 60)
        timings = json.loads(timings_path.read_text())
        db = open_database(Path(folder) / "quizbot.sqlite3")
        await db.open()
        try:
            stored = (await db.fetchone("SELECT COUNT(*) AS n FROM answers"))["n"]
            podiums_right = await _check_standings(db, expected)
        finally:
            await db.close()
    arrivals, commits = timings["arrivals"], timings["commits"]
    latencies = [(commits[k] - arrivals[k]) * 1000 for k in commits if k in arrivals]
    span = max(commits.values()) - min(arrivals.values()) if commits and arrivals else 0.0
    return ContestLoad(
        groups=groups,
        players=players,
        sent=sent,
        stored=stored,
        per_second=len(commits) / span if span > 0 else 0.0,
        p50_ms=statistics.median(latencies) if latencies else 0.0,
        p99_ms=_percentile(latencies, 0.99),
        podiums_right=podiums_right,
    )


async def _drive(
    api: FakeBotApi, groups: int, players: int, rng: random.Random, rate: float | None
) -> tuple[dict[int, list[tuple[int, bool]]], int]:
    admin = TgUser(1, "Admin")
    chats = [-1000 - g for g in range(groups)]
    for chat in chats:
        api.admins[chat] = {admin.id}
        api.send_text(admin, "/contest 网购 1 300 lobby=300", chat)
    await api.wait_for(
        lambda a: (
            len({c.chat_id for c in a.sent(method="sendMessage") if c.chat_id in chats})
            >= len(chats)
        ),
        timeout=60,
    )
    for chat in chats:
        api.send_text(admin, "/go", chat)

    def questions_posted(a: FakeBotApi) -> int:
        return sum(
            1 for c in a.sent(method="sendMessage") if c.chat_id in chats and "1/1" in c.text
        )

    await api.wait_for(lambda a: questions_posted(a) >= len(chats), timeout=60)
    expected: dict[int, list[tuple[int, bool]]] = {}
    presses = []
    for index, chat in enumerate(chats):
        call = next(c for c in api.sent(chat, "sendMessage") if "1/1" in c.text)
        message_id = next(
            mid
            for (cid, mid), m in api.messages.items()
            if cid == chat and m.get("text") == call.text
        )
        buttons = call.buttons()
        for n in range(players):
            user = TgUser(10_000 * (index + 1) + n, f"P{n}", language_code="en")
            data = buttons[rng.randrange(len(buttons))][1]
            presses.append((user, chat, message_id, data))
            expected.setdefault(chat, []).append((user.id, data.endswith(":B")))
    rng.shuffle(presses)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for number, (user, chat, message_id, data) in enumerate(presses):
        if rate:
            delay = started + number / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        api.press(user, chat, message_id, data)
    await api.wait_for(lambda a: a.toast_count >= len(presses), timeout=300)
    return expected, len(presses)


async def _check_standings(db: Database, expected: dict[int, list[tuple[int, bool]]]) -> bool:
    """Each group's ranking holds exactly the players who answered right, scored above 0."""
    store = ContestStore(db)
    for row in await db.fetchall("SELECT id, chat_id FROM contests"):
        players = await store.players(row["id"])
        right = {uid for uid, ok in expected[row["chat_id"]] if ok}
        if {p.user_id for p in players if p.correct} != right:
            return False
        if any(p.score <= 0 for p in players if p.correct):
            return False
        if len(players) != len(expected[row["chat_id"]]):
            return False
    return True


def run_isolated(groups: int, players: int, seed: int, rate: float | None) -> ContestLoad:
    """One scenario with the players driven from a fresh process of their own.

    A long benchmark run leaves the driving process with a big heap, and its garbage
    collector's pauses would land in the figures; a fresh driver measures the bot alone.
    """
    import subprocess

    command = [
        sys.executable,
        "-m",
        "bench.contest_bench",
        "--groups",
        str(groups),
        "--players",
        str(players),
        "--seed",
        str(seed),
        "--rate",
        str(rate or 0),
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=True
    )
    return ContestLoad(**json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:  # python -m bench.contest_bench --players 1000 --rate 1000
    import argparse
    from dataclasses import asdict

    parser = argparse.ArgumentParser(prog="python -m bench.contest_bench")
    parser.add_argument("--groups", type=int, default=1)
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--rate", type=float, default=1000.0, help="presses a second (0: all at once)"
    )
    args = parser.parse_args()
    load = asyncio.run(
        run_contest_load(args.groups, args.players, seed=args.seed, rate=args.rate or None)
    )
    print(json.dumps(asdict(load)))


if __name__ == "__main__":  # pragma: no cover
    main()
