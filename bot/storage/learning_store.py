"""Queries of learning: review boxes, subscriptions, achievements, progress figures."""

from __future__ import annotations

import json
import logging
from datetime import date

from bot.domain.args import clock
from bot.domain.learning import RETIRED, Subscription
from bot.domain.models import Question
from bot.storage.db import Database

__all__ = ["LearningStore", "Subscription", "box_statement"]

logger = logging.getLogger(__name__)


#: Stored for "never due again" (a retired question), where the rule says infinity.
NEVER = 1e18


def box_statement(
    user_id: int, question_id: str, box: int, due_at: float
) -> tuple[str, tuple[object, ...]]:
    """The statement that puts a question in a review box, due at ``due_at``."""
    return (
        """INSERT INTO reviews (user_id, question_id, box, due_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (user_id, question_id) DO UPDATE SET box = excluded.box,
               due_at = excluded.due_at""",
        (user_id, question_id, box, min(due_at, NEVER)),
    )


class LearningStore:
    """The learning tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def set_box(self, user_id: int, question_id: str, box: int, due_at: float) -> None:
        """Put a question in a review box (see :func:`box_statement`)."""
        await self.db.execute(*box_statement(user_id, question_id, box, due_at))

    async def box(self, user_id: int, question_id: str) -> int | None:
        row = await self.db.fetchone(
            "SELECT box FROM reviews WHERE user_id = ? AND question_id = ?", (user_id, question_id)
        )
        return row["box"] if row else None

    async def due(self, user_id: int, now: float, limit: int) -> list[str]:
        """Questions due for review: lowest box first, then the longest overdue."""
        rows = await self.db.fetchall(
            """SELECT question_id FROM reviews WHERE user_id = ? AND due_at <= ? AND box < ?
               ORDER BY box, due_at LIMIT ?""",
            (user_id, now, RETIRED, limit),
        )
        return [r["question_id"] for r in rows]

    async def next_due(self, user_id: int) -> float | None:
        row = await self.db.fetchone(
            "SELECT MIN(due_at) AS t FROM reviews WHERE user_id = ? AND box < ?",
            (user_id, RETIRED),
        )
        return float(row["t"]) if row and row["t"] is not None else None

    async def boxes(self, user_id: int) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT question_id, box FROM reviews WHERE user_id = ?", (user_id,)
        )
        return {r["question_id"]: r["box"] for r in rows}

    async def answer_totals(self, user_id: int) -> dict[str, tuple[int, int]]:
        """Per question: (times answered, times right)."""
        rows = await self.db.fetchall(
            """SELECT question_id, COUNT(*) AS n, SUM(correct) AS right_ FROM answers
               WHERE user_id = ? GROUP BY question_id""",
            (user_id,),
        )
        return {r["question_id"]: (int(r["n"]), int(r["right_"] or 0)) for r in rows}

    async def daily_round(self, user_id: int, day_key: str) -> tuple[int, bool] | None:
        """The user's round of a day's question: (round id, finished), if they began it."""
        row = await self.db.fetchone(
            """SELECT id, finished_at FROM rounds WHERE user_id = ? AND kind = 'daily'
               AND topic = ? ORDER BY id LIMIT 1""",
            (user_id, day_key),
        )
        return (row["id"], row["finished_at"] is not None) if row else None

    async def daily_question(self, day: date, language: str) -> Question | None:
        """The question served on ``day`` in ``language``, as it was served."""
        from bot.storage.contest_store import question_from_json  # it imports this module

        row = await self.db.fetchone(
            "SELECT question FROM daily_questions WHERE day = ? AND language = ?",
            (day.isoformat(), language),
        )
        return question_from_json(json.loads(row["question"])) if row else None

    async def serve_daily(self, day: date, language: str, question: Question, now: float) -> None:
        """Store ``question`` as the question of ``day`` in ``language``, unless one already is
        (then the first one stays: a day's question never changes)."""
        from bot.storage.contest_store import question_to_json

        await self.db.execute(
            """INSERT INTO daily_questions (day, language, question_id, question, served_at)
               VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
            (
                day.isoformat(),
                language,
                question.id,
                json.dumps(question_to_json(question), ensure_ascii=False),
                now,
            ),
        )

    async def daily_served(self, language: str) -> dict[str, date]:
        """The last day each question was served as the daily question in ``language``."""
        rows = await self.db.fetchall(
            """SELECT question_id, MAX(day) AS day FROM daily_questions WHERE language = ?
               GROUP BY question_id""",
            (language,),
        )
        return {r["question_id"]: date.fromisoformat(r["day"]) for r in rows}

    async def daily_days(self, user_id: int) -> list[str]:
        """The day keys of every daily question the user answered, newest first."""
        rows = await self.db.fetchall(
            """SELECT DISTINCT topic FROM rounds WHERE user_id = ? AND kind = 'daily'
               AND finished_at IS NOT NULL ORDER BY topic DESC""",
            (user_id,),
        )
        return [r["topic"] for r in rows]

    async def earn(self, user_id: int, code: str, now: float) -> bool:
        """Record an achievement; False if it was earned before (each is shown once)."""
        earned = await self.db.execute(
            """INSERT INTO achievements (user_id, code, earned_at) VALUES (?, ?, ?)
               ON CONFLICT DO NOTHING""",
            (user_id, code, now),
        )
        return earned == 1

    async def earned(self, user_id: int) -> set[str]:
        rows = await self.db.fetchall(
            "SELECT code FROM achievements WHERE user_id = ?", (user_id,)
        )
        return {r["code"] for r in rows}

    async def subscribe(self, subscription: Subscription, now: float) -> None:
        s = subscription
        await self.db.execute(
            """INSERT INTO subscriptions (chat_id, user_id, at, timezone, language, created_at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (chat_id) DO UPDATE SET user_id = excluded.user_id,
                   at = excluded.at, timezone = excluded.timezone,
                   language = excluded.language""",
            (s.chat_id, s.user_id, f"{s.hour:02d}:{s.minute:02d}", s.timezone, s.language, now),
        )

    async def unsubscribe(self, chat_id: int) -> bool:
        return (
            await self.db.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,)) == 1
        )

    async def subscriptions(self) -> list[Subscription]:
        """Every subscription; a row whose time cannot be read is reported and left out."""
        rows = await self.db.fetchall("SELECT * FROM subscriptions ORDER BY chat_id")
        found = []
        for r in rows:
            at = clock(str(r["at"]))
            if at is None:
                logger.warning("chat %d: its daily time %r cannot be read", r["chat_id"], r["at"])
                continue
            found.append(
                Subscription(
                    r["chat_id"], r["user_id"], at[0], at[1], str(r["timezone"]), r["language"]
                )
            )
        return found
