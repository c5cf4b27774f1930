"""Timed contests in groups: the state machine that runs them, over ports.

The runner decides what happens when; a :class:`ContestPresenter` (the Telegram front end)
shows it, and a :class:`Scheduler` (python-telegram-bot's JobQueue, or a fake in tests)
calls back at the right time. Time comes from the injected clock. Nothing here imports
``telegram``.

Every answer is stored as it arrives. A contest's state lives in SQLite; what is in memory
is a cache rebuilt by :meth:`ContestRunner.recover` after a restart, with this rule: a
question whose deadline is still ahead keeps its deadline (the time left); a question whose
deadline passed while the bot was down is closed at once, its answers intact, and the
contest moves on.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

from bot.domain.catalogue import Catalogue
from bot.domain.contest import (
    ContestSettings,
    ContestStatus,
    GroupBudget,
    PlayerScore,
    Schedule,
    contest_points,
    rank,
    upcoming_mandatory,
)
from bot.domain.models import LETTERS, Question, QuestionType, User
from bot.domain.quiz import Response, choice_letters, grade, match_typed
from bot.engine import Clock
from bot.scheduling import Scheduler
from bot.storage.contest_store import ActiveContestExists, ContestRow, ContestStore
from bot.storage.store import AnswerRecord, Store

__all__ = [
    "Ack",
    "ContestPresenter",
    "ContestRunner",
    "Live",
    "Refused",
    "Reveal",
    "Scheduler",
]

logger = logging.getLogger(__name__)

#: Seconds between checks for a live answer count or a lobby refresh (each one only when
#: the group's message budget allows).
TICK = 3.0


@dataclass(frozen=True, slots=True)
class Reveal:
    """What everyone sees when a question closes."""

    position: int
    question: Question
    counts: tuple[int, ...]  # answers per option (choice questions)
    answered: int
    right: int
    right_names: tuple[str, ...]  # first right players, for typed answers
    standings: tuple[PlayerScore, ...]  # top 5


class ContestPresenter(Protocol):
    """How a contest is shown; each call is one message sent or edited in the group."""

    async def announce(self, live: Live, starts_at: float) -> None: ...

    async def lobby(self, live: Live, players: int, seconds_left: int, first: bool) -> None: ...

    async def ask(self, live: Live) -> None: ...

    async def count(self, live: Live, answered: int, seconds_left: int) -> None: ...

    async def reveal(self, live: Live, reveal: Reveal) -> None: ...

    async def podium(self, live: Live, ranking: list[PlayerScore], stopped: bool) -> None: ...

    async def notice(self, live: Live, key: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Ack:
    """An answer stored; ``letters`` or the typed text, and the seconds it took."""

    choice: str
    seconds: float


@dataclass(frozen=True, slots=True)
class Refused:
    """An answer or action that was not accepted; ``reason`` is a text key suffix."""

    reason: str


@dataclass
class Live:
    """An active contest, as cached in memory."""

    id: int
    chat_id: int
    created_by: int
    settings: ContestSettings
    questions: tuple[Question, ...]
    status: ContestStatus
    position: int = -1
    asked_at: float | None = None
    deadline: float | None = None
    paused_left: float | None = None
    paused_from: ContestStatus | None = None
    pause_requested: bool = False
    scheduled_at: float | None = None
    message_id: int | None = None
    poll_id: str | None = None
    notes: tuple[str, ...] = ()
    answered: dict[int, str] = field(default_factory=dict)
    selections: dict[int, frozenset[int]] = field(default_factory=dict)
    streaks: dict[int, int] = field(default_factory=dict)
    members: set[int] = field(default_factory=set)  # joined or answered
    shown_count: int = -1
    shown_players: int = -1
    inflight: int = 0
    budget: GroupBudget = field(default_factory=GroupBudget)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    idle: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def question(self) -> Question | None:
        if 0 <= self.position < len(self.questions):
            return self.questions[self.position]
        return None

    @property
    def total(self) -> int:
        return len(self.questions)

    def seconds_left(self, now: float) -> int:
        return max(0, round((self.deadline or now) - now))

    def may_send(self, now: float) -> bool:
        """Whether an optional message (a count, a refresh, a reply) fits the group's budget."""
        reserve = upcoming_mandatory(
            self.status, now, self.deadline, self.position, self.total, self.settings
        )
        return self.budget.allows(now, reserve)

    @classmethod
    def from_row(cls, row: ContestRow) -> Live:
        live = cls(
            id=row.id,
            chat_id=row.chat_id,
            created_by=row.created_by,
            settings=row.settings,
            questions=row.questions,
            status=row.status,
            position=row.position,
            asked_at=row.asked_at,
            deadline=row.deadline,
            paused_left=row.paused_left,
            paused_from=row.paused_from,
            scheduled_at=row.scheduled_at,
            message_id=row.message_id,
        )
        live.idle.set()
        return live


