"""FAQ matching: a question typed in one's own words, against every phrasing of every entry.

Retrieval and scoring work on characters (Chinese has no spaces between words), on text
normalised by :func:`bot.domain.text.normalise`. See ``docs/faq-matching.md`` for how the
scorer and thresholds were chosen.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.domain.models import FaqEntry
from bot.domain.text import normalise

__all__ = ["FaqDecision", "FaqHit", "FaqMatcher", "Outcome"]

#: A best score at or above this answers at once.
CONFIDENT = 75.0
#: Scores at or above this (and below CONFIDENT) are offered as "did you mean".
SUGGEST = 55.0
#: At most this many "did you mean" suggestions.
MAX_SUGGESTIONS = 3


class Outcome(enum.StrEnum):
    ANSWERED = "answered"
    SUGGESTED = "suggested"
    UNANSWERED = "unanswered"


@dataclass(frozen=True, slots=True)
class FaqHit:
    entry: FaqEntry
    score: float


@dataclass(frozen=True, slots=True)
class FaqDecision:
    """What to do with one query: answer it, suggest entries, or say we don't know."""

    query: str
    outcome: Outcome
    hits: tuple[FaqHit, ...]

    @property
    def best(self) -> FaqHit | None:
        return self.hits[0] if self.hits and self.outcome is Outcome.ANSWERED else None

    @property
    def suggestions(self) -> tuple[FaqHit, ...]:
        return self.hits if self.outcome is Outcome.SUGGESTED else ()


class FaqMatcher:
    """Matches queries against the FAQ entries of one language."""

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        self.entries = tuple(entries)
        self._choices: list[str] | None = None
        self._owner: list[int] = []

    def prepare(self) -> None:
        """Normalise every phrasing and keyword once."""
        if self._choices is not None:
            return
        choices: list[str] = []
        owner: list[int] = []
        for index, entry in enumerate(self.entries):
            for text in (*entry.questions, *entry.keywords):
                norm = normalise(text)
                if norm:
                    choices.append(norm)
                    owner.append(index)
        self._choices, self._owner = choices, owner

    def rank(self, query: str, limit: int = 5) -> list[FaqHit]:
        """The best-scoring entries for ``query``, best first (score 0-100)."""
        self.prepare()
        assert self._choices is not None
        norm = normalise(query)
        if not norm or not self._choices:
            return []
        found = process.extract(
            norm, self._choices, scorer=fuzz.WRatio, limit=limit * 6, score_cutoff=SUGGEST / 2
        )
        best: dict[int, float] = {}
        for _choice, score, position in found:
            entry = self._owner[position]
            best[entry] = max(best.get(entry, 0.0), float(score))
        ranked = sorted(best.items(), key=lambda item: -item[1])[:limit]
        return [FaqHit(self.entries[i], round(score, 1)) for i, score in ranked]

    def decide(self, query: str) -> FaqDecision:
        """Answer, suggest or give up on ``query``."""
        hits = self.rank(query, limit=MAX_SUGGESTIONS)
        if hits and hits[0].score >= CONFIDENT:
            return FaqDecision(query, Outcome.ANSWERED, tuple(hits))
        suggestions = tuple(hit for hit in hits if hit.score >= SUGGEST)
        if suggestions:
            return FaqDecision(query, Outcome.SUGGESTED, suggestions)
        return FaqDecision(query, Outcome.UNANSWERED, ())
