"""Contest throughput: the bot as its own process, the fake Bot API in this one (loopback).

Scenario A (the contests issue): 1,000 players answer one question at once.
Scenario B (the reliability issue): ten groups, 200 players each, answering within the
same seconds. Measured inside the bot (bench/bot_process.py): answers stored per second,
and the time from an update's arrival (queued after getUpdates) to its answer's commit;
and the CPU each answer cost the bot, the fake Bot API (this process) and, on PostgreSQL,
the database server (its processes' CPU read from /proc).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
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
from tests.helpers import REPO, bot_env, free_port, listening

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
    #: "sqlite" or "postgresql".
    database: str = "sqlite"
    #: Bot processes: one polling, or several behind a webhook (the fake Bot API posting
    #: each update to the next).
    workers: int = 1
    #: CPU milliseconds per stored answer: the bot processes (all their threads), the fake Bot
    #: API playing the players (the driving process), the PostgreSQL server (None: SQLite
    #: runs inside the bot, or the server is not ours to measure).
    bot_cpu_ms: float = 0.0
    api_cpu_ms: float = 0.0
    db_cpu_ms: float | None = None

    @property
    def all_stored(self) -> bool:
        return self.stored == self.sent


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _cpu_of_tree(root: int) -> float:
    """CPU seconds (user + system) of process ``root`` and its children, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(entry) == root or int(fields[1]) == root:  # fields[1]: the parent's pid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run_contest_load(
    groups: int = 1,
    players: int = 1000,
    seed: int = 1,
    rate: float | None = 1000.0,
    database_url: str | None = None,
    server_pid: int | None = None,
    workers: int = 1,
) -> ContestLoad:
    """Run one scenario against fresh bot processes and return its figures.

    Args:
        groups: contests running at once, one per group.
        players: players per group.
        seed: for the players' choices and order.
        rate: presses a second, spread evenly (None: all at once, as a burst).
        database_url: a PostgreSQL database for the bot (None: SQLite in a temporary folder).
        server_pid: the PostgreSQL server's postmaster, to measure its CPU.
        workers: bot processes; more than one run behind a webhook (PostgreSQL only).
    """
    rng = random.Random(seed)
    if workers > 1 and database_url is None:
        raise ValueError("several workers need PostgreSQL")
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / f"timings{n}.json" for n in range(workers)]
        ports = [free_port() for _ in range(workers)] if workers > 1 else []
        async with FakeBotApi() as api:
            bots = []
            for n, timings_path in enumerate(paths):
                hook = {"BENCH_WEBHOOK_PORT": str(ports[n])} if ports else {}
                env = bot_env(
                    api,
                    Path(folder) / f"worker{n}",
                    SAMPLE_BANKS,
                    database_url,
                    BENCH_TIMINGS=str(timings_path),
                    BENCH_WEBHOOK_SECRET=SECRET,
                    PYTHONPATH=str(REPO),
                    **hook,
                )
                bots.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable,
                        *(os.environ.get("BENCH_BOT", "-m bench.bot_process").split()),
                        env=env,
                        cwd=str(REPO),
                    )
                )
            try:
                if ports:
                    for port in ports:
                        await listening(port, timeout=60.0)
                    api.post_to([f"http://127.0.0.1:{port}/hook" for port in ports], SECRET)
                else:
                    await api.wait_for(lambda a: a.update_polls > 0, timeout=60)
                expected, sent, api_cpu, db_cpu = await _drive(
                    api, groups, players, rng, rate, server_pid
                )
            finally:
                for bot in bots:
                    bot.send_signal(signal.SIGTERM)
                for bot in bots:
                    await asyncio.wait_for(bot.wait(), 60)
        timings = _merged([json.loads(path.read_text()) for path in paths])
        db = open_database(database_url or Path(folder) / "worker0" / "quizbot.sqlite3")
        await db.open()
        try:
            stored = (await db.fetchone("SELECT COUNT(*) AS n FROM answers"))["n"]
            podiums_right = await _check_standings(db, expected)
        finally:
            await db.close()
    arrivals, commits = timings["arrivals"], timings["commits"]
    latencies = [(commits[k] - arrivals[k]) * 1000 for k in commits if k in arrivals]
    span = max(commits.values()) - min(arrivals.values()) if commits and arrivals else 0.0
    bot_cpu = timings["bot_cpu"]
    per_answer = 1000 / max(len(commits), 1)
    return ContestLoad(
        groups=groups,
        players=players,
        sent=sent,
        stored=stored,
        per_second=len(commits) / span if span > 0 else 0.0,
        p50_ms=statistics.median(latencies) if latencies else 0.0,
        p99_ms=_percentile(latencies, 0.99),
        podiums_right=podiums_right,
        database="postgresql" if database_url else "sqlite",
        workers=workers,
        bot_cpu_ms=bot_cpu * per_answer,
        api_cpu_ms=api_cpu * per_answer,
        db_cpu_ms=None if db_cpu is None else db_cpu * per_answer,
    )


SECRET = "bench-webhook-secret"


def _merged(timings: list[dict]) -> dict:  # type: ignore[type-arg]
    """The workers' timings as one: every arrival and commit, and the CPU they all spent
    between the first arrival and the last commit each saw."""
    merged: dict = {"arrivals": {}, "commits": {}, "bot_cpu": 0.0}  # type: ignore[type-arg]
    for one in timings:
        merged["arrivals"].update(one["arrivals"])
        merged["commits"].update(one["commits"])
        cpu = one.get("cpu", {})
        if "first_arrival" in cpu and "last_commit" in cpu:
            merged["bot_cpu"] += cpu["last_commit"] - cpu["first_arrival"]
    return merged


async def _drive(
    api: FakeBotApi,
    groups: int,
    players: int,
    rng: random.Random,
    rate: float | None,
    server_pid: int | None = None,
) -> tuple[dict[int, list[tuple[int, bool]]], int, float, float | None]:
    """Start the contests, press, wait for every toast; what was expected, how many presses,
    and the CPU seconds this process and the database server spent meanwhile."""
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
    api_before = _own_cpu()
    db_before = _cpu_of_tree(server_pid) if server_pid else None
    loop = asyncio.get_running_loop()
    started = loop.time()
    for number, (user, chat, message_id, data) in enumerate(presses):
        if rate:
            delay = started + number / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        api.press(user, chat, message_id, data)
    await api.wait_for(lambda a: a.toast_count >= len(presses), timeout=300)
    db_cpu = None if db_before is None else _cpu_of_tree(server_pid or 0) - db_before
    return expected, len(presses), _own_cpu() - api_before, db_cpu


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


def run_isolated(
    groups: int,
    players: int,
    seed: int,
    rate: float | None,
    database_url: str | None = None,
    server_pid: int | None = None,
    workers: int = 1,
) -> ContestLoad:
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
        *(("--database-url", database_url) if database_url else ()),
        *(("--server-pid", str(server_pid)) if server_pid else ()),
        "--workers",
        str(workers),
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
    parser.add_argument("--database-url", help="a PostgreSQL database (default: SQLite)")
    parser.add_argument("--server-pid", type=int, help="its server's pid, to measure its CPU")
    parser.add_argument("--workers", type=int, default=1, help="bot processes (webhook if >1)")
    args = parser.parse_args()
    load = asyncio.run(
        run_contest_load(
            args.groups,
            args.players,
            seed=args.seed,
            rate=args.rate or None,
            database_url=args.database_url,
            server_pid=args.server_pid,
            workers=args.workers,
        )
    )
    print(json.dumps(asdict(load)))


if __name__ == "__main__":  # pragma: no cover
    main()
