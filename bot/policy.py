"""What follows every answer, wherever it was given: review boxes and achievements.

Solo rounds, reviews, the daily question and contests all end an answer here. The review
rule itself is :func:`bot.domain.learning.review_change`; contests apply it inside the
transaction that stores the answer (their hot path) and check achievements when the contest
ends, for every player at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.catalogue import Catalogue
from bot.domain.learning import (
    ACHIEVEMENTS,
    NINE_RIGHTS_NEEDED,
    NINE_RIGHTS_TAG,
    daily_streak,
    day_of_key,
    review_change,
)
from bot.ports import Clock
from bot.storage.learning_store import LearningStore
from bot.storage.store import Store

__all__ = ["AnswerPolicy", "DAILY_STREAK"]

logger = logging.getLogger(__name__)

#: Days in a row of daily questions for the "daily_10" achievement.
DAILY_STREAK = 10
#: Right answers in a row for "streak_10".
STREAK = 10
#: The review box a question must reach for "reviewer".
REVIEWED_BOX = 3


class AnswerPolicy:
    """Review boxes and achievements after answers."""

    def __init__(
        self,
        store: Store,
        learning: LearningStore,
        catalogue: Callable[[], Catalogue],
        clock: Clock,
        timezone: str,
    ) -> None:
        self.store = store
        self.learning = learning
        self.catalogue = catalogue
        self.clock = clock
        self.tz = ZoneInfo(timezone)

    async def after(
        self, user_id: int, question_id: str, correct: bool, kind: str, now: float
    ) -> tuple[str, ...]:
        """Apply the review rule to one answer, then return the achievements it earned."""
        box = await self.learning.box(user_id, question_id) if kind == "review" else None
        change = review_change(kind, correct, box, now)
        if change is not None:
            await self.learning.set_box(user_id, question_id, *change)
        return await self.achievements(user_id)

    async def achievements(self, user_id: int) -> tuple[str, ...]:
        """Achievements newly reached, recorded so that each is shown once."""
        earned = await self.learning.earned(user_id)
        if earned >= ACHIEVEMENTS:
            return ()
        reached = []
        if not {"first_right", "streak_10"} <= earned:
            stats = await self.store.score(user_id)
            if "first_right" not in earned and stats.correct >= 1:
                reached.append("first_right")
            if "streak_10" not in earned and stats.best_streak >= STREAK:
                reached.append("streak_10")
        if "nine_rights" not in earned:
            tagged = {q.id for q in self.catalogue().tagged(NINE_RIGHTS_TAG)}
            totals = await self.learning.answer_totals(user_id)
            right = sum(1 for qid, (_n, r) in totals.items() if qid in tagged and r)
            if right >= NINE_RIGHTS_NEEDED:
                reached.append("nine_rights")
        if "reviewer" not in earned:
            boxes = await self.learning.boxes(user_id)
            if any(box >= REVIEWED_BOX for box in boxes.values()):
                reached.append("reviewer")
        if "daily_10" not in earned:
            days = {day_of_key(key) for key in await self.learning.daily_days(user_id)}
            today = datetime.fromtimestamp(self.clock.now(), self.tz).date()
            if daily_streak(days, today) >= DAILY_STREAK:
                reached.append("daily_10")
        now = self.clock.now()
        return tuple([code for code in reached if await self.learning.earn(user_id, code, now)])
