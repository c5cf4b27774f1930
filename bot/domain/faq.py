"""FAQ matching: a question typed in one's own words, against every phrasing of every entry.

Chinese has no spaces, so text is compared by characters. A query is scored in three steps
(``docs/faq-matching.md`` tells how each choice was measured):

1. *Retrieve.* Character bigrams and single characters (words and letter trigrams for
   English), weighted by how rare they are (TF-IDF), find the phrasings that share the
   query's telling features. An inverted index over the rarer features keeps this fast.
2. *Score phrasings.* Each candidate phrasing gets its cosine similarity to the query,
   blended with two rapidfuzz scores on the normalised strings: ``ratio`` (the whole
   strings alike) and ``partial_ratio`` (one inside the other, for long stories around a
   short question).
3. *Score entries.* An entry takes the mean of its best phrasing's score and its similarity
   to all its phrasings pooled — people ask the same thing in many ways, and the pooled
   vocabulary catches the ways nobody wrote down.

Scores run from 0 to 100. The thresholds were chosen on half of the evaluation set and
checked on the other half.
"""

from __future__ import annotations

import enum
import heapq
import math
import re
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.domain.models import FaqEntry
from bot.domain.text import normalise
from bot.perf import cyclic_gc_paused

__all__ = ["FaqDecision", "FaqHit", "FaqMatcher", "Outcome", "content_size", "features"]

#: A best score at or above this answers at once,
CONFIDENT = 42.0
#: and so does one at or above CLEAR that leads the runner-up by MARGIN.
CLEAR = 32.0
MARGIN = 8.0
#: Other scores at or above this are offered as "did you mean".
SUGGEST = 28.0
#: At most this many "did you mean" suggestions.
MAX_SUGGESTIONS = 3
#: A query shorter than this (Chinese characters count one, words two) is too short to
#: answer outright ("发票", "refund", "stop"): it gets suggestions, from SHORT_SUGGEST up.
MIN_CONTENT = 4
SHORT_SUGGEST = 35.0

# Weights of the kinds of features: CJK unigram, CJK bigram, word, letter trigram.
_KIND_WEIGHT = (1.0, 1.0, 1.0, 0.3)
_UNI, _BI, _WORD, _TRI = range(4)
# Phrasing score: cosine, rapidfuzz ratio, rapidfuzz partial_ratio.
_BLEND = (0.6, 0.25, 0.15)
#: Share of the entry score that comes from its best phrasings (the rest: pooled vocabulary).
_PHRASING_SHARE = 0.5
#: Candidate phrasings scored exactly, and of those, re-scored with rapidfuzz.
_CANDIDATES = 100
_RESCORED = 30
#: Features found in more than this share of phrasings are too common to retrieve by.
_COMMON = 0.04

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_RUNS = re.compile(f"[{_CJK}]+|[^{_CJK} ]+")
_IS_CJK = re.compile(f"[{_CJK}]")


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


def features(norm: str) -> list[tuple[int, str]]:
    """The features of normalised text: (kind, text) pairs, repeated as often as they occur."""
    found: list[tuple[int, str]] = []
    for run in _RUNS.findall(norm):
        if _IS_CJK.match(run):
            found += [(_UNI, ch) for ch in run]
            found += [(_BI, run[i : i + 2]) for i in range(len(run) - 1)]
            continue
        for word in run.split():
            found.append((_WORD, word))
            if len(word) > 3:
                padded = f"#{word}#"
                found += [(_TRI, padded[i : i + 3]) for i in range(len(padded) - 2)]
    return found


def content_size(norm: str) -> int:
    """How much a normalised query says: one per Chinese character, two per other word."""
    size = 0
    for run in _RUNS.findall(norm):
        size += len(run) if _IS_CJK.match(run) else 2 * len(run.split())
    return size


class _Vectors:
    """Sparse TF-IDF vectors over interned features, in compact arrays."""

    def __init__(self, base: array[float]) -> None:
        self.base = base  # per feature id: its kind's weight times its IDF
        self.features: list[array[int]] = []
        self.weights: list[array[float]] = []
        self.norms = array("d")

    def add(self, counts: dict[int, int]) -> None:
        """Add one vector, given as feature id -> occurrences."""
        base = self.base
        weights = [
            base[fid] * (1.0 + _LOG[tf] if tf < len(_LOG) else 1.0 + math.log(tf))
            for fid, tf in counts.items()
        ]
        self.features.append(array("i", counts.keys()))
        self.weights.append(array("d", weights))
        self.norms.append(math.sqrt(math.fsum(w * w for w in weights)) or 1.0)

    def dot(self, index: int, query: dict[int, float]) -> float:
        get = query.get
        return float(
            sum(
                w * get(f, 0.0)
                for f, w in zip(self.features[index], self.weights[index], strict=True)
            )
        )


_LOG = [0.0] + [math.log(n) for n in range(1, 16)]


