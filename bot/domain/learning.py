"""Learning rules: Leitner boxes for missed questions, the daily question, achievements.

**Review (Leitner boxes).** A question answered wrong anywhere (a quiz, a contest, the
daily question) goes to box 1, due at once. In a review, a right answer moves it up a box
and it comes back later — after 1, 2, 4, 8 or 16 days in boxes 1 to 5 — and a right answer
in box 5 retires it; a wrong answer sends it back to box 1, due again at once. So what was
missed comes back first, and what is known comes back less and less often.

**Daily question.** Every question of a language that is answered by one pick (single
choice or true/false) is put in a fixed order by a hash of its id. A day's question is
picked once, on its first use, and stored (the service keeps it, so a reload of the banks
never changes a day already served): the question not served for the longest time — one
never served first — and among equals the first in the fixed order counted from position
*n* modulo their number, where *n* is the day (days since 0001-01-01 in the bot's time
zone). Everyone gets the same question on a day, and none comes back until every other
question of the pool has been served since (hundreds of days), whatever the banks gain or
lose in between. With no history and unchanged banks, day *n* gets the question at
position *n*, as it always did.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.models import Question

__all__ = [
    "ACHIEVEMENTS",
    "BOX_DAYS",
    "RETIRED",
    "Subscription",
    "after_review",
    "daily_key",
    "daily_pool",
    "daily_streak",
    "day_of_key",
    "review_change",
    "day_of",
    "next_daily",
    "pick_daily",
]

#: Days until a question in box 1..5 comes back after a right answer moved it there.
BOX_DAYS = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16}
#: The box of a question learnt for good: never due again.
RETIRED = 6
DAY = 24 * 3600.0


def review_change(
    kind: str, correct: bool, box: int | None, now: float
) -> tuple[int, float] | None:
    """Where a question goes after an answer anywhere: ``(box, due)``, or None to stay.

    The one rule for every kind of answer (a quiz, a contest, the daily question, a
    review): a miss goes to box 1, due at once; in a review, the box moves as
    :func:`after_review` says; a right answer elsewhere leaves the boxes alone.
    """
    if kind == "review":
        return after_review(box or 1, correct, now)
    return None if correct else (1, now)


def after_review(box: int, correct: bool, now: float) -> tuple[int, float]:
    """The box and due time of a question after a review answer."""
    if not correct:
        return 1, now
    box = min(box + 1, RETIRED)
    if box == RETIRED:
        return RETIRED, float("inf")
    return box, now + BOX_DAYS[box] * DAY


def daily_key(day: date) -> str:
    """How a day's daily round is filed (the topic of its round)."""
    return f"daily:{day.isoformat()}"


def day_of_key(key: str) -> date:
    """The day a :func:`daily_key` names."""
    return date.fromisoformat(key.removeprefix("daily:"))


def daily_streak(days: set[date], today: date) -> int:
    """Days in a row, ending today or yesterday, with a daily question answered."""
    start = today if today in days else today - timedelta(days=1)
    streak = 0
    while start - timedelta(days=streak) in days:
        streak += 1
    return streak


def day_of(now: float, timezone: str) -> date:
    """The calendar day of ``now`` in ``timezone``."""
    return datetime.fromtimestamp(now, ZoneInfo(timezone)).date()


def _order_key(question: Question) -> str:
    return hashlib.sha1(f"daily:{question.id}".encode()).hexdigest()


def daily_pool(questions: Sequence[Question], language: str) -> list[Question]:
    """The questions that can be a daily question, in their fixed order."""
    pool = [q for q in questions if q.language == language and q.rules.one_pick]
    return sorted(pool, key=_order_key)


def pick_daily(
    pool: Sequence[Question], day: date, last_served: Mapping[str, date]
) -> Question | None:
    """The question to serve on ``day`` from a :func:`daily_pool` (None when it is empty).

    ``last_served`` holds the last day each question was served (any question absent was
    never served). The one served longest ago wins, a never-served one first; among equals,
    the first in the pool's order counted from position ``day % len(pool)``.
    """
    if not pool:
        return None
    start = day.toordinal() % len(pool)
    order = [*pool[start:], *pool[:start]]
    return min(order, key=lambda q: last_served.get(q.id, date.min))


def next_daily(after: float, hour: int, minute: int, timezone: str) -> float:
    """The first time at HH:MM in ``timezone`` strictly after ``after``."""
    zone = ZoneInfo(timezone)
    local = datetime.fromtimestamp(after, zone)
    candidate = datetime.combine(local.date(), time(hour, minute), zone)
    if candidate.timestamp() <= after:
        candidate = datetime.combine(local.date() + timedelta(days=1), time(hour, minute), zone)
    return candidate.timestamp()


@dataclass(frozen=True, slots=True)
class Subscription:
    """A chat that gets the question of the day at HH:MM in a time zone, in a language."""

    chat_id: int
    user_id: int
    hour: int
    minute: int
    timezone: str
    language: str


#: Milestones worth a word, by code; their titles and meanings live in bot/texts.
ACHIEVEMENTS = frozenset({"first_right", "nine_rights", "streak_10", "reviewer", "daily_10"})
#: Different questions tagged 九项权利 answered right for "nine_rights".
NINE_RIGHTS_TAG = "九项权利"
NINE_RIGHTS_NEEDED = 9
