"""Two workers for one bot behind a webhook, on PostgreSQL, and the loss of one of them.

Real ``quizbot run --webhook-url`` processes; the fake Bot API posts each update to the
workers in turn, as a load balancer in front of them would, and to the other one when a
worker does not answer. These run on real time (each worker's JobQueue keeps its own), so
they wait with generous bounds; they need PostgreSQL (SQLite is one worker's alone).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.domain.contest import rank
from bot.storage.contest_store import ContestStore
from bot.storage.db import open_database
from tests.conftest import SAMPLE_BANKS
from tests.fakebotapi import FakeBotApi, TgUser
from tests.helpers import REPO, bot_env, rows_of
from tests.test_deploy import free_port, listening

pytestmark = pytest.mark.postgres_only

GROUP = -100777
ADMIN = TgUser(1, "Admin")
PLAYERS = [TgUser(7000 + n, f"W{n}") for n in range(16)]
CHATTY = [TgUser(8000 + n, f"C{n}") for n in range(40)]
SECRET = "two-workers-secret"
#: What the bot posts or changes in a chat: each counts in the group's 20 a minute.
POSTS = ("sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPoll", "stopPoll")
#: The contest's own messages (lobby, questions, reveals, podium, notices).
STEPS = ("🏁", "第 ", "⚠️", "🛑", "⏸", "▶️")


async def start_worker(
    api: FakeBotApi, data: Path, database_url: str, port: int
) -> asyncio.subprocess.Process:
    env = bot_env(
        api,
        data,
        SAMPLE_BANKS,
        database_url,
        QUIZBOT_WEBHOOK_SECRET=SECRET,
        QUIZBOT_FLOOD_LIMIT="1000",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--webhook-url",
        f"http://127.0.0.1:{port}/hook",
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        env=env,
        cwd=str(REPO),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    await listening(port, timeout=60)
    return process


def acknowledged(api: FakeBotApi, queries: dict[str, tuple[int, int]]) -> set[tuple[int, int]]:
    """(player, question) of every answer the bot confirmed in a toast."""
    return {
        queries[c.params["callback_query_id"]]
        for c in api.calls
        if c.method == "answerCallbackQuery"
        and c.params.get("callback_query_id") in queries
        and str(c.params.get("text", "")).startswith("已记录你的答案")
    }


def posted_question(api: FakeBotApi, number: int) -> tuple[int, list[str]] | None:
    """The message id and button data of question ``number`` in the group, while open."""
    for (chat, message_id), message in sorted(api.messages.items()):
        if (
            chat == GROUP
            and f"第 {number}/" in message.get("text", "")
            and message.get("reply_markup")
        ):
            keyboard = message["reply_markup"]["inline_keyboard"]
            return message_id, [b["callback_data"] for row in keyboard for b in row]
    return None


async def answer_question(
    api: FakeBotApi,
    players: list[TgUser],
    number: int,
    queries: dict[str, tuple[int, int]],
) -> None:
    """Each player answers question ``number``: a press, or for several answers a tick and
    then the submit button (which may well reach the other worker)."""
    found = posted_question(api, number)
    assert found is not None
    message_id, buttons = found
    answers = [b for b in buttons if b.startswith("c:") and not b.endswith(":")]
    ticks = [b for b in buttons if b.startswith("k:")]
    submit = next((b for b in buttons if b.startswith("c:") and b.endswith(":")), None)
    for index, player in enumerate(players):
        if answers:
            query = api.press(player, GROUP, message_id, answers[index % len(answers)])
        else:
            assert submit is not None
            tick = api.press(player, GROUP, message_id, ticks[index % len(ticks)])
            await api.wait_for(lambda a, q=tick: bool(a.toasts(q)), timeout=30)
            query = api.press(player, GROUP, message_id, submit)
        queries[query] = (player.id, number - 1)


def owner_pid(holder: str) -> int:
    """The process id in a worker's name (host:pid:random)."""
    return int(holder.split(":")[1])


async def chatter(api: FakeBotApi, stop: asyncio.Event) -> None:
    """Members typing /help in the group all along: each reply wants a place in its budget."""
    for member in CHATTY:
        if stop.is_set():
            return
        api.send_text(member, "/help", GROUP)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


