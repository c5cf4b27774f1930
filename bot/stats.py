"""How questions perform and what people ask: figures for organizers.

Flags (on questions with at least ``MIN_ATTEMPTS`` answers): *too easy* when over 95%
answer right, *too hard* under 20%, and *misleading* when a wrong option is picked more
often than the right one (for multiple choice: more often than the least-picked right one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.csvfile import to_csv
from bot.domain.catalogue import Catalogue
from bot.domain.models import LETTERS
from bot.storage.stats_store import StatsStore, Unanswered

__all__ = [
    "BankStats",
    "FaqStats",
    "QuestionStats",
    "Stats",
    "Unanswered",
    "stats_csv",
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
    #: Over the timed answers (None when all were untimed daily answers).
    average_seconds: float | None
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
    attempts: int, share: float, picks: list[int], right: frozenset[int], typed: bool
) -> tuple[str, ...]:
    if attempts < MIN_ATTEMPTS:
        return ()
    flags = []
    if share > TOO_EASY:
        flags.append("too_easy")
    if share < TOO_HARD:
        flags.append("too_hard")
    if not typed and right and picks:
        least_right = min(picks[i] for i in right)
        if any(count > least_right for i, count in enumerate(picks) if i not in right):
            flags.append("misleading")
    return tuple(flags)


class Stats:
    """Figures for organizers, over the answers and FAQ queries of the database."""

    def __init__(self, store: StatsStore, catalogue: Callable[[], Catalogue]) -> None:
        self.store = store
        self.catalogue = catalogue

    async def questions(self) -> list[BankStats]:
        """Per bank, per question: attempts, share right, average time, picks, flags."""
        catalogue = self.catalogue()
        picks: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for question_id, choice, count in await self.store.choices():
            question = catalogue.questions.get(question_id)
            if question is None or question.rules.typed:
                continue
            for letter in choice:
                if question.is_option(letter):
                    picks[question_id][LETTERS.index(letter)] += count
        banks: dict[str, BankStats] = {
            b.id: BankStats(b.id, b.title) for b in catalogue.banks if b.questions
        }
        for totals in await self.store.answer_totals():
            question = catalogue.questions.get(totals.question_id)
            if question is None:
                continue  # a question since removed from the banks
            counts = (
                []
                if question.rules.typed
                else [picks[question.id].get(i, 0) for i in range(question.option_count)]
            )
            attempts, right = totals.attempts, totals.right
            share = right / attempts if attempts else 0.0
            banks[question.bank_id].questions.append(
                QuestionStats(
                    question_id=question.id,
                    bank_id=question.bank_id,
                    text=question.text,
                    attempts=attempts,
                    right=right,
                    average_seconds=(
                        None if totals.average_ms is None else round(totals.average_ms / 1000, 1)
                    ),
                    picks=tuple(counts),
                    right_options=question.answer,
                    flags=_flags(attempts, share, counts, question.answer, question.rules.typed),
                )
            )
        for bank in banks.values():
            bank.questions.sort(key=lambda q: q.question_id)
        return [b for b in banks.values() if b.questions]

    async def faq(self, limit: int = 10) -> FaqStats:
        """Queries answered, suggested and unanswered; the top unanswered; hits per entry."""
        outcomes = await self.store.faq_outcomes()
        return FaqStats(
            answered=outcomes.get("answered", 0),
            suggested=outcomes.get("suggested", 0),
            unanswered=outcomes.get("unanswered", 0),
            top_unanswered=[(u.text, u.count) for u in await self.store.unanswered(limit)],
            hits=await self.store.faq_hits(limit),
        )

    async def unanswered(self, limit: int | None = None) -> list[Unanswered]:
        """The FAQ's to-do list: unanswered queries, alike ones together, most asked first."""
        return await self.store.unanswered(limit)


def stats_csv(banks: list[BankStats]) -> bytes:
    """Per-question figures as CSV."""
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
                    "" if q.average_seconds is None else q.average_seconds,
                    picks,
                    " ".join(q.flags),
                    q.text,
                ]
            )
    header = ["bank", "question", "attempts", "share_right", "average_seconds", "picks"]
    return to_csv([*header, "flags", "text"], rows)


def unanswered_csv(queue: list[Unanswered]) -> bytes:
    """The unanswered queries as CSV."""
    rows = [
        [u.text, u.count, datetime.fromtimestamp(u.last, UTC).isoformat(timespec="seconds")]
        for u in queue
    ]
    return to_csv(["query", "count", "last_asked_utc"], rows)
