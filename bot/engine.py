"""The engine: the one service both front ends call.

It joins the domain (catalogue, grading, FAQ matching) to storage and a clock. It knows
nothing of Telegram or of terminals: it takes plain values and returns plain results,
which :mod:`bot.views` turns into text.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import languages
from bot.domain.catalogue import Catalogue, Topic
from bot.domain.models import FaqEntry, Question, User
from bot.domain.quiz import (
    Response,
    choice_letters,
    grade,
    solo_points,
    typed_letters,
    valid_response,
)
from bot.domain.refusals import Refusal, Refused
from bot.faq_desk import FaqDesk, FaqReply
from bot.policy import AnswerPolicy
from bot.ports import Clock, SystemClock
from bot.storage.db import StorageFull
from bot.storage.store import AnswerRecord, ScoreCard, Standing, Store

__all__ = [
    "AnswerResult",
    "Engine",
    "Leaderboard",
    "QuestionView",
    "RoundSummary",
    "ScoreCard",
    "Standing",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QuestionView:
    """A question as asked in a round: which round, which position, out of how many."""

    round_id: int
    position: int
    total: int
    question: Question
    #: The kind of round: "quiz", "review" (each of its questions says so) or "daily".
    kind: str = "quiz"


@dataclass(frozen=True, slots=True)
class RoundSummary:
    round_id: int
    total: int
    correct: int
    points: int


@dataclass(frozen=True, slots=True)
class AnswerResult:
    """A scored answer, and what comes next: another question or the round's summary."""

    question: Question
    response: Response
    correct: bool
    points: int
    next: QuestionView | None
    summary: RoundSummary | None
    #: Achievements this answer earned (codes; each is earned once).
    earned: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Leaderboard:
    all_time: list[Standing]
    this_week: list[Standing]


