"""Two workers for one bot behind a webhook, on PostgreSQL, and the loss of one of them.

Real ``quizbot run --webhook-url`` processes; the fake Bot API posts each update to the
workers in turn, as a load balancer in front of them would, and to the other one when a
worker does not answer. These run on real time (each worker's JobQueue keeps its own), so
they wait with generous bounds; they need PostgreSQL (SQLite is one worker's alone).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import signal
import time
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.config import Settings
from bot.contests import ChartData, Live, Reveal
from bot.contests.runner import LEASE_RENEW, LEASE_TTL
from bot.domain.contest import ContestSettings, ContestStatus, PlayerScore, rank
from bot.domain.learning import Subscription
from bot.domain.models import Question, User
from bot.domain.refusals import Refusal, Refused
from bot.runtime import BANKS_WATCH, Runtime
from bot.storage.contest_store import ContestStore
from bot.storage.db import open_database
from tests.conftest import SAMPLE_BANKS, FakeClock, FakeScheduler
from tests.fakebotapi import FakeBotApi, TgUser
from tests.helpers import bot_env, free_port, hook_url, listening, rows_of, start_webhook_bot

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
    process = await start_webhook_bot(env, port)
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
    # A person's reaction time: the owner stores the question's clock just after Telegram
    # confirms its post, and a press that beat that (possible only for a machine) is refused.
    await asyncio.sleep(0.5)
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
    api.post_to([hook_url(port) for port in ports], SECRET)
    queries: dict[str, tuple[int, int]] = {}
    stop_chatter = asyncio.Event()
    talk = asyncio.get_running_loop().create_task(chatter(api, stop_chatter))
    survivor: asyncio.subprocess.Process | None = None
    killed: asyncio.subprocess.Process | None = None
    try:
        api.send_text(ADMIN, "/contest 2 15 lobby=0", GROUP)  # two questions, 15 s each
        await api.wait_for(lambda a: posted_question(a, 1) is not None, timeout=60)
        await answer_question(api, PLAYERS[:6], 1, queries)
        try:
            await api.wait_for(lambda a: len(acknowledged(a, queries)) >= 6, timeout=30)
        except TimeoutError:
            toasts = [c.params.get("text") for c in api.calls if c.method == "answerCallbackQuery"]
            pytest.fail(f"{len(acknowledged(api, queries))} of 6 answers acknowledged: {toasts}")

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
    assert taken_over_in < 45

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


# --- two workers in one process, on a fake clock -------------------------------------------


class Shown:
    """A contest presenter that records what it would post (one per worker)."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, int, object]] = []
        self._ids = itertools.count(1)

    async def announce(self, live: Live, starts_at: float, timezone: str) -> None:
        self.steps.append(("announce", live.id, None))

    async def lobby(self, live: Live, players: int, seconds_left: int, first: bool) -> None:
        self.steps.append(("lobby", live.id, players))
        if first:
            live.message_id = next(self._ids)

    async def ask(self, live: Live) -> None:
        self.steps.append(("ask", live.id, live.position))
        live.message_id = next(self._ids)

    async def count(self, live: Live, answered: int, seconds_left: int) -> None:
        self.steps.append(("count", live.id, answered))

    async def reveal(self, live: Live, reveal: Reveal) -> None:
        self.steps.append(("reveal", live.id, (reveal.position, reveal.answered)))

    async def podium(
        self, live: Live, ranking: list[PlayerScore], stopped: bool, chart: ChartData
    ) -> None:
        self.steps.append(("podium", live.id, [p.user_id for p in ranking]))

    async def notice(self, live: Live, key: str, **values: object) -> None:
        self.steps.append(("notice", live.id, key))

    async def award(self, user_id: int, codes: tuple[str, ...], language: str) -> None:
        pass

    async def post_daily(self, chat_id: int, day: date, question: Question, language: str) -> bool:
        self.steps.append(("daily", chat_id, day))
        return True

    def kinds(self) -> list[str]:
        return [kind for kind, _, _ in self.steps]


async def worker(settings: Settings, clock: FakeClock) -> tuple[Runtime, FakeScheduler, Shown]:
    runtime = Runtime(settings, clock=clock, rng=random.Random(3))
    scheduler, shown = FakeScheduler(clock), Shown()
    runtime.attach(shown, scheduler, shown)
    await runtime.start()
    return runtime, scheduler, shown


