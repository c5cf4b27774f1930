"""Peak memory of the running bot: `quizbot run` as a process, on the fake Bot API.

Loaded with 10,000 questions, 10,000 FAQ phrasings and 10,000 users in its database, it
serves a private chat (a quiz, FAQ questions) and a group contest; the figure is the
process's peak resident set size (VmHWM).
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.synth import synthetic_banks
from bot.storage.db import open_database
from tests.fakebotapi import FakeBotApi, TgUser
from tests.helpers import REPO, bot_env

__all__ = ["Memory", "peak_memory"]


@dataclass(frozen=True, slots=True)
class Memory:
    questions: int
    phrasings: int
    users: int
    peak_mb: float
    served: bool


async def _prepare_database(path: Path, users: int) -> None:
    db = open_database(path)
    await db.open()  # creates the schema
    await db.close()
    conn = sqlite3.connect(path)
    conn.executemany(
        "INSERT INTO users (id, name, username, language, created_at) VALUES (?, ?, ?, ?, ?)",
        [(100_000 + n, f"用户{n}", f"user{n}", "zh", time.time()) for n in range(users)],
    )
    conn.commit()
    conn.close()


def _peak_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


async def peak_memory(
    questions: int = 10_000, phrasings: int = 10_000, users: int = 10_000
) -> Memory:
    with tempfile.TemporaryDirectory() as folder:
        banks = synthetic_banks(Path(folder) / "questions", questions, faq_entries=phrasings // 5)
        data = Path(folder) / "data"
        await _prepare_database(data / "quizbot.sqlite3", users)
        async with FakeBotApi() as api:
            env = bot_env(api, data, banks)
            bot = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=env, cwd=str(REPO)
            )
            try:
                await api.wait_for(lambda a: a.update_polls > 0, timeout=120)
                served = await _exercise(api)
                peak = _peak_kb(bot.pid)
            finally:
                bot.send_signal(signal.SIGTERM)
                await asyncio.wait_for(bot.wait(), 60)
    return Memory(questions, phrasings, users, peak / 1024, served)


async def _exercise(api: FakeBotApi) -> bool:
    people = [TgUser(100_000 + n, f"用户{n}", f"user{n}") for n in range(20)]
    for person in people:
        api.send_text(person, "/start")
        api.send_text(person, "网上买的衣服不喜欢了还能退吗")
        api.send_text(person, "/quiz")
    group, admin = -4242, people[0]
    api.admins[group] = {admin.id}
    api.send_text(admin, "/contest 5 20", group)
    await api.wait_for(
        lambda a: len(a.sent(method="sendMessage")) >= 3 * len(people) + 1, timeout=120
    )
    return True
