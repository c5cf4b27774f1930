"""FAQ matching: our matcher against the baselines a competent engineer would try first.

* **floor** — one call of rapidfuzz ``process.extractOne`` over the same normalised strings,
  with its default scorer (WRatio);
* **difflib** — the standard library's ``get_close_matches`` (pure Python);
* **bm25** — BM25 over character bigrams (rank-bm25).

Latency is timed per query on synthetic FAQs (bench/synth.py); accuracy is measured on the
real FAQ and the evaluation set, each baseline's answer threshold chosen on the same half
of the set (the "dev" half) as ours was.
"""

from __future__ import annotations

import difflib
import statistics
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bench.blind import BlindCase, BlindScores, Decision, decider
from bench.blind import score as blind_score
from bench.evaluate import EvalCase, EvalSet, Scores, evaluate, load_eval_set
from bot.domain.faq import FaqMatcher, Tuning
from bot.domain.models import FaqEntry
from bot.domain.text import normalise
from bot.domain.vocabulary import Vocabulary

__all__ = [
    "METHODS",
    "Accuracy",
    "BlindAccuracy",
    "Latency",
    "accuracy",
    "blind_accuracy",
    "index_bytes",
    "latency",
]


def _choices(entries: Sequence[FaqEntry]) -> tuple[list[str], list[str]]:
    texts, owners = [], []
    for entry in entries:
        for text in (*entry.questions, *entry.keywords):
            norm = normalise(text)
            if norm:
                texts.append(norm)
                owners.append(entry.id)
    return texts, owners


def _best_per_entry(hits: Sequence[tuple[str, float]], limit: int) -> list[tuple[str, float]]:
    best: dict[str, float] = {}
    for entry_id, score in hits:
        if score > best.get(entry_id, float("-inf")):
            best[entry_id] = score
    return sorted(best.items(), key=lambda item: -item[1])[:limit]


class Ours:
    name = "ours"

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        vocabulary: Vocabulary | None = None,
        language: str = "zh",
    ) -> None:
        self.matcher = FaqMatcher(entries, vocabulary, Tuning.for_language(language))
        self.matcher.prepare()
        self._decide = decider(self.matcher)

    def query(self, text: str) -> object:
        return self.matcher.rank(text, 3)

    def rank(self, text: str, limit: int) -> list[tuple[str, float]]:
        return [(h.entry.id, h.score) for h in self.matcher.rank(text, limit)]

    def decide(self, text: str, threshold: float | None = None) -> tuple[str, str | None]:
        decision = self.matcher.decide(text)
        return decision.outcome.value, decision.best.entry.id if decision.best else None

    def full(self, text: str) -> Decision:
        """The bot's whole decision: answered, the "did you mean" offered, or nothing."""
        return self._decide(text)


class Floor:
    name = "floor"

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        self.texts, self.owners = _choices(entries)

    def query(self, text: str) -> object:
        return process.extractOne(normalise(text), self.texts)

    def rank(self, text: str, limit: int) -> list[tuple[str, float]]:
        found = process.extract(normalise(text), self.texts, scorer=fuzz.WRatio, limit=limit * 8)
        return _best_per_entry([(self.owners[i], s) for _, s, i in found], limit)


class Difflib:
    name = "difflib"

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        self.texts, self.owners = _choices(entries)
        self.index = {}
        for text, owner in zip(self.texts, self.owners, strict=True):
            self.index.setdefault(text, owner)

    def query(self, text: str) -> object:
        return difflib.get_close_matches(normalise(text), self.texts, n=3, cutoff=0.3)

    def rank(self, text: str, limit: int) -> list[tuple[str, float]]:
        norm = normalise(text)
        found = difflib.get_close_matches(norm, self.texts, n=limit * 8, cutoff=0.3)
        scored = [
            (self.index[c], 100 * difflib.SequenceMatcher(None, norm, c).ratio()) for c in found
        ]
        return _best_per_entry(scored, limit)


def _bigrams(text: str) -> list[str]:
    compact = text.replace(" ", "")
    return [compact[i : i + 2] for i in range(len(compact) - 1)] or [compact]


class Bm25:
    name = "bm25"

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        from rank_bm25 import BM25Okapi

        self.texts, self.owners = _choices(entries)
        self.model = BM25Okapi([_bigrams(t) for t in self.texts])

    def query(self, text: str) -> object:
        scores = self.model.get_scores(_bigrams(normalise(text)))
        return int(scores.argmax())

    def rank(self, text: str, limit: int) -> list[tuple[str, float]]:
        scores = self.model.get_scores(_bigrams(normalise(text)))
        top = scores.argsort()[::-1][: limit * 8]
        return _best_per_entry([(self.owners[i], float(scores[i])) for i in top], limit)


METHODS = (Ours, Floor, Difflib, Bm25)


@dataclass(frozen=True, slots=True)
class Latency:
    method: str
    entries: int
    phrasings: int
    build_s: float
    p50_ms: float
    p99_ms: float
    queries: int