class ContestRunner:
    """Runs every group's contest; one active contest per group."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        scheduler: Scheduler,
        presenter: ContestPresenter,
        catalogue: Callable[[], Catalogue],
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.contests = ContestStore(store.db, store.batcher)
        self.clock = clock
        self.scheduler = scheduler
        self.presenter = presenter
        self.catalogue = catalogue
        self.rng = rng or random.Random()
        self.live: dict[int, Live] = {}
        self.by_chat: dict[int, int] = {}
        self.polls: dict[str, tuple[int, int]] = {}

    # --- lookups ----------------------------------------------------------------------

    def in_chat(self, chat_id: int) -> Live | None:
        contest_id = self.by_chat.get(chat_id)
        return self.live.get(contest_id) if contest_id is not None else None

    def _track(self, live: Live) -> Live:
        self.live[live.id] = live
        self.by_chat[live.chat_id] = live.id
        return live

    def _forget(self, live: Live) -> None:
        self.live.pop(live.id, None)
        if self.by_chat.get(live.chat_id) == live.id:
            del self.by_chat[live.chat_id]
        self._cancel_timers(live)
        self.polls = {p: v for p, v in self.polls.items() if v[0] != live.id}

    @staticmethod
    def _key(live: Live, what: str) -> str:
        return f"contest:{live.id}:{what}"

    def _cancel_timers(self, live: Live) -> None:
        for what in ("phase", "tick"):
            self.scheduler.cancel(self._key(live, what))

    def may_reply(self, chat_id: int) -> bool:
        """Whether an optional reply fits the group's message budget; if so, it is counted.

        A crowd typing commands during a contest must not eat the budget its questions,
        reveals and podium need. Outside a contest there is nothing to keep.
        """
        live = self.in_chat(chat_id)
        if live is None:
            return True
        now = self.clock.now()
        if not live.may_send(now):
            return False
        live.budget.record(now)
        return True

    # --- creating ---------------------------------------------------------------------

    def choose_questions(
        self, settings: ContestSettings, allow_open: bool
    ) -> list[Question] | None:
        """The questions of a new contest, or None when the topic names nothing."""
        catalogue = self.catalogue()
        if settings.topic:
            pool = catalogue.find_topic(settings.topic, settings.language)
            if pool is None:
                return None
        else:
            pool = catalogue.in_language(settings.language)
        if settings.polls or not allow_open:
            pool = [q for q in pool if q.type is not QuestionType.OPEN]
        return catalogue.pick(settings.count, self.rng, pool=pool)

    async def create(
        self,
        chat_id: int,
        organizer: User,
        settings: ContestSettings,
        schedule: Schedule | None,
        allow_open: bool = True,
        notes: tuple[str, ...] = (),
    ) -> Live | Refused:
        """Open a contest's lobby now, or announce it for later.

        Returns:
            The contest, or why not: ``busy`` (the group has one), ``no_topic``,
            ``no_questions``.
        """
        if self.in_chat(chat_id) is not None:
            return Refused("busy")
        questions = self.choose_questions(settings, allow_open)
        if questions is None:
            return Refused("no_topic")
        if not questions:
            return Refused("no_questions")
        settings = replace(settings, count=len(questions))
        now = self.clock.now()
        status = ContestStatus.SCHEDULED if schedule else ContestStatus.LOBBY
        await self.store.save_user(organizer, now)
        try:
            contest_id = await self.contests.create(
                chat_id,
                organizer.id,
                settings,
                questions,
                status,
                now,
                scheduled_at=schedule.starts_at if schedule else None,
            )
        except ActiveContestExists:
            return Refused("busy")
        row = await self.contests.get(contest_id)
        assert row is not None
        live = self._track(Live.from_row(row))
        live.notes = notes
        logger.info(
            "contest %d created in chat %d by user %d: %d questions, %ds each",
            live.id,
            chat_id,
            organizer.id,
            live.total,
            settings.seconds,
        )
        async with live.lock:
            if schedule:
                await self.presenter.announce(live, schedule.starts_at)
                live.budget.record(now)
                opens = schedule.starts_at - settings.lobby_seconds
                self.scheduler.call_at(
                    opens, self._key(live, "phase"), lambda: self._open_lobby(live.id)
                )
            else:
                await self._lobby_now(live, now)
        return live

    async def _open_lobby(self, contest_id: int) -> None:
        live = self.live.get(contest_id)
        if live is None:
            return
        async with live.lock:
            if live.status is ContestStatus.SCHEDULED:
                await self._lobby_now(live, self.clock.now())

    async def _lobby_now(self, live: Live, now: float) -> None:
        live.status = ContestStatus.LOBBY
        live.deadline = now + live.settings.lobby_seconds
        await self.contests.update(live.id, status=live.status, deadline=live.deadline)
        await self.presenter.lobby(live, len(live.members), live.seconds_left(now), first=True)
        live.budget.record(now)
        live.shown_players = len(live.members)
        self.scheduler.call_at(
            live.deadline, self._key(live, "phase"), lambda: self._begin(live.id)
        )
        self._tick_later(live, now)

    # --- players --------------------------------------------------------------------

    async def join(self, contest_id: int, user: User) -> Refused | None:
        """Join a contest's lobby (or a running contest)."""
        live = self.live.get(contest_id)
        if live is None:
            return Refused("finished")
        if not await self.contests.join(contest_id, user, self.clock.now()):
            return Refused("already_joined")
        live.members.add(user.id)
        return None

    def toggle(self, contest_id: int, position: int, user_id: int, letter: str) -> str | Refused:
        """Tick or untick an option of a multiple-choice question; returns the selection."""
        live = self.live.get(contest_id)
        refusal = self._check_open(live, position, user_id)
        if refusal is not None:
            return refusal
        assert live is not None and live.question is not None
        index = LETTERS.find(letter)
        if len(letter) != 1 or not 0 <= index < live.question.option_count:
            return Refused("stale")
        picked = live.selections.get(user_id, frozenset()) ^ {index}
        live.selections[user_id] = picked
        return choice_letters(picked)

    def _check_open(self, live: Live | None, position: int, user_id: int) -> Refused | None:
        if live is None:
            return Refused("finished")
        if position < live.position:
            return Refused("stale")
        if live.status is ContestStatus.PAUSED:
            return Refused("paused")
        if position == live.position and live.status is ContestStatus.REVEAL:
            return Refused("late")
        if live.status is not ContestStatus.QUESTION or position != live.position:
            return Refused("stale")
        if live.deadline is not None and self.clock.now() > live.deadline:
            return Refused("late")
        if user_id in live.answered:
            return Refused("already")
        return None

    async def answer(
        self, contest_id: int, position: int, user: User, response: Response | None
    ) -> Ack | Refused:
        """Store a player's answer to the current question.

        ``response`` None submits the player's ticks of a multiple-choice question. Presses
        after the deadline, on another question, or a second time, store nothing.
        """
        live = self.live.get(contest_id)
        refusal = self._check_open(live, position, user.id)
        if refusal is not None:
            return refusal
        assert live is not None and live.question is not None
        question = live.question
        if response is None:
            response = live.selections.get(user.id, frozenset())
            if not response:
                return Refused("empty")
        now = self.clock.now()
        choice = response if isinstance(response, str) else choice_letters(response)
        live.answered[user.id] = choice  # claimed before any await: a double press stops here
        live.inflight += 1
        live.idle.clear()
        try:
            correct = grade(question, response)
            elapsed = max(0.0, now - (live.asked_at or now))
            points, streak = contest_points(
                correct,
                elapsed,
                live.settings.seconds,
                live.streaks.get(user.id, 0),
                live.settings.negative,
            )
            record = AnswerRecord(
                user_id=user.id,
                chat_id=live.chat_id,
                question_id=question.id,
                position=position,
                choice=choice,
                correct=correct,
                points=points,
                elapsed_ms=int(elapsed * 1000),
                answered_at=now,
            )
            if not await self.contests.record_answer(record, live.id, streak, user):
                return Refused("already")
            live.members.add(user.id)
            live.streaks[user.id] = streak
            return Ack(choice, elapsed)
        except BaseException:
            live.answered.pop(user.id, None)
            raise
        finally:
            live.inflight -= 1
            if live.inflight == 0:
                live.idle.set()

    async def typed(self, chat_id: int, user: User, text: str) -> Ack | Refused | None:
        """A message typed in a group: an answer if it is right for the open question.

        Wrong guesses are not stored (people chat in groups); only the first right one is.
        Returns None when the text is not an answer at all.
        """
        live = self.in_chat(chat_id)
        if live is None or live.status is not ContestStatus.QUESTION:
            return None
        question = live.question
        if question is None or question.type is not QuestionType.OPEN:
            return None
        if not match_typed(text, question.accepted):
            return None
        return await self.answer(live.id, live.position, user, text.strip())

    async def poll_answer(self, poll_id: str, user: User, option_ids: list[int]) -> Ack | Refused:
        """A vote in a contest's quiz poll, timed on arrival."""
        target = self.polls.get(poll_id) or await self.contests.poll(poll_id)
        if target is None:
            return Refused("stale")
        contest_id, position = target
        if not option_ids:
            return Refused("empty")  # a retracted vote
        return await self.answer(contest_id, position, user, frozenset(option_ids))

    # --- running ----------------------------------------------------------------------

    async def go(self, contest_id: int) -> Refused | None:
        """Start now instead of waiting for the lobby to end."""
        live = self.live.get(contest_id)
        if live is None or live.status not in (ContestStatus.LOBBY, ContestStatus.SCHEDULED):
            return Refused("not_in_lobby")
        await self._begin(contest_id)
        return None

    async def _begin(self, contest_id: int) -> None:
        live = self.live.get(contest_id)
        if live is None:
            return
        async with live.lock:
            if live.status not in (ContestStatus.LOBBY, ContestStatus.SCHEDULED):
                return
            now = self.clock.now()
            await self.contests.update(live.id, started_at=now)
            await self._ask(live, 0, now)

    async def _ask(self, live: Live, position: int, now: float) -> None:
        live.status = ContestStatus.QUESTION
        live.position = position
        live.asked_at = now
        live.deadline = now + live.settings.seconds
        live.answered.clear()
        live.selections.clear()
        live.shown_count = 0
        live.poll_id = None
        await self.contests.update(
            live.id, status=live.status, position=position, asked_at=now, deadline=live.deadline
        )
        await self.presenter.ask(live)
        live.budget.record(now)
        await self.contests.update(live.id, message_id=live.message_id)
        if live.poll_id:
            self.polls[live.poll_id] = (live.id, position)
            await self.contests.add_poll(live.poll_id, live.id, position)
        self.scheduler.call_at(
            live.deadline, self._key(live, "phase"), lambda: self._close(live.id, position)
        )
        self._tick_later(live, now)

    def _tick_later(self, live: Live, now: float) -> None:
        self.scheduler.call_at(now + TICK, self._key(live, "tick"), lambda: self._tick(live.id))

    async def _tick(self, contest_id: int) -> None:
        """Refresh the lobby or the live answer count, if the group's budget allows."""
        live = self.live.get(contest_id)
        if live is None:
            return
        async with live.lock:
            now = self.clock.now()
            if live.status is ContestStatus.LOBBY:
                if len(live.members) != live.shown_players and live.may_send(now):
                    await self.presenter.lobby(
                        live, len(live.members), live.seconds_left(now), first=False
                    )
                    live.budget.record(now)
                    live.shown_players = len(live.members)
            elif live.status is ContestStatus.QUESTION and not live.settings.polls:
                count = len(live.answered)
                if count != live.shown_count and live.may_send(now):
                    await self.presenter.count(live, count, live.seconds_left(now))
                    live.budget.record(now)
                    live.shown_count = count
            else:
                return
            if live.deadline is None or live.deadline - now > TICK:
                self._tick_later(live, now)

    async def _close(self, contest_id: int, position: int) -> None:
        live = self.live.get(contest_id)
        if live is None:
            return
        async with live.lock:
            if live.status is not ContestStatus.QUESTION or live.position != position:
                return
            await self._reveal(live)

    async def _reveal(self, live: Live) -> None:
        """Close the current question: show the answer and the top five, then move on."""
        await live.idle.wait()  # answers being stored finish first
        question = live.question
        assert question is not None
        self.scheduler.cancel(self._key(live, "tick"))
        now = self.clock.now()
        live.status = ContestStatus.REVEAL
        live.deadline = now + live.settings.reveal_seconds
        await self.contests.update(live.id, status=live.status, deadline=live.deadline)
        await self.contests.reset_streaks(live.id, set(live.answered))
        live.streaks = {u: s for u, s in live.streaks.items() if u in live.answered}
        rows = await self.contests.answers(live.id, live.position)
        counts = [0] * question.option_count
        for row in rows:
            if question.type is not QuestionType.OPEN:
                for letter in row["choice"]:
                    counts[LETTERS.index(letter)] += 1
        right_ids = [r["user_id"] for r in rows if r["correct"]]
        players = await self.contests.players(live.id)
        names = {p.user_id: p.name for p in players}
        reveal = Reveal(
            position=live.position,
            question=question,
            counts=tuple(counts),
            answered=len(rows),
            right=len(right_ids),
            right_names=tuple(names.get(u, str(u)) for u in right_ids[:5]),
            standings=tuple(rank(players)[:5]),
        )
        await self.presenter.reveal(live, reveal)
        live.budget.record(now)
        if live.pause_requested:
            await self._pause_now(live, now)
            return
        self.scheduler.call_at(
            live.deadline, self._key(live, "phase"), lambda: self._advance(live.id)
        )

    async def _advance(self, contest_id: int) -> None:
        live = self.live.get(contest_id)
        if live is None:
            return
        async with live.lock:
            if live.status is not ContestStatus.REVEAL:
                return
            now = self.clock.now()
            if live.position + 1 < live.total:
                await self._ask(live, live.position + 1, now)
            else:
                await self._finish(live, ContestStatus.FINISHED, now)

    async def _finish(self, live: Live, status: ContestStatus, now: float) -> None:
        await live.idle.wait()
        live.status = status
        await self.contests.update(live.id, status=status, finished_at=now, deadline=None)
        players = rank(await self.contests.players(live.id))
        self._forget(live)
        await self.presenter.podium(live, players, stopped=status is ContestStatus.STOPPED)
        live.budget.record(now)
        logger.info("contest %d %s with %d players", live.id, status.value, len(players))

    # --- organizer controls ------------------------------------------------------------

    async def pause(self, chat_id: int) -> Refused | None:
        live = self.in_chat(chat_id)
        if live is None:
            return Refused("no_contest")
        async with live.lock:
            if live.status is ContestStatus.PAUSED or live.pause_requested:
                return Refused("already_paused")
            if live.status is ContestStatus.QUESTION and live.settings.polls:
                # A poll runs out its own clock: the pause starts when it closes.
                live.pause_requested = True
                await self._notice(live, "contest_pause_after")
                return None
            if live.status not in (
                ContestStatus.LOBBY,
                ContestStatus.QUESTION,
                ContestStatus.REVEAL,
            ):
                return Refused("not_running")
            await self._pause_now(live, self.clock.now())
        return None

    async def _pause_now(self, live: Live, now: float) -> None:
        live.pause_requested = False
        live.paused_from = live.status
        live.paused_left = max(0.0, (live.deadline or now) - now)
        live.status = ContestStatus.PAUSED
        self._cancel_timers(live)
        await self.contests.update(
            live.id,
            status=live.status,
            paused_left=live.paused_left,
            paused_from=live.paused_from.value,
        )
        await self._notice(live, "contest_paused", mandatory=True)

    async def resume(self, chat_id: int) -> Refused | None:
        live = self.in_chat(chat_id)
        if live is None:
            return Refused("no_contest")
        async with live.lock:
            if live.pause_requested:
                live.pause_requested = False
                await self._notice(live, "contest_resumed")
                return None
            if live.status is not ContestStatus.PAUSED or live.paused_from is None:
                return Refused("not_paused")
            now = self.clock.now()
            live.status = live.paused_from
            live.deadline = now + (live.paused_left or 0.0)
            if live.status is ContestStatus.QUESTION and live.asked_at is not None:
                # The clock of the question stood still while paused.
                live.asked_at = live.deadline - live.settings.seconds
            live.paused_left = live.paused_from = None
            await self.contests.update(
                live.id,
                status=live.status,
                deadline=live.deadline,
                asked_at=live.asked_at,
                paused_left=None,
                paused_from=None,
            )
            await self._notice(live, "contest_resumed", mandatory=True)
            self._schedule_phase(live)
        return None

    def _schedule_phase(self, live: Live) -> None:
        """The timer of the phase the contest is in (after a resume or a restart)."""
        assert live.deadline is not None
        if live.status is ContestStatus.LOBBY:
            action: Callable[[], Awaitable[None]] = lambda: self._begin(live.id)  # noqa: E731
        elif live.status is ContestStatus.QUESTION:
            position = live.position
            action = lambda: self._close(live.id, position)  # noqa: E731
        elif live.status is ContestStatus.REVEAL:
            action = lambda: self._advance(live.id)  # noqa: E731
        else:
            return
        self.scheduler.call_at(live.deadline, self._key(live, "phase"), action)
        if live.status in (ContestStatus.LOBBY, ContestStatus.QUESTION):
            self._tick_later(live, self.clock.now())

    async def skip(self, chat_id: int) -> Refused | None:
        """Close the current question now."""
        live = self.in_chat(chat_id)
        if live is None:
            return Refused("no_contest")
        async with live.lock:
            if live.status is not ContestStatus.QUESTION:
                return Refused("not_running")
            self.scheduler.cancel(self._key(live, "phase"))
            await self._reveal(live)
        return None

    async def stop(self, chat_id: int) -> Refused | None:
        """End the contest now; the podium shows the standings so far."""
        live = self.in_chat(chat_id)
        if live is None:
            return Refused("no_contest")
        async with live.lock:
            await self._finish(live, ContestStatus.STOPPED, self.clock.now())
        return None

    async def _notice(self, live: Live, key: str, mandatory: bool = False) -> None:
        now = self.clock.now()
        if mandatory or live.may_send(now):
            await self.presenter.notice(live, key)
            live.budget.record(now)

    # --- after a restart ------------------------------------------------------------

    async def recover(self) -> list[Live]:
        """Rebuild every active contest from SQLite and set its timers again."""
        recovered = []
        for row in await self.contests.active():
            live = self._track(Live.from_row(row))
            live.streaks = await self.contests.streaks(live.id)
            live.members = set(live.streaks)
            if live.status is ContestStatus.QUESTION:
                for answer in await self.contests.answers(live.id, live.position):
                    live.answered[answer["user_id"]] = answer["choice"]
            recovered.append(live)
            now = self.clock.now()
            logger.info("contest %d recovered in state %s", live.id, live.status.value)
            if live.status is ContestStatus.SCHEDULED:
                opens = (live.scheduled_at or now) - live.settings.lobby_seconds
                self.scheduler.call_at(
                    opens, self._key(live, "phase"), lambda cid=live.id: self._open_lobby(cid)
                )
            elif live.status is ContestStatus.PAUSED:
                continue
            elif live.deadline is None or live.deadline <= now:
                await self._catch_up(live)
            else:
                self._schedule_phase(live)
        return recovered

    async def _catch_up(self, live: Live) -> None:
        """A phase that ended while the bot was down ends now."""
        if live.status is ContestStatus.LOBBY:
            await self._begin(live.id)
        elif live.status is ContestStatus.QUESTION:
            await self._close(live.id, live.position)
        elif live.status is ContestStatus.REVEAL:
            await self._advance(live.id)

    # --- results ----------------------------------------------------------------------

    async def standings(self, contest_id: int) -> list[PlayerScore]:
        return rank(await self.contests.players(contest_id))

    async def chart_data(self, contest_id: int) -> tuple[list[float], list[int]]:
        """Share of right answers per question, and every player's score."""
        row = await self.contests.get(contest_id)
        shares = []
        for position in range(len(row.questions) if row else 0):
            answers = await self.contests.answers(contest_id, position)
            shares.append(sum(a["correct"] for a in answers) / len(answers) if answers else 0.0)
        return shares, [p.score for p in await self.standings(contest_id)]

    async def my_rank(self, contest_id: int, user_id: int) -> tuple[int, PlayerScore] | None:
        for place, player in enumerate(await self.standings(contest_id), start=1):
            if player.user_id == user_id:
                return place, player
        return None