class FaqMatcher:
    """Matches queries against the FAQ entries of one language."""

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        self.entries = tuple(entries)
        self._ready = False

    def prepare(self) -> None:
        """Normalise every phrasing and keyword and build the indexes, once."""
        if self._ready:
            return
        with cyclic_gc_paused():
            self._build()
        self._ready = True

    def _build(self) -> None:
        # One pass: features become ids as they are met, phrasings become {id: count};
        # nothing keyed by the feature strings is kept per phrasing (that doubled the
        # memory of indexing 10,000 phrasings).
        texts: list[str] = []
        owners = array("i")
        ids: dict[tuple[int, str], int] = {}
        kinds = array("b")
        frequency = array("i")  # phrasings per feature id
        counts: list[dict[int, int]] = []
        for index, entry in enumerate(self.entries):
            for text in (*entry.questions, *entry.keywords):
                norm = normalise(text)
                if not norm:
                    continue
                count: dict[int, int] = {}
                for feature, tf in Counter(features(norm)).items():
                    fid = ids.get(feature)
                    if fid is None:
                        fid = ids[feature] = len(frequency)
                        frequency.append(0)
                        kinds.append(feature[0])
                    frequency[fid] += 1
                    count[fid] = tf
                texts.append(norm)
                owners.append(index)
                counts.append(count)
        total = max(len(texts), 1)
        self._ids = ids
        self._idf = array("d", (math.log(1 + total / n) for n in frequency))
        base = array(
            "d", (_KIND_WEIGHT[kind] * idf for kind, idf in zip(kinds, self._idf, strict=True))
        )
        self._unseen_idf = math.log(1 + total)
        self._texts = texts
        self._owners = owners
        # Phrasings, and an inverted index from each feature to the phrasings that have it.
        self._phrasings = _Vectors(base)
        postings: list[list[int]] = [[] for _ in range(len(frequency))]
        for doc, count in enumerate(counts):
            self._phrasings.add(count)
            for fid in count:
                postings[fid].append(doc)
        self._postings = {fid: array("i", docs) for fid, docs in enumerate(postings)}
        del postings
        self._common = max(_COMMON * total, 2.0)
        self._scratch = [0.0] * len(texts)  # per-phrasing sums, zeroed after each query
        # Each entry's phrasings pooled into one vector.
        pooled: list[Counter[int]] = [Counter() for _ in self.entries]
        for doc, count in enumerate(counts):
            pooled[owners[doc]].update(count)
        del counts
        self._pooled = _Vectors(base)
        for count in pooled:
            self._pooled.add(count)

    def _query(self, norm: str) -> tuple[dict[int, float], float, list[int]]:
        """The query's vector (known features only), its norm, and its retrieval features."""
        vector: dict[int, float] = {}
        squares = 0.0
        for feature, tf in Counter(features(norm)).items():
            fid = self._ids.get(feature)
            idf = self._idf[fid] if fid is not None else self._unseen_idf
            weight = _KIND_WEIGHT[feature[0]] * idf * (1 + math.log(tf))
            squares += weight * weight
            if fid is not None:
                vector[fid] = weight
        # Retrieve by the telling features; common ones ("的", "怎么") would only cost time.
        retrieval = [fid for fid in vector if len(self._postings[fid]) <= self._common]
        if not retrieval:  # nothing but common features: the rarest of them will do
            retrieval = sorted(vector, key=lambda f: -self._idf[f])[:3]
        return vector, math.sqrt(squares) or 1.0, retrieval

    def _candidates(self, vector: dict[int, float], retrieval: list[int]) -> list[int]:
        """The phrasings sharing the most query weight (by the retrieval features)."""
        scratch = self._scratch
        touched: list[int] = []
        for fid in retrieval:
            weight = vector[fid]
            for doc in self._postings[fid]:
                if not scratch[doc]:
                    touched.append(doc)
                scratch[doc] += weight
        best = heapq.nlargest(_CANDIDATES, touched, key=scratch.__getitem__)
        for doc in touched:
            scratch[doc] = 0.0
        return best

    def rank(self, query: str, limit: int = 5) -> list[FaqHit]:
        """The best-scoring entries for ``query``, best first (score 0-100)."""
        self.prepare()
        norm = normalise(query)
        if not norm or not self._texts:
            return []
        vector, qnorm, retrieval = self._query(norm)
        if not vector:
            return []
        phrasings = self._phrasings
        cosines = sorted(
            (
                (phrasings.dot(doc, vector) / (qnorm * phrasings.norms[doc]), doc)
                for doc in self._candidates(vector, retrieval)
            ),
            reverse=True,
        )[:_RESCORED]
        per_entry: dict[int, list[float]] = {}  # entry -> its phrasings' scores
        for cosine, doc in cosines:
            text = self._texts[doc]
            partial = fuzz.partial_ratio(norm, text) / 100 if len(text) >= 3 else 0.0
            score = (
                _BLEND[0] * cosine + _BLEND[1] * fuzz.ratio(norm, text) / 100 + _BLEND[2] * partial
            )
            per_entry.setdefault(self._owners[doc], []).append(score)
        scored = []
        for index, scores in per_entry.items():
            best = max(scores)
            pooled = self._pooled.dot(index, vector) / (qnorm * self._pooled.norms[index])
            total = _PHRASING_SHARE * best + (1 - _PHRASING_SHARE) * pooled
            scored.append((min(total, 1.0), index))
        scored.sort(reverse=True)
        return [FaqHit(self.entries[i], round(100 * s, 1)) for s, i in scored[:limit]]

    def decide(self, query: str) -> FaqDecision:
        """Answer, suggest or give up on ``query``."""
        hits = self.rank(query, limit=MAX_SUGGESTIONS)
        short = content_size(normalise(query)) < MIN_CONTENT
        if hits and not short:
            best = hits[0].score
            runner_up = hits[1].score if len(hits) > 1 else 0.0
            if best >= CONFIDENT or (best >= CLEAR and best - runner_up >= MARGIN):
                return FaqDecision(query, Outcome.ANSWERED, tuple(hits))
        floor = SHORT_SUGGEST if short else SUGGEST
        suggestions = tuple(hit for hit in hits if hit.score >= floor)
        if suggestions:
            return FaqDecision(query, Outcome.SUGGESTED, suggestions)
        return FaqDecision(query, Outcome.UNANSWERED, ())
