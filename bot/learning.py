"""Learning over the engine: review rounds, the daily question, progress, subscriptions.

The rules are in :mod:`bot.domain.learning`; this service applies them to a user's history
in the database. No Telegram here: the front ends show what it returns.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from bot.domain import languages
from bot.domain.learning import RETIRED, Subscription, daily_key, day_of, pick_daily
from bot.domain.models import Question, User
from bot.domain.quiz import Response, valid_response
from bot.domain.refusals import Refusal, Refused
from bot.domain.timezones import canonical_zone
from bot.engine import AnswerResult, Engine, QuestionView
from bot.ports import Repeating, Scheduler
from bot.storage.db import DatabaseError, StorageFull
from bot.storage.learning_store import LearningStore

__all__ = ["Daily", "DailyPoster", "Learning", "NothingDue", "TopicProgress"]

logger = logging.getLogger(__name__)

#: Seconds between two looks at the stored subscriptions when other workers share the
#: database (a chat may subscribe through any of them).
RESYNC = 60.0
RESYNC_KEY = "subscriptions:resync"
#: Claims the posting of a chat's question of a day: True for the first worker only.
Claim = Callable[[int, str], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class NothingDue:
    """No question is due for review; the next one is at ``next_at`` (None: none missed)."""

    next_at: float | None


@dataclass(frozen=True, slots=True)
class Daily:
    """Today's question for a language, and the user's answer to it if they gave one."""

    day: date
    language: str
    question: Question
    answered: bool


class DailyPoster(Protocol):
    """How a front end posts a day's question to a chat (a subscription's delivery)."""

    async def post_daily(self, chat_id: int, day: date, question: Question, language: str) -> bool:
        """Post it; False when the chat is gone (the user blocked the bot, a group left)."""
        ...


@dataclass(frozen=True, slots=True)
class TopicProgress:
    """One topic (a bank) for one user."""

    bank_id: str
    title: str
    questions: int
    seen: int
    answered: int
    right: int
    boxes: tuple[int, ...]  # questions in review boxes 1..5
    learnt: int  # questions retired from review

    @property
    def share_right(self) -> float:
        return self.right / self.answered if self.answered else 0.0


class Learning:
    """Reviews, daily questions and progress for the users of one engine."""

    def __init__(self, engine: Engine, store: LearningStore) -> None:
        self.engine = engine
        self.store = store
        self._scheduler: Scheduler | None = None
        self._poster: DailyPoster | None = None
        self._claim: Claim | None = None
        #: With other workers: subscriptions read again every RESYNC seconds.
        self._resync: Repeating | None = None
        #: The deliveries this worker has scheduled, by chat (a resync leaves these alone).
        self._scheduled: dict[int, Subscription] = {}
        #: The questions of the latest day served, by (day, language): they never change.
        self._days: dict[tuple[date, str], Question] = {}

    def connect(
        self,
        scheduler: Scheduler,
        poster: DailyPoster,
        claim: Claim | None = None,
        shared: bool = False,
    ) -> None:
        """Deliver subscriptions through a front end's scheduler and poster.

        ``claim``: every delivery is claimed first, so that of several workers (``shared``:
        they share the database, each scheduling every subscription) one posts it.
        """
        self._scheduler = scheduler
        self._poster = poster
        self._claim = claim
        if shared:
            self._resync = Repeating(
                scheduler, self.engine.clock, RESYNC, RESYNC_KEY, self._read_again
            )

    # --- review -------------------------------------------------------------------------

    async def start_review(self, user: User, chat_id: int) -> QuestionView | NothingDue:
        """A round of the user's missed questions that are due, lowest box first."""
        engine = self.engine
        now = engine.clock.now()
        due = [
            qid
            for qid in await self.store.due(user.id, now, engine.quiz_length * 3)
            if qid in engine.catalogue.questions
        ][: engine.quiz_length]
        if not due:
            return NothingDue(await self.store.next_due(user.id))
        round_id = await engine.store.create_round(
            user.id, chat_id, "review", due, now, kind="review"
        )
        logger.info("review round %d for user %d: %d questions", round_id, user.id, len(due))
        return QuestionView(
            round_id, 0, len(due), engine.catalogue.questions[due[0]], kind="review"
        )

    # --- the daily question ------------------------------------------------------------

    async def today(self, language: str) -> tuple[date, Question] | None:
        """Today's question in ``language`` (in the default language when it has none)."""
        engine = self.engine
        day = day_of(engine.clock.now(), str(engine.tz))
        question = await self.question_of(day, language)
        return (day, question) if question else None

    async def question_of(self, day: date, language: str) -> Question | None:
        """The question of ``day`` in ``language``: the one stored for that day, or else one
        picked now (see :func:`bot.domain.learning.pick_daily`) and stored, so that it never
        changes, whatever reloads follow. In the default language when ``language`` has
        none; None when no bank has a question fit for it."""
        cached = self._days.get((day, language))
        if cached is not None:
            return cached
        question = await self.store.daily_question(day, language)
        if question is None:
            pool = self.engine.catalogue.daily_pool(language)
            if not pool:
                if language == languages.DEFAULT:
                    return None
                return await self.question_of(day, languages.DEFAULT)
            picked = pick_daily(pool, day, await self.store.daily_served(language))
            assert picked is not None  # the pool is not empty
            await self.store.serve_daily(day, language, picked, self.engine.clock.now())
            # Another request may have stored the day's question first: theirs stands.
            question = await self.store.daily_question(day, language) or picked
            logger.info("daily question of %s (%s): %s", day, language, question.id)
        # Only the latest day is asked for again and again: keep that one.
        self._days = {k: v for k, v in self._days.items() if k[0] >= day}
        self._days[(day, language)] = question
        return question

    async def daily(self, user: User, language: str | None = None) -> Daily | None:
        """Today's question, and whether the user already answered it."""
        found = await self.today(language or user.language)
        if found is None:
            return None
        day, question = found
        existing = await self.store.daily_round(user.id, daily_key(day))
        return Daily(day, question.language, question, bool(existing and existing[1]))

    async def answer_daily(
        self,
        user: User,
        chat_id: int,
        ordinal: int,
        language: str,
        question_id: str,
        response: Response,
    ) -> AnswerResult | Refused:
        """Answer the question ``question_id`` of day ``ordinal``: today's only, once a day.

        The answer is graded on the question as it was served that day, even if the banks
        changed since.
        """
        found = await self.today(language)
        if found is None:
            return Refused(Refusal.GONE)
        day, question = found
        if day.toordinal() != ordinal:
            return Refused(Refusal.DAILY_OVER)
        if question.id != question_id:
            return Refused(Refusal.GONE)  # not the question of the day (a forged press)
        if not valid_response(question, response):
            return Refused(Refusal.INVALID)
        key = daily_key(day)
        existing = await self.store.daily_round(user.id, key)
        if existing and existing[1]:
            return Refused(Refusal.DAILY_DONE)
        engine = self.engine
        if existing:
            round_id = existing[0]
        else:
            try:
                round_id = await engine.store.create_round(
                    user.id, chat_id, key, [question.id], engine.clock.now(), kind="daily"
                )
            except StorageFull as exc:
                logger.warning("the daily answer of user %d not stored: %s", user.id, exc)
                return Refused(Refusal.NOT_STORED)
        return await engine.answer(user.id, round_id, 0, response, asked=question)

    # --- progress -----------------------------------------------------------------------

    async def progress(self, user: User) -> list[TopicProgress]:
        """Per topic: questions seen, share right, and where the missed ones stand."""
        catalogue = self.engine.catalogue
        totals = await self.store.answer_totals(user.id)
        boxes = await self.store.boxes(user.id)
        topics = []
        for bank in catalogue.banks:
            if not bank.questions:
                continue
            ids = [q.id for q in bank.questions]
            seen = [qid for qid in ids if qid in totals]
            counts = [0] * 5
            learnt = 0
            for qid in ids:
                box = boxes.get(qid)
                if box is None:
                    continue
                if box >= RETIRED:
                    learnt += 1
                else:
                    counts[box - 1] += 1
            topics.append(
                TopicProgress(
                    bank_id=bank.id,
                    title=bank.title,
                    questions=len(ids),
                    seen=len(seen),
                    answered=sum(totals[q][0] for q in seen),
                    right=sum(totals[q][1] for q in seen),
                    boxes=tuple(counts),
                    learnt=learnt,
                )
            )
        return topics

    async def progress_report(self, user: User) -> tuple[list[TopicProgress], list[str]]:
        """The topics the user has played, and the achievements they have earned."""
        topics = [topic for topic in await self.progress(user) if topic.seen]
        return topics, sorted(await self.store.earned(user.id))

    # --- subscriptions ------------------------------------------------------------------

    async def subscribe(self, subscription: Subscription) -> None:
        """Deliver the daily question to a chat every day at its time (replacing any)."""
        await self.store.subscribe(subscription, self.engine.clock.now())
        self._schedule(subscription)

    async def unsubscribe(self, chat_id: int) -> bool:
        """Stop a chat's deliveries; False if it had none."""
        if self._scheduler is not None:
            self._scheduler.cancel(_delivery_key(chat_id))
        self._scheduled.pop(chat_id, None)
        return await self.store.unsubscribe(chat_id)

    async def restore_subscriptions(self) -> int:
        """At start-up: schedule every stored subscription again (they live in the database);
        with other workers, read them again every RESYNC seconds.

        A stored time zone this host does not know (its tz database changed, or the database
        moved) is reported once and replaced by the default zone; it never stops the bot.
        """
        count = await self._restore()
        if self._resync is not None:
            self._resync.start()
        return count

    async def _restore(self) -> int:
        subscriptions = await self.store.subscriptions()
        default = self.engine.tz.key
        for subscription in subscriptions:
            zone = canonical_zone(subscription.timezone)
            if zone is None:
                logger.warning(
                    "chat %d: its daily question's time zone %r is unknown here; "
                    "delivering at %02d:%02d %s instead",
                    subscription.chat_id,
                    subscription.timezone[:64],
                    subscription.hour,
                    subscription.minute,
                    default,
                )
            self._schedule(replace(subscription, timezone=zone or default))
        if self._scheduler is not None:
            # Chats unsubscribed through another worker.
            for chat_id in self._scheduled.keys() - {s.chat_id for s in subscriptions}:
                self._scheduler.cancel(_delivery_key(chat_id))
                del self._scheduled[chat_id]
        return len(subscriptions)

    async def _read_again(self) -> None:
        """Other workers share the database: take up subscriptions made through them."""
        try:
            await self._restore()
        except DatabaseError as exc:  # the database away for a while: try at the next round
            logger.warning("subscriptions not read again: %s", exc)

    def _schedule(self, subscription: Subscription) -> None:
        if self._scheduler is None:
            return  # a front end without deliveries (the console)
        if self._scheduled.get(subscription.chat_id) == subscription:
            return  # scheduled already, as it is (every resync reads them all)

        async def deliver() -> None:
            await self.deliver(subscription)

        self._scheduler.call_daily(
            subscription.hour,
            subscription.minute,
            subscription.timezone,
            _delivery_key(subscription.chat_id),
            deliver,
        )
        self._scheduled[subscription.chat_id] = subscription

    async def deliver(self, subscription: Subscription) -> None:
        """Post today's question to a subscribed chat; a chat that is gone is unsubscribed."""
        if self._poster is None:
            return
        found = await self.today(subscription.language)
        if found is None:
            return
        day, question = found
        if self._claim is not None and not await self._claim(
            subscription.chat_id, day.isoformat()
        ):
            logger.info(
                "chat %d: today's question was posted by another worker", subscription.chat_id
            )
            return
        if not await self._poster.post_daily(
            subscription.chat_id, day, question, subscription.language
        ):
            await self.unsubscribe(subscription.chat_id)
            logger.info("chat %d unsubscribed: the bot may not post there", subscription.chat_id)


def _delivery_key(chat_id: int) -> str:
    """The scheduler key of a chat's daily delivery."""
    return f"daily:{chat_id}"
