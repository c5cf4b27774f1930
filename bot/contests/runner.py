"""The contest runner: the state machine that runs every group's contest, over ports.

It decides what happens when; a :class:`ContestPresenter` shows it, a :class:`Scheduler`
calls back at the right time, and a :class:`Link` says whether Telegram can be reached.
Time comes from the injected clock. Nothing here imports ``telegram``.

Every answer is stored as it arrives. A contest's state lives in the database; what is in
memory is a cache rebuilt by :meth:`ContestRunner.recover` after a restart, with this rule: a
question whose deadline is still ahead keeps its deadline (the time left); a question whose
deadline passed while the bot was down is closed at once, its answers intact, and the
contest moves on.

Several workers may share one PostgreSQL database (behind a webhook, any worker receiving any
update). Then:

* an answer is accepted by one conditional write, whichever worker receives it: stored only
  if the contest *as stored* has that question open (:class:`OpenQuestion`), once per
  player (a unique index);
* one worker runs each contest's clock — its timers and its messages — the one holding the
  contest's lease (:class:`Coordination`), renewed before every step; the others keep a
  cache they refresh from the database when it looks stale, and leave an organizer's
  controls in the contest's row for the owner to carry out;
* every worker looks at the active contests every :data:`LEASE_RENEW` seconds and takes the
  lease of any whose owner stopped renewing it (a worker killed): it resumes the contest from
  the database, as a restart does;
* every message into a group takes a place in the group's budget in the database.

On SQLite (one worker, the default) there is nobody to share with: every contest is the
worker's own and no lease is written.

A contest cannot get stuck:

* a step that fails to show (Telegram down, a 502, a dropped connection) is tried again
  with back-off, and the contest waits for it — a question's clock starts when it is
  shown, and the next question comes a reveal's pause after the reveal was shown;
* a question due to close while Telegram cannot be reached stays open until the link has
  been back for a moment, so the presses Telegram held meanwhile still count (timed at the
  deadline, at most :data:`GRACE` seconds late);
* a watchdog looks at every contest every :data:`WATCH` seconds and drives on any whose
  deadline passed with nothing pending (a timer lost with a crashed job, say).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial

from bot.contests.live import TICK, Ack, ChartData, ContestPresenter, Live, Reveal
from bot.contests.results import ContestResults
from bot.domain.catalogue import Catalogue
from bot.domain.contest import (
    ContestSettings,
    ContestStatus,
    GroupBudget,
    PlayerScore,
    Schedule,
    contest_points,
    rank,
)
from bot.domain.learning import review_change
from bot.domain.models import LETTERS, Question, User
from bot.domain.quiz import Response, choice_letters, grade, match_typed, valid_response
from bot.domain.refusals import Refusal, Refused
from bot.domain.timezones import zone_or_default
from bot.policy import AnswerPolicy
from bot.ports import AlwaysUp, Clock, Link, Repeating, Scheduler
from bot.storage.contest_store import ActiveContestExists, ContestRow, ContestStore, OpenQuestion
from bot.storage.coordination import Coordination
from bot.storage.db import DatabaseError, StorageFull
from bot.storage.store import AnswerRecord, Store

__all__ = ["GRACE", "LEASE_RENEW", "LEASE_TTL", "WATCH", "ContestRunner"]

logger = logging.getLogger(__name__)

#: Seconds a press may arrive after its deadline when Telegram was out of reach then.
GRACE = 60.0
#: Seconds between the watchdog's rounds, and how late a deadline may be before it acts.
WATCH = 5.0
WATCH_SLACK = 10.0
WATCHDOG = "contest:watchdog"
#: The phases with a deadline the watchdog looks after (a scheduled or paused contest waits).
WATCHED = frozenset({ContestStatus.LOBBY, ContestStatus.QUESTION, ContestStatus.REVEAL})
#: Seconds between tries of a step that failed to show; after the last, it is given up.
BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 30.0, 30.0)
#: Group messages a minute kept free of replies when no contest runs, so that one started
#: now has room for its lobby, first question and reveal.
OUTSIDE_RESERVE = 5
#: Seconds a question stays open after every player has answered it.
ALL_ANSWERED_GRACE = 2.0
#: Seconds a contest's lease lasts unless renewed; its owner renews it every LEASE_RENEW
#: seconds (and before every step), and the other workers look for lapsed ones as often: a
#: contest whose worker died goes on within LEASE_TTL + LEASE_RENEW seconds.
LEASE_TTL = 6.0
LEASE_RENEW = 2.0
LEASES = "contest:leases"
#: The organizer's controls a worker that does not run a contest leaves for its owner.
CONTROLS = ("go", "pause", "resume", "skip", "stop")


def lease_name(contest_id: int) -> str:
    """The name of a contest's lease."""
    return f"contest:{contest_id}"


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
        link: Link | None = None,
        coordination: Coordination | None = None,
        worker: str = "solo",
        shared: bool = False,
    ) -> None:
        self.store = store
        self.contests = contests
        self.results = results
        self.policy = policy
        self.timezone = timezone
        self.clock = clock
        self.scheduler = scheduler
        #: With other workers: this worker's leases renewed every LEASE_RENEW seconds.
        self._renewal = Repeating(scheduler, clock, LEASE_RENEW, LEASES, self._leases)
        self.presenter = presenter
        self.catalogue = catalogue
        self.rng = rng or random.Random()
        self.link: Link = link or AlwaysUp()
        self.live: dict[int, Live] = {}
        self.by_chat: dict[int, int] = {}
        self.polls: dict[str, tuple[int, int]] = {}
        #: Leases, group budgets: what the workers sharing the database agree on.
        self.coordination = coordination or Coordination(contests.db)
        #: This worker's name in the leases; ``shared``: other workers may use the database.
        self.worker = worker
        self.shared = shared
        #: The contests whose clock this worker runs (all of them, unless shared).
        self.owned: set[int] = set()
        #: Memory of the budget when the database cannot say (it failed): never more posts.
        self._fallback_budgets: dict[int, GroupBudget] = {}

    # --- lookups ----------------------------------------------------------------------

    def in_chat(self, chat_id: int) -> Live | None:
        """The group's contest as this worker has it cached (see :meth:`find`)."""
        contest_id = self.by_chat.get(chat_id)
        return self.live.get(contest_id) if contest_id is not None else None

    async def find(self, chat_id: int) -> Live | None:
        """The group's active contest: cached, or (other workers may run one) as stored."""
        live = self.in_chat(chat_id)
        if live is not None and self._stale(live):
            live = await self._refresh(live)
        if live is None and self.shared:
            row = await self.contests.active_in_chat(chat_id)
            if row is not None:
                live = await self._meet(row)
        return live

    async def _cached(self, contest_id: int) -> Live | None:
        """A contest by id: cached, or (other workers may run it) loaded if still active."""
        live = self.live.get(contest_id)
        if live is None and self.shared:
            row = await self.contests.get(contest_id)
            if row is not None and row.status not in (
                ContestStatus.FINISHED,
                ContestStatus.STOPPED,
            ):
                live = await self._meet(row)
        return live

    async def _meet(self, row: ContestRow) -> Live:
        """Cache a contest another worker runs (its players' streaks included)."""
        live = self.live.get(row.id)
        if live is None:
            live = self._track(Live.from_row(row))
            live.streaks = await self.contests.streaks(live.id)
            live.members = set(live.streaks)
        return live

    def _stale(self, live: Live) -> bool:
        """Whether this worker's copy of a contest may be behind: another worker runs it."""
        return self.shared and live.id not in self.owned

    async def _refresh(self, live: Live) -> Live | None:
        """A contest another worker runs, as stored now; None (forgotten) once it is over."""
        row = await self.contests.get(live.id)
        if row is None or row.status in (ContestStatus.FINISHED, ContestStatus.STOPPED):
            if live.id not in self.owned:
                self._forget(live)
            return None
        if live.refresh(row):
            live.streaks = await self.contests.streaks(live.id)
            live.members = set(live.streaks)
        return live

    def _track(self, live: Live) -> Live:
        self.live[live.id] = live
        self.by_chat[live.chat_id] = live.id
        return live

    def _forget(self, live: Live) -> None:
        self.live.pop(live.id, None)
        if self.by_chat.get(live.chat_id) == live.id:
            del self.by_chat[live.chat_id]
        self._cancel_timers(live)
        self.owned.discard(live.id)
        self.polls = {p: v for p, v in self.polls.items() if v[0] != live.id}

    # --- leases -------------------------------------------------------------------------

    async def _take(self, live: Live) -> bool:
        """Take the contest's lease (always granted when nobody shares the database)."""
        if self.shared and not await self.coordination.acquire(
            lease_name(live.id), self.worker, self.clock.now(), LEASE_TTL
        ):
            return False
        self.owned.add(live.id)
        return True

    async def _running(self, contest_id: int) -> Live | None:
        """The contest, if this worker runs its clock and still holds its lease (renewed
        now): every timed step asks first, so a worker that lost the lease (stalled past
        it, while another took over) stops at its next step instead of posting it too."""
        live = self.live.get(contest_id)
        if live is None or live.id not in self.owned:
            return None
        if self.shared:
            try:
                held = await self.coordination.renew(
                    lease_name(live.id), self.worker, self.clock.now(), LEASE_TTL
                )
            except DatabaseError as exc:
                logger.warning("contest %d: the lease could not be renewed (%s)", live.id, exc)
                held = False
            if not held:
                self._disown(live)
                return None
        return live

    def _disown(self, live: Live) -> None:
        """Another worker took the contest over: stop its timers here, keep a cache."""
        logger.warning("contest %d: its lease passed to another worker", live.id)
        self.owned.discard(live.id)
        self._cancel_timers(live)

    async def _let_go(self, live: Live) -> None:
        if self.shared and live.id in self.owned:
            try:
                await self.coordination.release(lease_name(live.id), self.worker)
            except DatabaseError as exc:
                logger.warning("contest %d: the lease was not released (%s)", live.id, exc)
        self.owned.discard(live.id)

    async def release(self) -> None:
        """Give up every lease (the worker is stopping): the others take over at once."""
        self._renewal.stop()
        for live in list(self.live.values()):
            self._cancel_timers(live)
            await self._let_go(live)

    async def _leases(self) -> None:
        """Renew this worker's leases, carry out controls left for them, forget contests
        that ended elsewhere, and take over any whose owner stopped renewing its lease."""
        try:
            rows = await self.contests.active()
            active = {row.id for row in rows}
            for live in list(self.live.values()):
                if live.id not in active and live.id not in self.owned:
                    self._forget(live)
            for row in rows:
                await self._lease_round(row)
        except DatabaseError as exc:
            logger.warning("contest leases not looked at: %s", exc)

    async def _lease_round(self, row: ContestRow) -> None:
        now = self.clock.now()
        live = self.live.get(row.id)
        if live is not None and live.id in self.owned:
            if await self._running(live.id) is None:
                return
            if row.request is not None:
                await self._carry_out(live)
            return
        if not await self.coordination.acquire(lease_name(row.id), self.worker, now, LEASE_TTL):
            return
        if live is None:
            live = await self._meet(row)
        else:
            live.refresh(row)
        self.owned.add(live.id)
        logger.warning(
            "contest %d: its worker stopped renewing its lease; taken over by %s",
            live.id,
            self.worker,
        )
        await self._resume(live, None)
        if live.status in WATCHED:
            self._watch_later()

    async def _carry_out(self, live: Live) -> None:
        """An organizer's control that another worker received."""
        what = await self.contests.take_request(live.id)
        logger.info("contest %d: carrying out /%s sent to another worker", live.id, what)
        if what == "go":
            await self.go(live.id)
        elif what == "pause":
            await self.pause(live.chat_id)
        elif what == "resume":
            await self.resume(live.chat_id)
        elif what == "skip":
            await self.skip(live.chat_id)
        elif what == "stop":
            await self.stop(live.chat_id)

    async def _leave_control(self, live: Live, what: str) -> None:
        """A control for a contest another worker runs: left in its row for that worker."""
        await self.contests.request(live.id, what)

    # --- the group's budget ----------------------------------------------------------------

    async def _take_place(self, chat_id: int, now: float, reserve: int | None) -> bool:
        """A place in the group's budget (None: a mandatory message, always counted)."""
        try:
            return await self.coordination.take_place(chat_id, now, reserve)
        except DatabaseError as exc:  # the database failing must not stop a contest
            logger.warning("group %d: its budget is not stored (%s)", chat_id, exc)
            budget = self._fallback_budgets.setdefault(chat_id, GroupBudget())
            if reserve is not None and not budget.allows(now, reserve):
                return False
            budget.record(now)
            return True

    async def _show_optional(self, live: Live, step: Callable[[], Awaitable[None]]) -> bool:
        """Show an optional step (a count, a lobby refresh, a notice) if the group's budget
        has room for it beside the contest's own messages to come; False when it had none."""
        now = self.clock.now()
        if not await self._take_place(live.chat_id, now, live.reserve(now)):
            return False
        await self._shown(live, step)
        return True

    @staticmethod
    def _key(live: Live, what: str) -> str:
        return f"contest:{live.id}:{what}"

    def _cancel_timers(self, live: Live) -> None:
        for what in ("phase", "tick"):
            self.scheduler.cancel(self._key(live, what))

    async def may_reply(self, chat_id: int) -> bool:
        """Whether an optional message fits the group's budget; if so, it is counted.

        Every reply the bot posts into a group (to a command, a refusal, help) passes here:
        at most 20 a minute, and during a contest, never at the cost of the questions,
        reveals and podium still to come within the minute. The budget is the database's,
        shared by every worker.
        """
        now = self.clock.now()
        live = await self.find(chat_id)
        # Without a contest, room is kept for one someone may start now: its first steps.
        reserve = live.reserve(now) if live is not None else OUTSIDE_RESERVE
        return await self._take_place(chat_id, now, reserve)

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

    def _title(self, settings: ContestSettings, questions: list[Question]) -> str | None:
        """A contest is named by its bank when all its questions come from one, else by the
        topic asked for; with neither, the views call it a general contest."""
        banks = {q.bank_id for q in questions}
        if len(banks) == 1:
            (bank_id,) = banks
            found = next((b for b in self.catalogue().banks if b.id == bank_id), None)
            if found is not None:
                return found.title
        return settings.topic

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
        if await self.find(chat_id) is not None:
            return Refused(Refusal.BUSY)
        questions = self.choose_questions(settings, allow_open)
        if questions is None:
            return Refused(Refusal.NO_TOPIC)
        if not questions:
            return Refused(Refusal.NO_QUESTIONS)
        settings = replace(settings, count=len(questions), title=self._title(settings, questions))
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
        await self._take(live)  # a new contest's lease is free: its creator runs it
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
                await self._show(
                    live, lambda: self.presenter.announce(live, schedule.starts_at, zone)
                )
                opens = schedule.starts_at - settings.lobby_seconds
                self.scheduler.call_at(
                    opens, self._key(live, "phase"), partial(self._open_lobby, live.id)
                )
            else:
                await self._lobby_now(live, now)
        return live

    async def _open_lobby(self, contest_id: int) -> None:
        live = await self._running(contest_id)
        if live is None:
            return
        async with live.lock:
            if live.status is ContestStatus.SCHEDULED:
                await self._lobby_now(live, self.clock.now())

    async def _lobby_now(self, live: Live, now: float) -> None:
        self._watch_later()
        live.status = ContestStatus.LOBBY
        live.deadline = now + live.settings.lobby_seconds
        await self.contests.update(live.id, status=live.status, deadline=live.deadline)
        players = len(live.members)
        await self._show(
            live, lambda: self.presenter.lobby(live, players, live.seconds_left(now), first=True)
        )
        if live.message_id is not None:  # the lobby's refreshes edit it, whoever runs them
            await self.contests.update(live.id, message_id=live.message_id)
        live.shown_players = players
        self.scheduler.call_at(
            live.deadline, self._key(live, "phase"), partial(self._begin, live.id)
        )
        self._tick_later(live, now)

    # --- showing ------------------------------------------------------------------------

    async def _show(self, live: Live, step: Callable[[], Awaitable[None]]) -> bool:
        """Show one step of a contest; False (having logged why) when it could not be shown.

        Every message a contest posts is counted in its group's budget, shown or not: a
        failed send may still have reached the group.
        """
        await self._take_place(live.chat_id, self.clock.now(), None)
        return await self._shown(live, step)

    async def _shown(self, live: Live, step: Callable[[], Awaitable[None]]) -> bool:
        """Run a step whose place in the budget is taken; False (logged) if it failed."""
        try:
            await step()
        except Exception as exc:  # the presenter's network or Telegram errors, whatever kind
            live.failures += 1
            logger.warning("contest %d: a step could not be shown (%s)", live.id, exc)
            return False
        live.failures = 0
        return True

    def _again(
        self,
        live: Live,
        tries: int,
        action: Callable[[int], Awaitable[None]],
        what: str = "phase",
    ) -> bool:
        """Schedule ``action(tries)`` again after a back-off; False when the tries are spent.

        ``tries`` counts failures with Telegram reachable (a message it refuses): after
        :data:`BACKOFF`'s length of them the contest moves on without that step. A failure
        while Telegram is out of reach does not count: the contest waits out an outage of
        any length, trying less and less often (``live.failures`` sets the pause).
        """
        now = self.clock.now()
        counted = tries + 1 if self.link.settled(now) else tries
        if counted > len(BACKOFF):
            logger.error("contest %d: giving up showing a step after %d tries", live.id, tries)
            return False
        pause = BACKOFF[min(live.failures, len(BACKOFF)) - 1]
        self.scheduler.call_at(now + pause, self._key(live, what), partial(action, counted))
        return True

    # --- players --------------------------------------------------------------------

    async def join(
        self, contest_id: int, user: User, chat_id: int | None = None
    ) -> Refused | None:
        """Join a contest's lobby (or a running contest) by its button in its group."""
        live = await self._cached(contest_id)
        if live is None:
            return Refused(Refusal.CONTEST_OVER)
        if chat_id is not None and chat_id != live.chat_id:
            return Refused(Refusal.INVALID)
        if not await self.contests.join(contest_id, user, self.clock.now()):
            return Refused(Refusal.ALREADY_JOINED)
        live.members.add(user.id)
        return None

    async def toggle(
        self, contest_id: int, position: int, user_id: int, letter: str, chat_id: int | None = None
    ) -> str | Refused:
        """Tick or untick an option of a multiple-choice question; returns the selection.

        The ticks are stored: the press that submits them may reach another worker.
        """
        live, refusal = await self._open(contest_id, position, user_id, chat_id)
        if refusal is not None:
            return refusal
        assert live is not None and live.question is not None
        if not live.question.rules.many or not live.question.is_option(letter):
            return Refused(Refusal.INVALID)
        return await self.contests.toggle_pick(live.id, position, user_id, letter)

    async def _open(
        self,
        contest_id: int,
        position: int,
        user_id: int,
        chat_id: int | None = None,
        sent_at: float | None = None,
    ) -> tuple[Live | None, Refused | None]:
        """The contest and whether its question ``position`` takes an answer now, by this
        worker's copy, refreshed from the database when another worker runs the contest
        and the copy says no (it may be behind)."""
        live = await self._cached(contest_id)
        refusal = self._check_open(live, position, user_id, chat_id, sent_at)
        if refusal is not None and live is not None and self._stale(live):
            live = await self._refresh(live)
            refusal = self._check_open(live, position, user_id, chat_id, sent_at)
        return live, refusal

    def _check_open(
        self,
        live: Live | None,
        position: int,
        user_id: int,
        chat_id: int | None = None,
        sent_at: float | None = None,
    ) -> Refused | None:
        if live is None:
            return Refused(Refusal.CONTEST_OVER)
        if chat_id is not None and chat_id != live.chat_id:
            return Refused(Refusal.INVALID)  # a contest's button pressed somewhere else
        if position < live.position or position >= live.total:
            return Refused(Refusal.STALE)
        if live.status is ContestStatus.PAUSED:
            return Refused(Refusal.PAUSED)
        if position == live.position and live.status is ContestStatus.REVEAL:
            return Refused(Refusal.LATE)
        if live.status is not ContestStatus.QUESTION or position != live.position:
            return Refused(Refusal.STALE)
        if live.deadline is None:
            return Refused(Refusal.STALE)  # not shown yet
        now = self.clock.now()
        if now > live.deadline and not (
            (live.grace_until is not None and now <= live.grace_until)
            or (sent_at is not None and sent_at <= live.deadline <= now <= live.deadline + GRACE)
        ):
            return Refused(Refusal.LATE)
        if user_id in live.answered:
            return Refused(Refusal.ANSWERED)
        return None

    async def answer(
        self,
        contest_id: int,
        position: int,
        user: User,
        response: Response | None,
        chat_id: int | None = None,
        sent_at: float | None = None,
    ) -> Ack | Refused:
        """Store a player's answer to the current question.

        ``response`` None submits the player's ticks of a multiple-choice question. Presses
        after the deadline, on another question, a second time, in another chat, or naming
        options the question does not have, store nothing. ``sent_at``: when the player
        sent it, where Telegram says (a message's date, in whole seconds): an answer sent
        before the deadline and delivered late counts, timed when it was sent.
        """
        live, refusal = await self._open(contest_id, position, user.id, chat_id, sent_at)
        if refusal is not None:
            return refusal
        assert live is not None and live.question is not None and live.deadline is not None
        question = live.question
        if response is None:
            picked = await self.contests.picks(live.id, position, user.id)
            response = frozenset(LETTERS.index(letter) for letter in picked)
            if not response:
                return Refused(Refusal.EMPTY)
        if not valid_response(question, response):
            return Refused(Refusal.INVALID)
        result = await self._store_answer(live, position, user, response, sent_at)
        if isinstance(result, Refused) and result.reason is Refusal.STALE and self._stale(live):
            # The question was shown again meanwhile (a pause and resume): try once more,
            # timed on the contest as stored now.
            fresh, refusal = await self._open(contest_id, position, user.id, chat_id, sent_at)
            if refusal is not None:
                return refusal
            assert fresh is not None
            result = await self._store_answer(fresh, position, user, response, sent_at)
        return result

    async def _store_answer(
        self,
        live: Live,
        position: int,
        user: User,
        response: Response,
        sent_at: float | None,
    ) -> Ack | Refused:
        """Grade, score and store an answer by one conditional write; why not, if it was not."""
        question = live.question
        assert question is not None and live.deadline is not None
        now = self.clock.now()
        choice = response if isinstance(response, str) else choice_letters(response)
        live.answered[user.id] = choice  # claimed before any await: a double press stops here
        live.inflight += 1
        live.idle.clear()
        try:
            correct = grade(question, response)
            # A press Telegram held back in an outage counts as made at the deadline; a message
            # as sent (its date is in whole seconds: the end of that second, to be fair).
            moment = min(now, live.deadline)
            asked = live.asked_at or now
            if sent_at is not None and asked <= sent_at <= moment:
                moment = min(moment, sent_at + 1.0)
            elapsed = max(0.0, moment - asked)
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
            window = OpenQuestion(
                asked_at=asked,
                now=now,
                sent_at=sent_at if sent_at is not None else now,
                grace=GRACE,
            )
            try:
                stored = await self.contests.record_answer(
                    record, live.id, streak, user, review, window
                )
            except StorageFull as exc:  # the player is told, may press again; the contest goes on
                live.answered.pop(user.id, None)
                logger.warning(
                    "contest %d: an answer of user %d not stored: %s", live.id, user.id, exc
                )
                return Refused(Refusal.NOT_STORED)
            if not stored:
                why = await self._why_not_stored(live, position, user.id)
                if why.reason is not Refusal.ANSWERED:
                    live.answered.pop(user.id, None)
                return why
            live.members.add(user.id)
            live.streaks[user.id] = streak
            await self._close_early_if_all_answered(live, position, now)
            return Ack(choice, elapsed)
        except BaseException:
            live.answered.pop(user.id, None)
            raise
        finally:
            live.inflight -= 1
            if live.inflight == 0:
                live.idle.set()

    async def _why_not_stored(self, live: Live, position: int, user_id: int) -> Refused:
        """The database refused an answer: answered already, or the question not open (as
        stored: this worker's copy may have been behind)."""
        if await self.contests.has_answered(live.id, position, user_id):
            return Refused(Refusal.ANSWERED)
        if self._stale(live):
            fresh = await self._refresh(live)
            refusal = self._check_open(fresh, position, user_id)
            if refusal is not None:
                return refusal
            if fresh is not None and fresh.asked_at != live.asked_at:
                return Refused(Refusal.STALE)  # shown again: the caller tries once more
        return Refused(Refusal.LATE)

    async def _close_early_if_all_answered(self, live: Live, position: int, now: float) -> None:
        """Every player expected has answered: the question closes after a short grace.

        Expected are those who had joined (in the lobby, or by answering an earlier
        question) when the question was asked; with nobody joined, it runs its full time.
        Only the worker running the contest closes it (it learns of answers other workers
        stored at its next tick).
        """
        if live.id not in self.owned:
            return
        if not live.expected or not live.expected <= live.answered.keys() or live.settings.polls:
            return
        when = now + ALL_ANSWERED_GRACE
        if live.deadline is not None and when < live.deadline:
            live.all_answered = True
            live.deadline = when
            await self.contests.update(live.id, deadline=when)
            self.scheduler.call_at(
                when, self._key(live, "phase"), partial(self._close, live.id, position)
            )

    async def typed(
        self,
        chat_id: int,
        text: str,
        sender: Callable[[], Awaitable[User]],
        sent_at: float | None = None,
    ) -> Ack | Refused | None:
        """A message typed in a group: an answer if it is right for the open question.

        Wrong guesses are not stored (people chat in groups); only the first right one is,
        and only then is ``sender`` asked who sent it (people who only chat are not
        recorded). Returns None when the text is not an answer at all. ``sent_at``: the
        message's date.
        """
        live = await self.find(chat_id)
        if live is None or live.status is not ContestStatus.QUESTION:
            return None
        question = live.question
        if question is None or not question.rules.typed:
            return None
        if not match_typed(text, question.accepted):
            return None
        user = await sender()
        return await self.answer(live.id, live.position, user, text.strip(), chat_id, sent_at)

    async def poll_answer(self, poll_id: str, user: User, option_ids: list[int]) -> Ack | Refused:
        """A vote in a contest's quiz poll, timed on arrival.

        A vote joins its voter, as an answer button does: they are on the podium and in
        the count of players.
        """
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
        live = await self._cached(contest_id)
        if live is not None and self._stale(live):
            live = await self._refresh(live)
        if live is None or live.status not in (ContestStatus.LOBBY, ContestStatus.SCHEDULED):
            return Refused(Refusal.NOT_IN_LOBBY)
        if live.id not in self.owned:
            await self._leave_control(live, "go")
            return None
        await self._begin(contest_id)
        return None

    async def _begin(self, contest_id: int) -> None:
        live = await self._running(contest_id)
        if live is None:
            return
        async with live.lock:
            if live.status not in (ContestStatus.LOBBY, ContestStatus.SCHEDULED):
                return
            now = self.clock.now()
            await self.contests.update(live.id, started_at=now)
            await self._ask(live, 0, now)

    async def _ask(self, live: Live, position: int, now: float, tries: int = 0) -> None:
        """Post question ``position``; its clock starts once it is shown."""
        live.status = ContestStatus.QUESTION
        live.position = position
        live.asked_at = live.deadline = live.grace_until = None
        live.all_answered = False
        if self.shared:  # players who joined through other workers, and everyone's streak
            live.streaks = await self.contests.streaks(live.id)
            live.members = set(live.streaks)
        live.expected = frozenset(live.members)
        live.answered.clear()
        live.shown_count = 0
        live.poll_id = None
        await self.contests.update(
            live.id,
            status=live.status,
            position=position,
            asked_at=None,
            deadline=None,
            grace_until=None,
        )
        if not await self._show(live, lambda: self.presenter.ask(live)) and self._again(
            live, tries, partial(self._ask_again, live.id, position)
        ):
            return
        now = self.clock.now()
        live.asked_at = now
        live.deadline = now + live.settings.seconds
        await self.contests.update(
            live.id, asked_at=now, deadline=live.deadline, message_id=live.message_id
        )
        if live.poll_id:
            self.polls[live.poll_id] = (live.id, position)
            await self.contests.add_poll(live.poll_id, live.id, position)
        self.scheduler.call_at(
            live.deadline, self._key(live, "phase"), partial(self._close, live.id, position)
        )
        self._tick_later(live, now)

    async def _ask_again(self, contest_id: int, position: int, tries: int) -> None:
        live = await self._running(contest_id)
        if live is None:
            return
        async with live.lock:
            if (
                live.status is ContestStatus.QUESTION
                and live.position == position
                and not live.asked_at
            ):
                await self._ask(live, position, self.clock.now(), tries)

    def _tick_later(self, live: Live, now: float) -> None:
        self.scheduler.call_at(now + TICK, self._key(live, "tick"), partial(self._tick, live.id))

    async def _tick(self, contest_id: int) -> None:
        """Refresh the lobby or the live answer count, if the group's budget allows.

        Other workers store answers and joins too: the worker running the contest reads
        them here, and closes the question early once every player has answered.
        """
        live = await self._running(contest_id)
        if live is None:
            return
        async with live.lock:
            now = self.clock.now()
            if self.shared and live.status is ContestStatus.LOBBY:
                live.members |= set(await self.contests.streaks(live.id))
            elif self.shared and live.status is ContestStatus.QUESTION and live.deadline:
                live.answered.update(await self.contests.answered(live.id, live.position))
                await self._close_early_if_all_answered(live, live.position, now)
            if not self.link.settled(now):
                pass  # Telegram out of reach: an optional refresh would only fail
            elif live.status is ContestStatus.LOBBY:
                players = len(live.members)
                if players != live.shown_players:
                    left = live.seconds_left(now)
                    if await self._show_optional(
                        live, lambda: self.presenter.lobby(live, players, left, False)
                    ):
                        live.shown_players = players
            elif live.status is ContestStatus.QUESTION and not live.settings.polls:
                count = len(live.answered)
                if count != live.shown_count and live.deadline:
                    left = live.seconds_left(now)
                    if await self._show_optional(
                        live, lambda: self.presenter.count(live, count, left)
                    ):
                        live.shown_count = count
            else:
                return
            if live.deadline is None or live.deadline - now > TICK:
                self._tick_later(live, now)

    async def _close(self, contest_id: int, position: int) -> None:
        live = await self._running(contest_id)
        if live is None:
            return
        async with live.lock:
            if live.status is not ContestStatus.QUESTION or live.position != position:
                return
            if live.deadline is None:
                return  # not shown yet: its own retry will show it
            now = self.clock.now()
            if not self.link.settled(now) and now < live.deadline + GRACE:
                # Telegram is out of reach, or just back: presses it held may still come.
                if live.grace_until is None:
                    live.grace_until = live.deadline + GRACE
                    await self.contests.update(live.id, grace_until=live.grace_until)
                self.scheduler.call_at(
                    now + 1.0, self._key(live, "phase"), partial(self._close, live.id, position)
                )
                return
            await self._reveal(live)

    async def _reveal(self, live: Live) -> None:
        """Close the current question: show the answer and the top five, then move on."""
        await live.idle.wait()  # answers being stored finish first
        self.scheduler.cancel(self._key(live, "tick"))
        live.status = ContestStatus.REVEAL
        live.grace_until = live.deadline = None  # the reveal's pause starts once it is shown
        # From this write on, no worker stores an answer to the question (each answer's
        # write checks the contest's row, locked meanwhile): the tally below holds them all.
        await self.contests.update(live.id, status=live.status, deadline=None, grace_until=None)
        await self.contests.reset_streaks(live.id, live.position)
        live.answered = await self.contests.answered(live.id, live.position)
        live.streaks = {u: s for u, s in live.streaks.items() if u in live.answered}
        live.reveal = await self._tally(live)
        await self._show_reveal(live, 0)

    async def _tally(self, live: Live) -> Reveal:
        """The closed question in figures, from what is stored."""
        question = live.question
        assert question is not None
        rows = await self.contests.answers(live.id, live.position)
        counts = [0] * question.option_count
        for row in rows:
            if not question.rules.typed:
                for letter in row["choice"]:
                    if question.is_option(letter):
                        counts[LETTERS.index(letter)] += 1
        right_ids = [r["user_id"] for r in rows if r["correct"]]
        players = await self.contests.players(live.id)
        names = {p.user_id: p.name for p in players}
        return Reveal(
            position=live.position,
            question=question,
            counts=tuple(counts),
            answered=len(rows),
            right=len(right_ids),
            right_names=tuple(names.get(u, str(u)) for u in right_ids[:5]),
            standings=tuple(rank(players)[:5]),
            all_answered=live.all_answered,
        )

    async def _show_reveal(self, live: Live, tries: int) -> None:
        reveal = live.reveal
        assert reveal is not None
        if not await self._show(live, lambda: self.presenter.reveal(live, reveal)) and self._again(
            live, tries, partial(self._reveal_again, live.id, reveal.position)
        ):
            return
        now = self.clock.now()
        live.deadline = now + live.settings.reveal_seconds
        await self.contests.update(live.id, deadline=live.deadline)
        if live.pause_requested:
            await self._pause_now(live, now)
            return
        self.scheduler.call_at(
            live.deadline, self._key(live, "phase"), partial(self._advance, live.id)
        )

    async def _reveal_again(self, contest_id: int, position: int, tries: int) -> None:
        """Show a reveal that could not be shown (or was not, before a restart)."""
        live = await self._running(contest_id)
        if live is None:
            return
        async with live.lock:
            if live.status is not ContestStatus.REVEAL or live.position != position:
                return
            if live.deadline is not None:
                return  # shown meanwhile
            if live.reveal is None or live.reveal.position != position:
                live.reveal = await self._tally(live)
            await self._show_reveal(live, tries)

    async def _advance(self, contest_id: int) -> None:
        live = await self._running(contest_id)
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
        started = live.status not in (ContestStatus.LOBBY, ContestStatus.SCHEDULED)
        live.status = status
        await self.contests.update(live.id, status=status, finished_at=now, deadline=None)
        players = rank(await self.contests.players(live.id))
        await self._let_go(live)
        self._forget(live)
        logger.info("contest %d %s with %d players", live.id, status.value, len(players))
        if not started or not any(p.answered for p in players):
            # Stopped before it began, or nobody answered: nothing to rank or chart.
            key = "contest_nobody" if started else "contest_cancelled"
            await self._show(live, lambda: self.presenter.notice(live, key))
            return
        chart = await self.results.chart_data(live.id)
        stopped = status is ContestStatus.STOPPED
        await self._show_podium(live, players, stopped, chart, 0)
        await self._award(players)

    async def _show_podium(
        self, live: Live, players: list[PlayerScore], stopped: bool, chart: ChartData, tries: int
    ) -> None:
        """The podium, tried again like any step (the contest is over already: its timers
        are gone, so this one has a key of its own)."""
        shown = await self._show(
            live, lambda: self.presenter.podium(live, players, stopped, chart)
        )
        if not shown:
            again = partial(self._show_podium, live, players, stopped, chart)
            self._again(live, tries, again, "podium")

    async def _award(self, players: list[PlayerScore]) -> None:
        """Achievements the contest's answers earned: checked once, at the end, per player."""
        for player in players:
            earned = await self.policy.achievements(player.user_id)
            if earned:
                try:
                    await self.presenter.award(player.user_id, earned, player.language)
                except Exception as exc:  # a private message that could not be sent
                    logger.info("achievements of user %d not told: %s", player.user_id, exc)

    # --- the watchdog ------------------------------------------------------------------

    def _watch_later(self) -> None:
        self.scheduler.call_at(self.clock.now() + WATCH, WATCHDOG, self._watch)

    async def _watch(self) -> None:
        """Drive on any contest whose deadline passed with nothing done about it."""
        now = self.clock.now()
        for live in list(self.live.values()):
            if live.id not in self.owned or live.lock.locked() or live.deadline is None:
                continue
            if live.status in WATCHED:
                late = now - max(live.deadline, live.grace_until or 0.0)
                if late > WATCH_SLACK:
                    logger.warning(
                        "contest %d: %s due %.0f s ago; driving it on", live.id, live.status, late
                    )
                    await self._catch_up(live)
        if any(live.status in WATCHED and live.id in self.owned for live in self.live.values()):
            self._watch_later()

    # --- organizer controls ------------------------------------------------------------

    async def _control(self, chat_id: int, what: str) -> tuple[Live | None, Refused | None]:
        """The group's contest for a control, if this worker runs it; else the control is
        left for the worker that does (or refused when it makes no sense as stored)."""
        live = await self.find(chat_id)
        if live is None:
            return None, Refused(Refusal.NO_CONTEST)
        if live.id in self.owned:
            return live, None
        if what == "pause" and live.status is ContestStatus.PAUSED:
            return None, Refused(Refusal.ALREADY_PAUSED)
        if what == "resume" and live.status is not ContestStatus.PAUSED:
            return None, Refused(Refusal.NOT_PAUSED)
        if what == "skip" and live.status is not ContestStatus.QUESTION:
            return None, Refused(Refusal.NOT_RUNNING)
        await self._leave_control(live, what)
        return None, None

    async def pause(self, chat_id: int) -> Refused | None:
        live, refused = await self._control(chat_id, "pause")
        if live is None:
            return refused
        async with live.lock:
            if live.status is ContestStatus.PAUSED or live.pause_requested:
                return Refused(Refusal.ALREADY_PAUSED)
            unshown = live.deadline is None and live.status in (
                ContestStatus.QUESTION,
                ContestStatus.REVEAL,
            )
            if (live.status is ContestStatus.QUESTION and live.settings.polls) or unshown:
                # A poll runs out its own clock, and a step still being shown (Telegram
                # out of reach) has no clock yet: the pause starts after the reveal.
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
        live, refused = await self._control(chat_id, "resume")
        if live is None:
            return refused
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
            self._watch_later()
        return None

    def _schedule_phase(self, live: Live) -> None:
        """The timer of the phase the contest is in (after a resume or a restart)."""
        assert live.deadline is not None
        if live.status is ContestStatus.LOBBY:
            action: Callable[[], Awaitable[None]] = partial(self._begin, live.id)
        elif live.status is ContestStatus.QUESTION:
            action = partial(self._close, live.id, live.position)
        elif live.status is ContestStatus.REVEAL:
            action = partial(self._advance, live.id)
        else:
            return
        self.scheduler.call_at(live.deadline, self._key(live, "phase"), action)
        if live.status in (ContestStatus.LOBBY, ContestStatus.QUESTION):
            self._tick_later(live, self.clock.now())

    async def skip(self, chat_id: int) -> Refused | None:
        """Close the current question now."""
        live, refused = await self._control(chat_id, "skip")
        if live is None:
            return refused
        async with live.lock:
            if live.status is not ContestStatus.QUESTION or live.deadline is None:
                return Refused(Refusal.NOT_RUNNING)
            self.scheduler.cancel(self._key(live, "phase"))
            await self._reveal(live)
        return None

    async def stop(self, chat_id: int) -> Refused | None:
        """End the contest now; the podium shows the standings so far."""
        live, refused = await self._control(chat_id, "stop")
        if live is None:
            return refused
        async with live.lock:
            await self._finish(live, ContestStatus.STOPPED, self.clock.now())
        return None

    async def _notice(
        self, live: Live, key: str, mandatory: bool = False, **values: object
    ) -> None:
        if mandatory:
            await self._show(live, lambda: self.presenter.notice(live, key, **values))
        else:
            await self._show_optional(live, lambda: self.presenter.notice(live, key, **values))

    # --- after a restart ------------------------------------------------------------

    async def recover(self, last_seen: float | None = None) -> list[Live]:
        """Rebuild every active contest from the database and set its timers again.

        ``last_seen``: when the bot was last up (its heartbeat), to tell a group how long
        it was away when a question closed meanwhile. With other workers on the database,
        only the contests whose lease this worker takes are resumed here; the others stay
        with their workers (and are taken over if their lease lapses: :meth:`_leases`).
        """
        recovered = []
        for row in await self.contests.active():
            live = self._track(Live.from_row(row))
            live.streaks = await self.contests.streaks(live.id)
            live.members = set(live.streaks)
            if not await self._take(live):
                continue
            recovered.append(live)
            logger.info("contest %d recovered in state %s", live.id, live.status.value)
            await self._resume(live, last_seen)
        if any(live.status in WATCHED for live in recovered):
            self._watch_later()
        if self.shared:
            self._renewal.start()
        return recovered

    async def _resume(self, live: Live, last_seen: float | None) -> None:
        """Set a contest's timers again from what is stored (after a restart, or when this
        worker takes over a contest whose worker stopped)."""
        if live.status is ContestStatus.QUESTION:
            live.answered = await self.contests.answered(live.id, live.position)
        now = self.clock.now()
        if live.status is ContestStatus.SCHEDULED:
            opens = (live.scheduled_at or now) - live.settings.lobby_seconds
            self.scheduler.call_at(
                opens, self._key(live, "phase"), partial(self._open_lobby, live.id)
            )
        elif live.status is ContestStatus.PAUSED:
            return
        elif live.status is ContestStatus.QUESTION and live.deadline is None:
            async with live.lock:  # a question that was never shown: show it now
                await self._ask(live, live.position, now)
        elif live.deadline is None or live.deadline <= now:
            if live.status is ContestStatus.QUESTION and live.deadline is not None:
                await self._notice(
                    live,
                    "contest_was_down",
                    seconds=self._downtime(live, last_seen, now),
                    number=live.position + 1,
                )
            await self._catch_up(live)
        else:
            self._schedule_phase(live)

    @staticmethod
    def _downtime(live: Live, last_seen: float | None, now: float) -> int:
        """Seconds the bot was away: since its last heartbeat if that fits what is stored
        (the question was shown while it was up), else at least since the deadline."""
        assert live.deadline is not None
        asked = live.asked_at or live.deadline - live.settings.seconds
        since = last_seen if last_seen is not None and asked <= last_seen <= now else live.deadline
        return max(1, round(now - since))

    async def _catch_up(self, live: Live) -> None:
        """A phase that ended while the bot was down ends now."""
        if live.status is ContestStatus.LOBBY:
            await self._begin(live.id)
        elif live.status is ContestStatus.QUESTION:
            await self._close(live.id, live.position)
        elif live.status is ContestStatus.REVEAL:
            if live.deadline is None:  # closed, but its reveal never shown
                await self._reveal_again(live.id, live.position, 0)
            else:
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
