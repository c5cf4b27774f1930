"""How questions perform and what people ask: figures for organizers.

Flags (on questions with at least ``MIN_ATTEMPTS`` answers): *too easy* when over 95%
answer right, *too hard* under 20%, and *misleading* when a wrong option is picked more
often than the right one (for multiple choice: more often than the least-picked right one).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC

from bot.domain.catalogue import Catalogue
from bot.domain.models import LETTERS, QuestionType
from bot.storage.db import Database

__all__ = [
    "BankStats",
    "FaqStats",
    "QuestionStats",
    "faq_stats",
    "question_stats",
    "stats_csv",
    "unanswered",
    "unanswered_csv",
]

MIN_ATTEMPTS = 5
TOO_EASY = 0.95
TOO_HARD = 0.20


@dataclass(frozen=True, slots=True)
class QuestionStats:
    question_id: str
    bank_id: str
    text: str
    attempts: int
    right: int
    average_seconds: float
    picks: tuple[int, ...]  # how often each option was picked (choice questions)
    right_options: frozenset[int]
    flags: tuple[str, ...]

    @property
    def share_right(self) -> float:
        return self.right / self.attempts if self.attempts else 0.0


@dataclass(slots=True)
class BankStats:
    bank_id: str
    title: str
    questions: list[QuestionStats] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return sum(q.attempts for q in self.questions)

    @property
    def share_right(self) -> float:
        total = self.attempts
        return sum(q.right for q in self.questions) / total if total else 0.0


@dataclass(frozen=True, slots=True)
class FaqStats:
    answered: int
    suggested: int
    unanswered: int
    top_unanswered: list[tuple[str, int]]
    hits: list[tuple[str, int]]


def _flags(
    attempts: int, share: float, picks: list[int], right: frozenset[int], kind: QuestionType
) -> tuple[str, ...]:
    if attempts < MIN_ATTEMPTS:
        return ()
    flags = []
    if share > TOO_EASY:
        flags.append("too_easy")
    if share < TOO_HARD:
        flags.append("too_hard")
    if kind is not QuestionType.OPEN and right and picks:
        least_right = min(picks[i] for i in right)
        if any(count > least_right for i, count in enumerate(picks) if i not in right):
            flags.append("misleading")
    return tuple(flags)


async def question_stats(db: Database, catalogue: Catalogue) -> list[BankStats]:
    """Per bank, per question: attempts, share right, average time, picks, flags."""
    totals = await db.fetchall(
        """SELECT question_id, COUNT(*) AS n, SUM(correct) AS right_, AVG(elapsed_ms) AS ms
           FROM answers GROUP BY question_id"""
    )
    choices = await db.fetchall(
        "SELECT question_id, choice, COUNT(*) AS n FROM answers GROUP BY question_id, choice"
    )
    picks: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in choices:
        question = catalogue.questions.get(row["question_id"])
        if question is None or question.type is QuestionType.OPEN:
            continue
        for letter in row["choice"]:
            index = LETTERS.find(letter)
            if 0 <= index < question.option_count:
                picks[row["question_id"]][index] += row["n"]
    banks: dict[str, BankStats] = {
        b.id: BankStats(b.id, b.title) for b in catalogue.banks if b.questions
    }
    for row in totals:
        question = catalogue.questions.get(row["question_id"])
        if question is None:
            continue  # a question since removed from the banks
        attempts, right = int(row["n"]), int(row["right_"] or 0)
        counts = (
            [picks[question.id].get(i, 0) for i in range(question.option_count)]
            if question.type is not QuestionType.OPEN
            else []
        )
        share = right / attempts if attempts else 0.0
        banks[question.bank_id].questions.append(
            QuestionStats(
                question_id=question.id,
                bank_id=question.bank_id,
                text=question.text,
                attempts=attempts,
                right=right,
                average_seconds=round((row["ms"] or 0) / 1000, 1),
                picks=tuple(counts),
                right_options=question.answer,
                flags=_flags(attempts, share, counts, question.answer, question.type),
            )
        )
    for bank in banks.values():
        bank.questions.sort(key=lambda q: q.question_id)
    return [b for b in banks.values() if b.questions]


async def faq_stats(db: Database, limit: int = 10) -> FaqStats:
    """Queries answered, suggested and unanswered; the top unanswered; hits per entry."""
    outcomes = {
        row["outcome"]: row["n"]
        for row in await db.fetchall(
            "SELECT outcome, COUNT(*) AS n FROM faq_queries GROUP BY outcome"
        )
    }
    hits = await db.fetchall(
        """SELECT faq_id, COUNT(*) AS n FROM faq_queries WHERE outcome = 'answered'
           GROUP BY faq_id ORDER BY n DESC, faq_id LIMIT ?""",
        (limit,),
    )
    return FaqStats(
        answered=outcomes.get("answered", 0),
        suggested=outcomes.get("suggested", 0),
        unanswered=outcomes.get("unanswered", 0),
        top_unanswered=[(text, n) for text, n, _ in await unanswered(db, limit)],
        hits=[(row["faq_id"], row["n"]) for row in hits],
    )


async def unanswered(db: Database, limit: int | None = None) -> list[tuple[str, int, float]]:
    """The FAQ's to-do list: unanswered queries, alike ones together, most asked first.

    Returns (an example of the query, times asked, last asked) per normalised query.
    """
    rows = await db.fetchall(
        """SELECT normalised, COUNT(*) AS n, MAX(asked_at) AS last,
                  (SELECT text FROM faq_queries q2 WHERE q2.normalised = q.normalised
                   AND q2.outcome = 'unanswered' ORDER BY asked_at DESC LIMIT 1) AS example
           FROM faq_queries q WHERE outcome = 'unanswered' AND normalised != ''
           GROUP BY normalised ORDER BY n DESC, last DESC LIMIT ?""",
        (limit if limit is not None else -1,),
    )
    return [(row["example"], int(row["n"]), float(row["last"])) for row in rows]


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def stats_csv(banks: list[BankStats]) -> bytes:
    """Per-question figures as CSV (UTF-8 with BOM, for Excel)."""
    rows: list[list[object]] = []
    for bank in banks:
        for q in bank.questions:
            picks = " ".join(f"{LETTERS[i]}:{n}" for i, n in enumerate(q.picks))
            rows.append(
                [
                    bank.bank_id,
                    q.question_id,
                    q.attempts,
                    f"{q.share_right:.3f}",
                    q.average_seconds,
                    picks,
                    " ".join(q.flags),
                    q.text,
                ]
            )
    return _csv(
        [
            "bank",
            "question",
            "attempts",
            "share_right",
            "average_seconds",
            "picks",
            "flags",
            "text",
        ],
        rows,
    )


def unanswered_csv(queue: list[tuple[str, int, float]]) -> bytes:
    from datetime import datetime

    rows = [
        [text, count, datetime.fromtimestamp(last, UTC).isoformat(timespec="seconds")]
        for text, count, last in queue
    ]
    return _csv(["query", "count", "last_asked_utc"], rows)