async def test_a_contest_goes_on_when_the_worker_running_it_is_killed(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    api.admins[GROUP] = {ADMIN.id}
    ports = [free_port(), free_port()]
    workers = [
        await start_worker(api, tmp_path / f"worker{n}", database_url, port)
        for n, port in enumerate(ports)
    ]
    api.post_to([f"http://127.0.0.1:{port}/hook" for port in ports], SECRET)
    queries: dict[str, tuple[int, int]] = {}
    stop_chatter = asyncio.Event()
    talk = asyncio.get_running_loop().create_task(chatter(api, stop_chatter))
    survivor: asyncio.subprocess.Process | None = None
    killed: asyncio.subprocess.Process | None = None
    try:
        api.send_text(ADMIN, "/contest 2 10 lobby=0", GROUP)  # two questions, 10 s each
        await api.wait_for(lambda a: posted_question(a, 1) is not None, timeout=60)
        await answer_question(api, PLAYERS[:6], 1, queries)
        await api.wait_for(lambda a: len(acknowledged(a, queries)) >= 6, timeout=30)

        (lease,) = await rows_of(
            tmp_path, database_url, "SELECT owner FROM leases WHERE name = 'contest:1'"
        )
        pid = owner_pid(str(lease[0]))
        (killed,) = [w for w in workers if w.pid == pid]
        (survivor,) = [w for w in workers if w.pid != pid]
        await answer_question(api, PLAYERS[6:10], 1, queries)  # answers arriving ...
        killed.send_signal(signal.SIGKILL)  # ... and the owner gone mid-question
        await killed.wait()
        killed_at = time.monotonic()
        await answer_question(api, PLAYERS[10:], 1, queries)  # the survivor takes them

        # The survivor takes the lease over and runs the contest on: question 2 ...
        await api.wait_for(lambda a: posted_question(a, 2) is not None, timeout=60)
        taken_over_in = time.monotonic() - killed_at
        await answer_question(api, PLAYERS[::2], 2, queries)
        # ... and the podium, by itself.
        await api.wait_for(lambda a: any("竞赛结束" in c.text for c in a.sent(GROUP)), timeout=60)
    finally:
        stop_chatter.set()
        await talk
        for worker in workers:
            if worker.returncode is None:
                worker.send_signal(signal.SIGTERM)
                await asyncio.wait_for(worker.wait(), 30)
    assert survivor is not None and killed is not None
    errors = (await survivor.stderr.read()).decode() if survivor.stderr else ""
    assert "taken over by" in errors
    assert "Traceback" not in errors
    assert survivor.returncode == 0
    # Question 2 came within the lease's lapse, the reveal and a question's time.
    assert taken_over_in < 40

    # Every acknowledged answer is stored, once.
    rows = await rows_of(
        tmp_path,
        database_url,
        "SELECT user_id, position, points FROM answers WHERE contest_id = 1",
    )
    stored = Counter((user, position) for user, position, _ in rows)
    assert all(n == 1 for n in stored.values())
    assert acknowledged(api, queries) <= set(stored)
    assert len(acknowledged(api, queries)) >= len(PLAYERS)  # most of them, at least

    # The podium is the stored one: each player's score is the sum of their answers.
    db = open_database(database_url)
    await db.open()
    try:
        standings = rank(await ContestStore(db).players(1))
    finally:
        await db.close()
    points: Counter[int] = Counter()
    for user, _, value in rows:
        points[user] += value
    assert {p.user_id: p.score for p in standings} == {u: points[u] for u in points}
    podiums = [c.text for c in api.sent(GROUP) if "竞赛结束" in c.text]
    assert len(podiums) == 1
    medals = [line for line in podiums[0].splitlines() if line.startswith(("🥇", "🥈", "🥉"))]
    assert [line.split(" ", 2)[1] for line in medals] == [p.name for p in standings[:3]]
    assert f"共 {len(standings)} 人参加" in podiums[0]

    # No step of the contest posted twice, by either worker.
    steps = Counter(c.text for c in api.sent(GROUP) if c.text.startswith(STEPS))
    assert [text for text, n in steps.items() if n > 1] == []
    # The group's budget held across both workers: at most 20 posts in any minute.
    times = sorted(c.at for c in api.calls if c.chat_id == GROUP and c.method in POSTS)
    worst = max(sum(1 for x in times if s <= x < s + 60) for s in times)
    assert worst <= 20
    # Some members' /help did not fit and went to them privately instead.
    assert any(c.chat_id in {m.id for m in CHATTY} for c in api.sent())
