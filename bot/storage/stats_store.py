"""Queries behind the organizers' figures: answers per question and option, FAQ outcomes."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.db import Database

__all__ = ["AnswerTotals", "StatsStore", "Unanswered"]

#: A LIMIT no table reaches: both databases take a 64-bit limit, and only SQLite reads a
#: negative one as "no limit".
NO_LIMIT = 2**62


@dataclass(frozen=True, slots=True)
class AnswerTotals:
    """Every recorded answer to one question, summed."""

    question_id: str
    attempts: int
    right: int
    #: Over the timed answers only (None when there are none): a daily question's answer
    #: has no time, the question having been sent hours before it was answered.
    average_ms: float | None


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
        """Per question: answers, right ones and the average time (daily answers untimed)."""
        rows = await self.db.fetchall(
            """SELECT a.question_id, COUNT(*) AS n, SUM(a.correct) AS right_,
                      AVG(CASE WHEN r.kind = 'daily' THEN NULL ELSE a.elapsed_ms END) AS ms
               FROM answers a LEFT JOIN rounds r ON r.id = a.round_id
               GROUP BY a.question_id"""
        )
        return [
            AnswerTotals(
                r["question_id"],
                int(r["n"]),
                int(r["right_"] or 0),
                None if r["ms"] is None else float(r["ms"]),
            )
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
            (limit if limit is not None else NO_LIMIT,),
        )
        return [Unanswered(row["example"], int(row["n"]), float(row["last"])) for row in rows]