async def test_two_workers_share_a_contest_and_one_takes_it_over(
    settings: Settings, clock: FakeClock
) -> None:
    """Worker A creates and runs a contest; answers and an organizer's /pause and /resume
    reach worker B, which leaves the controls for A. A stops renewing its lease (it hangs,
    or died): B takes the contest over within the lease's lapse and finishes it. Nothing
    is shown by both."""
    a, a_timers, a_shown = await worker(settings, clock)
    b, b_timers, b_shown = await worker(settings, clock)
    try:
        organizer = User(1, "Admin")
        players = [User(10 + n, f"P{n}") for n in range(4)]
        live = await a.contests.create(
            GROUP, organizer, ContestSettings(count=2, seconds=30, lobby_seconds=0), None, False
        )
        assert isinstance(live, Live)
        await a_timers.advance(0)  # the lobby of 0 s ends: question 1
        assert a_shown.kinds() == ["lobby", "ask"]
        for n, player in enumerate(players):
            via = a if n % 2 == 0 else b
            ack = await via.contests.answer(live.id, 0, player, frozenset({0}), GROUP)
            assert not isinstance(ack, Refused), ack
        again = await b.contests.answer(live.id, 0, players[0], frozenset({0}), GROUP)
        assert again == Refused(Refusal.ANSWERED)  # stored through A, refused by B

        assert await b.contests.pause(GROUP) is None  # left for A ...
        await a_timers.advance(LEASE_RENEW)  # ... which carries it out
        assert ("notice", live.id, "contest_paused") in a_shown.steps
        assert await b.contests.resume(GROUP) is None
        await a_timers.advance(LEASE_RENEW)
        assert ("notice", live.id, "contest_resumed") in a_shown.steps
        shown_by_a = len(a_shown.steps)

        # A stops: no timer of its runs any more, its lease lapses.
        await b_timers.advance(LEASE_TTL + LEASE_RENEW)
        assert live.id in b.contests.owned
        await b_timers.advance(120)  # question 1 closes, question 2, its reveal, the podium
        kinds = b_shown.kinds()
        assert kinds.count("reveal") == 2 and kinds.count("podium") == 1
        assert [s for s in b_shown.steps if s[0] == "reveal"][0][2] == (0, 4)
        assert len(a_shown.steps) == shown_by_a  # nothing shown by both
        row = await b.results.contest(live.id)
        assert row is not None and row.status is ContestStatus.FINISHED
        assert await b.coordination.holder(f"contest:{live.id}") is None  # released
    finally:
        await b.stop()
        await a.stop()


async def test_each_days_question_is_posted_by_one_worker(
    settings: Settings, clock: FakeClock
) -> None:
    a, a_timers, a_shown = await worker(settings, clock)
    b, b_timers, b_shown = await worker(settings, clock)
    try:
        # Through A, at 08:30 (the fake clock starts at 08:00 in Shanghai).
        await a.learning.subscribe(Subscription(42, 42, 8, 30, "Asia/Shanghai", "zh"))
        await b_timers.advance(61)  # B reads the subscriptions again and schedules it too
        assert "daily:42" in b_timers.jobs and "daily:42" in a_timers.jobs
        scheduled = b_timers.jobs["daily:42"]
        await b_timers.advance(61)  # another look: nothing changed, nothing scheduled again
        assert b_timers.jobs["daily:42"] is scheduled
        await b_timers.advance(30 * 60 - 61)  # 08:31: B's delivery ran ...
        await a_timers.advance(0)  # ... and A's, at the same time
        daily = [s for s in a_shown.steps + b_shown.steps if s[0] == "daily"]
        assert len(daily) == 1  # posted once
    finally:
        await b.stop()
        await a.stop()


async def test_a_bank_change_through_one_worker_reaches_the_other(
    settings: Settings, clock: FakeClock, banks: Path
) -> None:
    """An upload (or /reload) reaches one worker; the other rescans the shared questions
    folder within a few seconds, and only when something changed."""
    shared = replace(settings, questions_dir=banks)
    a, _a_timers, _ = await worker(shared, clock)
    b, b_timers, _ = await worker(shared, clock)
    try:
        bank = (
            "bank: {id: extra, title: 追加题库, language: zh}\n"
            "questions:\n"
            "  - id: x-1\n"
            "    type: truefalse\n"
            "    text: 经营者不得以格式条款作出排除或者限制消费者权利的不公平、不合理规定。\n"
            "    answer: true\n"
            "    explanation: 格式条款、通知、声明、店堂告示都不得作出这样的规定。\n"
            "    source: 《消费者权益保护法》第二十六条\n"
            "    tags: [格式条款]\n"
            "    difficulty: 1\n"
        )
        installed, report = await a.install("extra.yaml", bank.encode())
        assert report is not None, installed
        assert "x-1" in a.engine.catalogue.questions
        assert "x-1" not in b.engine.catalogue.questions  # B has not looked yet
        await b_timers.advance(BANKS_WATCH)
        assert "x-1" in b.engine.catalogue.questions
        followed = b.engine.catalogue
        await b_timers.advance(3 * BANKS_WATCH)
        assert b.engine.catalogue is followed  # nothing changed since: no rescan
    finally:
        await b.stop()
        await a.stop()


async def test_a_subscription_changed_through_one_worker_moves_on_the_other(
    settings: Settings, clock: FakeClock
) -> None:
    a, a_timers, _ = await worker(settings, clock)
    b, b_timers, _ = await worker(settings, clock)
    try:
        await a.learning.subscribe(Subscription(42, 42, 8, 30, "Asia/Shanghai", "zh"))
        await b_timers.advance(61)
        at_830, _ = b_timers.jobs["daily:42"]
        await a.learning.subscribe(Subscription(42, 42, 9, 0, "Asia/Shanghai", "zh"))
        await b_timers.advance(61)  # B reads it again: the new time
        at_900, _ = b_timers.jobs["daily:42"]
        assert at_900 - at_830 == 30 * 60
        assert await a.learning.unsubscribe(42)
        await b_timers.advance(61)
        assert "daily:42" not in b_timers.jobs
    finally:
        await b.stop()
        await a.stop()
