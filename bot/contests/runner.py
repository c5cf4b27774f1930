"""The contest runner: the state machine that runs every group's contest, over ports.

It decides what happens when; a :class:`ContestPresenter` shows it, and a
:class:`Scheduler` calls back at the right time. Time comes from the injected clock.
Nothing here imports ``telegram``.

Every answer is stored as it arrives. A contest's state lives in SQLite; what is in memory
is a cache rebuilt by :meth:`ContestRunner.recover` after a restart, with this rule: a
question whose deadline is still ahead keeps its deadline (the time left); a question whose
deadline passed while the bot was down is closed at once, its answers intact, and the
contest moves on.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial

from bot.contests.live import TICK, Ack, ContestPresenter, Live, Reveal
from bot.contests.results import ContestResults
from bot.domain.catalogue import Catalogue
from bot.domain.contest import (
    ContestSettings,
    ContestStatus,
    PlayerScore,
    Schedule,
    contest_points,
    rank,
)
from bot.domain.learning import review_change
from bot.domain.models import LETTERS, Question, User
from bot.domain.quiz import Response, choice_letters, grade, match_typed
from bot.domain.refusals import Refusal, Refused
from bot.domain.timezones import zone_or_default
from bot.policy import AnswerPolicy
from bot.ports import Clock, Scheduler
from bot.storage.contest_store import ActiveContestExists, ContestStore
from bot.storage.db import StorageFull
from bot.storage.store import AnswerRecord, Store

__all__ = ["ContestRunner"]

logger = logging.getLogger(__name__)


class ContestRunner:
    """Runs every group's contest; one active contest per group."""

    def __init__(
        self,
        store: Store,
        contests: ContestStore,
        results: ContestResults,
        policy: AnswerPolicy,
        clock: Clock,
        scheduler: Scheduler,
        presenter: ContestPresenter,
        catalogue: Callable[[], Catalogue],
        rng: random.Random | None = None,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self.store = store
        self.contests = contests
        self.results = results
        self.policy = policy
        self.timezone = timezone
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
            pool = [q for q in pool if not q.rules.typed]
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
            return Refused(Refusal.BUSY)
        questions = self.choose_questions(settings, allow_open)
        if questions is None:
            return Refused(Refusal.NO_TOPIC)
        if not questions:
            return Refused(Refusal.NO_QUESTIONS)
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
            return Refused(Refusal.BUSY)
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
                zone = await self.group_timezone(chat_id)
                await self.presenter.announce(live, schedule.starts_at, zone)
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
            return Refused(Refusal.CONTEST_OVER)
        if not await self.contests.join(contest_id, user, self.clock.now()):
            return Refused(Refusal.ALREADY_JOINED)
        live.members.add(user.id)
        return None

    def toggle(self, contest_id: int, position: int, user_id: int, letter: str) -> str | Refused:
        """Tick or untick an option of a multiple-choice question; returns the selection."""
        live = self.live.get(contest_id)
        refusal = self._check_open(live, position, user_id)
        if refusal is not None:
            return refusal
        assert live is not None and live.question is not None
        if not live.question.is_option(letter):
            return Refused(Refusal.STALE)
        picked = live.selections.get(user_id, frozenset()) ^ {LETTERS.index(letter)}
        live.selections[user_id] = picked
        return choice_letters(picked)

    def _check_open(self, live: Live | None, position: int, user_id: int) -> Refused | None:
        if live is None:
            return Refused(Refusal.CONTEST_OVER)
        if position < live.position:
            return Refused(Refusal.STALE)
        if live.status is ContestStatus.PAUSED:
            return Refused(Refusal.PAUSED)
        if position == live.position and live.status is ContestStatus.REVEAL:
            return Refused(Refusal.LATE)
        if live.status is not ContestStatus.QUESTION or position != live.position:
            return Refused(Refusal.STALE)
        if live.deadline is not None and self.clock.now() > live.deadline:
            return Refused(Refusal.LATE)
        if user_id in live.answered:
            return Refused(Refusal.ANSWERED)
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
                return Refused(Refusal.EMPTY)
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
            review = review_change("contest", correct, None, now)
            try:
                stored = await self.contests.record_answer(record, live.id, streak, user, review)
            except StorageFull as exc:  # the player is told, may press again; the contest goes on
                live.answered.pop(user.id, None)
                logger.warning(
                    "contest %d: an answer of user %d not stored: %s", live.id, user.id, exc
                )
                return Refused(Refusal.NOT_STORED)
            if not stored:
                return Refused(Refusal.ANSWERED)
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
        if question is None or not question.rules.typed:
            return None
        if not match_typed(text, question.accepted):
            return None
        return await self.answer(live.id, live.position, user, text.strip())

    async def poll_answer(self, poll_id: str, user: User, option_ids: list[int]) -> Ack | Refused:
        """A vote in a contest's quiz poll, timed on arrival."""
        target = self.polls.get(poll_id) or await self.contests.poll(poll_id)
        if target is None:
            return Refused(Refusal.STALE)
        contest_id, position = target
        if not option_ids:
            return Refused(Refusal.EMPTY)  # a retracted vote
        return await self.answer(contest_id, position, user, frozenset(option_ids))

    # --- running ----------------------------------------------------------------------

    async def go(self, contest_id: int) -> Refused | None:
        """Start now instead of waiting for the lobby to end."""
        live = self.live.get(contest_id)
        if live is None or live.status not in (ContestStatus.LOBBY, ContestStatus.SCHEDULED):
            return Refused(Refusal.NOT_IN_LOBBY)
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
            if not question.rules.typed:
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
        chart = await self.results.chart_data(live.id)
        await self.presenter.podium(
            live, players, stopped=status is ContestStatus.STOPPED, chart=chart
        )
        live.budget.record(now)
        logger.info("contest %d %s with %d players", live.id, status.value, len(players))
        await self._award(players)

    async def _award(self, players: list[PlayerScore]) -> None:
        """Achievements the contest's answers earned: checked once, at the end, per player."""
        for player in players:
            earned = await self.policy.achievements(player.user_id)
            if earned:
                await self.presenter.award(player.user_id, earned, player.language)

    # --- organizer controls ------------------------------------------------------------

    async def pause(self, chat_id: int) -> Refused | None:
        live = self.in_chat(chat_id)
        if live is None:
            return Refused(Refusal.NO_CONTEST)
        async with live.lock:
            if live.status is ContestStatus.PAUSED or live.pause_requested:
                return Refused(Refusal.ALREADY_PAUSED)
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
                return Refused(Refusal.NOT_RUNNING)
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
            return Refused(Refusal.NO_CONTEST)
        async with live.lock:
            if live.pause_requested:
                live.pause_requested = False
                await self._notice(live, "contest_resumed")
                return None
            if live.status is not ContestStatus.PAUSED or live.paused_from is None:
                return Refused(Refusal.NOT_PAUSED)
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
            return Refused(Refusal.NO_CONTEST)
        async with live.lock:
            if live.status is not ContestStatus.QUESTION:
                return Refused(Refusal.NOT_RUNNING)
            self.scheduler.cancel(self._key(live, "phase"))
            await self._reveal(live)
        return None

    async def stop(self, chat_id: int) -> Refused | None:
        """End the contest now; the podium shows the standings so far."""
        live = self.in_chat(chat_id)
        if live is None:
            return Refused(Refusal.NO_CONTEST)
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
                    opens, self._key(live, "phase"), partial(self._open_lobby, live.id)
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

    # --- groups -----------------------------------------------------------------------

    async def remember_group(self, chat_id: int, title: str | None) -> None:
        """Keep a group's title, for results and rankings."""
        await self.contests.remember_group(chat_id, title)

    async def group_timezone(self, chat_id: int) -> str:
        """The group's time zone for scheduled contests (the bot's default if unset)."""
        # A zone the host no longer knows falls back (reported once, at start-up: Runtime).
        return zone_or_default(await self.contests.group_timezone(chat_id), self.timezone)

    async def set_group_timezone(self, chat_id: int, timezone: str) -> None:
        await self.contests.set_group_timezone(chat_id, timezone)