def latency(
    method: type,
    entries: Sequence[FaqEntry],
    queries: Sequence[str],
    repeat: int = 1,
    vocabulary: Vocabulary | None = None,
) -> Latency:
    """Per-query time of one method on one FAQ (ours with the bot's vocabulary)."""
    started = time.perf_counter()
    built = method(entries, vocabulary) if method is Ours else method(entries)
    build = time.perf_counter() - started
    for query in queries[:5]:  # warm caches, as a running bot's are
        built.query(query)
    timings = []
    for _ in range(repeat):
        for query in queries:
            started = time.perf_counter()
            built.query(query)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return Latency(
        method.name,
        len(entries),
        sum(len(e.questions) for e in entries),
        build,
        statistics.median(timings),
        timings[min(len(timings) - 1, int(0.99 * len(timings)))],
        len(timings),
    )


@dataclass(frozen=True, slots=True)
class Accuracy:
    method: str
    language: str
    threshold: float | None
    scores: Scores


def _dev(case: EvalCase) -> bool:
    return zlib.crc32(case.query.encode()) % 2 == 0


def _threshold(built: object, cases: list[EvalCase]) -> float:
    """The answer threshold that serves the dev half best (right answers, rejections)."""
    tops = [(c, built.rank(c.query, 1)) for c in cases]  # type: ignore[attr-defined]
    candidates = sorted({round(r[0][1], 2) for _, r in tops if r})
    best, best_value = 0.0, float("-inf")
    in_scope = sum(1 for c in cases if c.ids) or 1
    out_scope = sum(1 for c in cases if not c.ids) or 1
    for threshold in candidates:
        right = wrong = rejected = 0
        for case, ranked in tops:
            answered = bool(ranked) and ranked[0][1] >= threshold
            if case.ids:
                right += answered and ranked[0][0] in case.ids
                wrong += answered and ranked[0][0] not in case.ids
            else:
                rejected += not answered
        value = right / in_scope + rejected / out_scope - 2 * wrong / in_scope
        if value > best_value:
            best, best_value = threshold, value
    return best


def accuracy(
    entries_by_language: dict[str, list[FaqEntry]],
    evaluation: EvalSet | None = None,
    vocabularies: dict[str, Vocabulary] | None = None,
    methods: tuple[type, ...] = METHODS,
) -> list[Accuracy]:
    """Every method on the evaluation set (default: all of it), per language."""
    evaluation = evaluation or load_eval_set()
    results = []
    for language, entries in entries_by_language.items():
        cases = evaluation.language(language)
        for method in methods:
            if method is Ours:
                built: object = Ours(entries, (vocabularies or {}).get(language), language)
            else:
                built = method(entries)
            if isinstance(built, Ours):
                threshold = None
                decide = built.decide
            else:
                threshold = _threshold(built, [c for c in cases if _dev(c)])

                def decide(
                    text: str, built: object = built, limit: float = threshold
                ) -> tuple[str, str | None]:
                    ranked = built.rank(text, 1)  # type: ignore[attr-defined]
                    if ranked and ranked[0][1] >= limit:
                        return "answered", ranked[0][0]
                    return "unanswered", None

            scores = evaluate(cases, built.rank, decide)  # type: ignore[attr-defined]
            results.append(Accuracy(method.name, language, threshold, scores))
    return results


def index_bytes(entries: Sequence[FaqEntry], vocabulary: Vocabulary | None = None) -> float:
    """Bytes our index holds per phrasing (traced allocations of building it)."""
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        matcher = FaqMatcher(entries, vocabulary)
        matcher.prepare()
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return held / max(matcher.index_size(), 1)


@dataclass(frozen=True, slots=True)
class BlindAccuracy:
    method: str
    language: str
    half: str
    threshold: float | None
    scores: BlindScores


def blind_accuracy(
    entries_by_language: dict[str, list[FaqEntry]],
    vocabularies: dict[str, Vocabulary],
    cases: list[BlindCase],
    methods: tuple[type, ...] = METHODS,
) -> list[BlindAccuracy]:
    """Every method on both halves of the blind set; a baseline's answer threshold is chosen
    on the dev half (most right answers, a wrong one costing three), as ours were."""
    results = []
    for language, entries in entries_by_language.items():
        mine = [c for c in cases if c.language == language]
        dev = [c for c in mine if c.half == "dev"]
        for method in methods:
            built = (
                Ours(entries, vocabularies.get(language), language)
                if method is Ours
                else method(entries)
            )
            if isinstance(built, Ours):
                threshold, decide = None, built.full
            else:
                threshold = _blind_threshold(built, dev)
                decide = _thresholded(built, threshold)
            for half in ("dev", "test"):
                chosen = [c for c in mine if c.half == half]
                results.append(
                    BlindAccuracy(
                        method.name, language, half, threshold, blind_score(chosen, decide)
                    )
                )
    return results


def _thresholded(built: object, limit: float) -> Callable[[str], Decision]:
    def decide(text: str) -> Decision:
        ranked = built.rank(text, 1)  # type: ignore[attr-defined]
        if ranked and ranked[0][1] >= limit:
            return Decision("answered", ranked[0][0])
        return Decision("unanswered")

    return decide


def _blind_threshold(built: object, cases: list[BlindCase]) -> float:
    tops = [(c, built.rank(c.query, 1)) for c in cases]  # type: ignore[attr-defined]
    best, best_value = float("inf"), 0.0
    for threshold in sorted({round(r[0][1], 2) for _, r in tops if r}):
        value = 0.0
        for case, ranked in tops:
            if not ranked or ranked[0][1] < threshold:
                continue
            value += 1.0 if ranked[0][0] in case.ids else -3.0
        if value > best_value:
            best, best_value = threshold, value
    return best
