"""The blind FAQ evaluation set (tests/faq_eval/blind/): loading, the one split, the figures.

The set was written and labelled by people who never saw what is measured
(``tests/faq_eval/blind/LABELLING.md``). It is split once, by a hash of each message's first
situation (out-of-scope messages: of their text), into a **dev** half, on which every choice
about the matcher is made, and a **test** half, which is only read to report figures.

Figures, per language and half:

* *answered right at once*: the bot answers with an entry the labellers listed;
* *answered wrong*: it answers with another entry (the worst outcome);
* *resolved with one tap*: answered right, or the right entry is the first "did you mean";
* *declined out of scope*: out-of-scope messages get no FAQ answer (small talk included);
* *no entry*: in-scope messages no entry answers (coverage gaps): they must not be answered.

The rates of the first three are over the messages that have an entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from bot.domain.faq import FaqMatcher

__all__ = ["BlindCase", "BlindScores", "Decision", "decider", "load_blind", "score"]

BLIND_DIR = Path(__file__).resolve().parent.parent / "tests" / "faq_eval" / "blind"
HALVES = ("dev", "test")


@dataclass(frozen=True, slots=True)
class BlindCase:
    query: str
    #: Entries that answer it (any one is right); empty when none does or out of scope.
    ids: frozenset[str]
    language: str
    half: str
    out_of_scope: bool = False
    situations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """What the bot did with a message: answered (with an entry), suggested, or neither."""

    outcome: str  # "answered", "suggested", "unanswered" (or "smalltalk")
    answered: str | None = None
    suggestions: tuple[str, ...] = ()


def decider(matcher: FaqMatcher) -> Callable[[str], Decision]:
    """The bot's whole decision on a message, by its matcher, as :func:`score` reads it."""

    def decide(text: str) -> Decision:
        d = matcher.decide(text)
        return Decision(
            d.outcome.value,
            d.best.entry.id if d.best else None,
            tuple(hit.entry.id for hit in d.suggestions),
        )

    return decide


def _half(key: str) -> str:
    return HALVES[int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % 2]


def load_blind(folder: Path = BLIND_DIR) -> list[BlindCase]:
    """Every labelled message and every out-of-scope message, with its half."""
    cases: list[BlindCase] = []
    for labels in sorted(folder.glob("labels-*.yaml")):
        language = "en" if labels.stem.endswith("-en") else "zh"
        for item in yaml.safe_load(labels.read_text(encoding="utf-8"))["queries"]:
            situations = tuple(item["situations"])
            cases.append(
                BlindCase(
                    query=str(item["q"]),
                    ids=frozenset(item.get("ids") or ()),
                    language=language,
                    half=_half(situations[0]),
                    situations=situations,
                )
            )
    for queries in sorted(folder.glob("queries-*.yaml")):
        language = "en" if queries.stem.endswith("-en") else "zh"
        for item in yaml.safe_load(queries.read_text(encoding="utf-8")).get("out_of_scope", []):
            text = str(item["q"])
            cases.append(
                BlindCase(text, frozenset(), language, _half("oos:" + text), out_of_scope=True)
            )
    return cases


@dataclass(slots=True)
class BlindScores:
    covered: int = 0
    answered_right: int = 0
    answered_wrong: int = 0
    one_tap: int = 0
    no_entry: int = 0
    no_entry_answered: int = 0
    out_of_scope: int = 0
    declined: int = 0
    misses: list[tuple[str, str, Decision]] = field(default_factory=list)

    @staticmethod
    def _rate(part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    @property
    def right_rate(self) -> float:
        return self._rate(self.answered_right, self.covered)

    @property
    def wrong_rate(self) -> float:
        return self._rate(self.answered_wrong, self.covered)

    @property
    def one_tap_rate(self) -> float:
        return self._rate(self.one_tap, self.covered)

    @property
    def declined_rate(self) -> float:
        return self._rate(self.declined, self.out_of_scope)

    @property
    def no_entry_declined_rate(self) -> float:
        return self._rate(self.no_entry - self.no_entry_answered, self.no_entry)

    def row(self) -> dict[str, float | int]:
        return {
            "covered": self.covered,
            "right": round(self.right_rate, 4),
            "wrong": round(self.wrong_rate, 4),
            "one_tap": round(self.one_tap_rate, 4),
            "no_entry": self.no_entry,
            "no_entry_declined": round(self.no_entry_declined_rate, 4),
            "out_of_scope": self.out_of_scope,
            "declined": round(self.declined_rate, 4),
        }


def score(cases: Iterable[BlindCase], decide: Callable[[str], Decision]) -> BlindScores:
    """Score a way of deciding on some cases (one language and half, usually)."""
    scores = BlindScores()
    for case in cases:
        decision = decide(case.query)
        answered = decision.outcome == "answered"
        if case.out_of_scope:
            scores.out_of_scope += 1
            scores.declined += not answered
            if answered:
                scores.misses.append((case.query, "(out of scope)", decision))
        elif not case.ids:
            scores.no_entry += 1
            scores.no_entry_answered += answered
            if answered:
                scores.misses.append((case.query, "(no entry)", decision))
        else:
            scores.covered += 1
            right = answered and decision.answered in case.ids
            scores.answered_right += right
            scores.answered_wrong += answered and not right
            tapped = (
                decision.outcome == "suggested"
                and bool(decision.suggestions)
                and decision.suggestions[0] in case.ids
            )
            scores.one_tap += right or tapped
            if not right:
                scores.misses.append((case.query, "/".join(sorted(case.ids)), decision))
    return scores