class Engine:
    """Solo quizzes, scores and FAQ answers over a catalogue and a store."""

    def __init__(
        self,
        store: Store,
        catalogue: Catalogue,
        policy: AnswerPolicy,
        faq: FaqDesk,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        quiz_length: int = 5,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self.store = store
        self.catalogue = catalogue
        self.policy = policy
        self.faq = faq
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self.quiz_length = quiz_length
        self.tz = ZoneInfo(timezone)
        #: Every user, as stored: loaded at start, so meeting a user needs no read.
        self._known: dict[int, User] = {}
        self._blocked: set[int] = set()

    # --- users ------------------------------------------------------------------------

    async def load_users(self) -> None:
        """Read every user once, at start."""
        users, blocked = await self.store.all_users()
        self._known = {u.id: u for u in users}
        self._blocked = blocked

    def meet(self, user: User) -> User:
        """The user as stored, at once, without writing anything.

        For the hot path of contest answers, whose own write records the player; a user met
        this way is saved (and cached) by the next :meth:`see_user`.
        """
        known = self._known.get(user.id)
        if known is not None and (known.name, known.username) == (user.name, user.username):
            return known
        return User(user.id, user.name, user.username, known.language if known else user.language)

    async def see_user(self, user: User) -> User:
        """Record a user on first contact (or a new name) and return them as stored.

        ``user.language`` is only a default: a language the user chose with /lang wins.
        """
        known = self._known.get(user.id)
        fresh = known is None or (known.name, known.username) != (user.name, user.username)
        if known is not None and not fresh and user.id not in self._blocked:
            return known
        language = known.language if known else user.language
        stored = User(user.id, user.name, user.username, language)
        await self.store.save_user(stored, self.clock.now())
        self._known[user.id] = stored
        self._blocked.discard(user.id)
        return stored

    async def choose_language(self, user: User, wanted: str) -> User | None:
        """Switch to the language ``wanted`` names (a registered code); None if it names none."""
        code = wanted.strip().lower()
        if not languages.is_code(code):
            return None
        return await self.set_language(user, code)

    async def set_language(self, user: User, language: str) -> User:
        """Switch a user's language."""
        await self.store.set_language(user.id, language)
        updated = User(user.id, user.name, user.username, language)
        self._known[user.id] = updated
        return updated

    async def mark_blocked(self, user_id: int) -> None:
        """The user blocked the bot: stop sending to them until they come back."""
        await self.store.set_blocked(user_id)
        self._blocked.add(user_id)

    def topics(self, language: str) -> list[Topic]:
        """Every topic, numbered as ``/quiz N`` reads them for ``language``: its own first,
        then the other languages' (each topic carries its language)."""
        return self.catalogue.listed_topics(language)

    # --- solo quiz ---------------------------------------------------------------------

    async def start_quiz(
        self, user: User, chat_id: int, topic: str | None = None
    ) -> QuestionView | None:
        """Start a round of questions, on a topic or on everything in the user's language.

        Returns:
            The first question, or None when no topic matches ``topic``.
        """
        catalogue = self.catalogue
        pool = None
        if topic:
            pool = catalogue.find_topic(topic, user.language)
            if not pool:
                return None
        questions = catalogue.pick(self.quiz_length, self.rng, user.language, pool)
        if not questions:
            return None
        ids = [q.id for q in questions]
        round_id = await self.store.create_round(user.id, chat_id, topic, ids, self.clock.now())
        logger.info("round %d started by user %d: %d questions", round_id, user.id, len(ids))
        return QuestionView(round_id, 0, len(ids), questions[0])

    async def current(self, user_id: int) -> QuestionView | None:
        """The question the user is being asked now, if they are in a round."""
        row = await self.store.open_round(user_id)
        while row is not None:
            question = self.catalogue.questions.get(row.question_ids[row.position])
            if question is not None:
                return QuestionView(
                    row.id, row.position, len(row.question_ids), question, row.kind
                )
            # Removed by a reload since the round began: move on.
            await self.store.skip_round_question(
                row.id, row.position, len(row.question_ids), self.clock.now()
            )
            row = await self.store.open_round(user_id)
        return None

    async def answer(
        self,
        user_id: int,
        round_id: int,
        position: int,
        response: Response,
        asked: Question | None = None,
    ) -> AnswerResult | Refused:
        """Score an answer to question ``position`` of a round.

        A press on another user's round, on a question already answered or not yet asked,
        or on a finished round scores nothing and says why. ``asked`` is the question as it
        was asked when that is kept apart from the banks (the daily question): it is graded
        instead of the banks' current version.
        """
        row = await self.store.get_round(round_id)
        if row is None:
            return Refused(Refusal.GONE)
        if row.user_id != user_id:
            return Refused(Refusal.NOT_YOURS)
        if row.finished:
            return Refused(Refusal.ROUND_OVER)
        if position != row.position:
            return Refused(Refusal.ANSWERED)
        question = asked or self.catalogue.questions.get(row.question_ids[position])
        if question is None or question.id != row.question_ids[position]:
            await self.store.skip_round_question(
                row.id, position, len(row.question_ids), self.clock.now()
            )
            return Refused(Refusal.GONE)
        if not valid_response(question, response):
            return Refused(Refusal.INVALID)  # options the question has not: a forged press
        now = self.clock.now()
        correct = grade(question, response)
        points = solo_points(question, correct)
        record = AnswerRecord(
            user_id=user_id,
            chat_id=row.chat_id,
            question_id=question.id,
            round_id=round_id,
            position=position,
            choice=response if isinstance(response, str) else choice_letters(response),
            correct=correct,
            points=points,
            elapsed_ms=max(0, int((now - row.asked_at) * 1000)),
            answered_at=now,
        )
        try:
            stored = await self.store.record_round_answer(record, len(row.question_ids))
        except StorageFull as exc:  # nothing written: the player is told, and may try again
            logger.warning("an answer of user %d not stored: %s", user_id, exc)
            return Refused(Refusal.NOT_STORED)
        if not stored:
            return Refused(Refusal.ANSWERED)
        try:
            earned = await self.policy.after(user_id, question.id, correct, row.kind, now)
        except StorageFull as exc:  # the answer is stored; its review box and badges wait
            logger.warning("review and achievements of user %d not stored: %s", user_id, exc)
            earned = ()
        following = await self.current(user_id)
        summary = None
        if following is None or following.round_id != round_id:
            following = None
            answered, right, total_points = await self.store.round_totals(round_id)
            summary = RoundSummary(round_id, answered, right, total_points)
        return AnswerResult(question, response, correct, points, following, summary, earned)

    async def stop_quiz(self, user_id: int) -> RoundSummary | None:
        """End the user's open round early."""
        row = await self.store.open_round(user_id)
        if row is None:
            return None
        await self.store.finish_round(row.id, self.clock.now())
        answered, right, points = await self.store.round_totals(row.id)
        return RoundSummary(row.id, answered, right, points)

    # --- scores ------------------------------------------------------------------------

    async def score(self, user_id: int) -> ScoreCard:
        return await self.store.score(user_id)

    def week_start(self) -> float:
        """Monday 00:00 of this week, in the bot's time zone."""
        now = datetime.fromtimestamp(self.clock.now(), self.tz)
        monday = (now - timedelta(days=now.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        return monday.timestamp()

    async def leaderboard(self, chat_id: int | None = None, limit: int = 10) -> Leaderboard:
        """Top players: all time and this week; in a group, that group's players only."""
        if chat_id is None:
            all_time = await self.store.leaderboard(limit)
        else:
            all_time = await self.store.leaderboard(limit, since=0.0, chat_id=chat_id)
        week = await self.store.leaderboard(limit, since=self.week_start(), chat_id=chat_id)
        return Leaderboard(all_time, week)

    # --- text --------------------------------------------------------------------------

    async def reply_to_text(
        self, user: User, chat_id: int | None, text: str
    ) -> AnswerResult | Refused | FaqReply:
        """What a plain text from a user is: the answer to the typed question they are being
        asked, or option letters typed instead of tapped ("B", "AC"), or else a question for
        the FAQ. The one rule for every front end."""
        view = await self.current(user.id)
        if view is not None:
            if view.question.rules.typed:
                return await self.answer(user.id, view.round_id, view.position, text)
            picked = typed_letters(text, view.question)
            if picked is not None:
                return await self.answer(user.id, view.round_id, view.position, picked)
        return await self.faq.ask(user, chat_id, text)

    # --- FAQ ---------------------------------------------------------------------------

    def faq_entry(self, faq_id: str) -> FaqEntry | None:
        return self.catalogue.faq.get(faq_id)
