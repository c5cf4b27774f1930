"""FAQ accuracy on the evaluation set in tests/faq_eval/: top-1, top-3, out-of-scope rejection.

A method is anything with ``rank(query, limit) -> [(faq_id, score), ...]`` and
``decide(query) -> (outcome, faq_id | None)``; ours is the bot's FaqMatcher.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = ["EvalCase", "EvalSet", "Scores", "evaluate", "load_eval_set"]

EVAL_DIR = Path(__file__).resolve().parent.parent / "tests" / "faq_eval"


@dataclass(frozen=True, slots=True)
class EvalCase:
    query: str
    ids: frozenset[str]  # empty for an out-of-scope query
    language: str


@dataclass(slots=True)
class EvalSet:
    cases: list[EvalCase] = field(default_factory=list)

    def language(self, language: str) -> list[EvalCase]:
        return [c for c in self.cases if c.language == language]


def load_eval_set(folder: Path = EVAL_DIR) -> EvalSet:
    """Every file of the evaluation set; the language is 'en' for en*.yaml, else 'zh'."""
    found = EvalSet()
    for path in sorted(folder.glob("*.yaml")):
        language = "en" if path.stem.startswith("en") else "zh"
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("in_scope") or []:
            ids = item.get("ids") or [item["id"]]
            found.cases.append(EvalCase(str(item["q"]), frozenset(ids), language))
        for query in data.get("out_of_scope") or []:
            found.cases.append(EvalCase(str(query), frozenset(), language))
    return found


@dataclass(slots=True)
class Scores:
    in_scope: int = 0
    top1: int = 0
    top3: int = 0
    answered_right: int = 0
    answered_wrong: int = 0
    out_of_scope: int = 0
    rejected: int = 0
    misses: list[tuple[str, str, str | None]] = field(default_factory=list)

    def ratio(self, part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    @property
    def top1_rate(self) -> float:
        return self.ratio(self.top1, self.in_scope)

    @property
    def top3_rate(self) -> float:
        return self.ratio(self.top3, self.in_scope)

    @property
    def answered_rate(self) -> float:
        """In-scope queries answered at once with the right entry."""
        return self.ratio(self.answered_right, self.in_scope)

    @property
    def wrong_answer_rate(self) -> float:
        """In-scope queries answered at once with a wrong entry (the worst outcome)."""
        return self.ratio(self.answered_wrong, self.in_scope)

    @property
    def rejection_rate(self) -> float:
        return self.ratio(self.rejected, self.out_of_scope)


Ranker = Callable[[str, int], list[tuple[str, float]]]
Decider = Callable[[str], tuple[str, str | None]]


def evaluate(cases: Iterable[EvalCase], rank: Ranker, decide: Decider) -> Scores:
    """Score one method on the cases.

    top-1 and top-3: the right entry is ranked first (or in the first three), whatever the
    confidence. Rejection: an out-of-scope query is not answered (a "did you mean" is not
    an answer, but is counted separately in ``misses``).
    """
    scores = Scores()
    for case in cases:
        outcome, answered = decide(case.query)
        if case.ids:
            scores.in_scope += 1
            ranked = [faq_id for faq_id, _ in rank(case.query, 3)]
            scores.top1 += bool(ranked[:1] and ranked[0] in case.ids)
            scores.top3 += bool(set(ranked[:3]) & case.ids)
            if outcome == "answered":
                if answered in case.ids:
                    scores.answered_right += 1
                else:
                    scores.answered_wrong += 1
            if not ranked or ranked[0] not in case.ids:
                scores.misses.append(
                    (case.query, "/".join(sorted(case.ids)), ranked[0] if ranked else None)
                )
        else:
            scores.out_of_scope += 1
            if outcome != "answered":
                scores.rejected += 1
            else:
                scores.misses.append((case.query, "(out of scope)", answered))
    return scores
