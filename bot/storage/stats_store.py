"""Queries behind the organizers' figures: answers per question and option, FAQ outcomes."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.db import Database

__all__ = ["AnswerTotals", "StatsStore", "Unanswered"]


@dataclass(frozen=True, slots=True)
class AnswerTotals:
    """Every recorded answer to one question, summed."""

    question_id: str
    attempts: int
    right: int
    average_ms: float


@dataclass(frozen=True, slots=True)
class Unanswered:
    """Alike unanswered FAQ queries: an example, how often, when last."""

    text: str
    count: int
    last: float


class StatsStore:
    """Read-only figures over the answers and FAQ queries."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def answer_totals(self) -> list[AnswerTotals]:
        """Per question: answers, right ones and the average time."""
        rows = await self.db.fetchall(
            """SELECT question_id, COUNT(*) AS n, SUM(correct) AS right_, AVG(elapsed_ms) AS ms
               FROM answers GROUP BY question_id"""
        )
        return [
            AnswerTotals(r["question_id"], int(r["n"]), int(r["right_"] or 0), r["ms"] or 0.0)
            for r in rows
        ]

    async def choices(self) -> list[tuple[str, str, int]]:
        """(question id, choice as letters, how many times) for every choice made."""
        rows = await self.db.fetchall(
            "SELECT question_id, choice, COUNT(*) AS n FROM answers GROUP BY question_id, choice"
        )
        return [(r["question_id"], r["choice"], int(r["n"])) for r in rows]

    async def faq_outcomes(self) -> dict[str, int]:
        """How many FAQ queries ended each way (answered, suggested, unanswered)."""
        rows = await self.db.fetchall(
            "SELECT outcome, COUNT(*) AS n FROM faq_queries GROUP BY outcome"
        )
        return {row["outcome"]: int(row["n"]) for row in rows}

    async def faq_hits(self, limit: int) -> list[tuple[str, int]]:
        """The entries answered most often, with how often."""
        rows = await self.db.fetchall(
            """SELECT faq_id, COUNT(*) AS n FROM faq_queries WHERE outcome = 'answered'
               GROUP BY faq_id ORDER BY n DESC, faq_id LIMIT ?""",
            (limit,),
        )
        return [(row["faq_id"], int(row["n"])) for row in rows]

    async def unanswered(self, limit: int | None = None) -> list[Unanswered]:
        """Unanswered queries, alike ones together, most asked first."""
        rows = await self.db.fetchall(
            """SELECT normalised, COUNT(*) AS n, MAX(asked_at) AS last,
                      (SELECT text FROM faq_queries q2 WHERE q2.normalised = q.normalised
                       AND q2.outcome = 'unanswered' ORDER BY asked_at DESC LIMIT 1) AS example
               FROM faq_queries q WHERE outcome = 'unanswered' AND normalised != ''
               GROUP BY normalised ORDER BY n DESC, last DESC LIMIT ?""",
            (limit if limit is not None else -1,),
        )
        return [Unanswered(row["example"], int(row["n"]), float(row["last"])) for row in rows]
