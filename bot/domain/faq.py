"""FAQ matching: a question typed in one's own words, against every phrasing of every entry.

Chinese has no spaces, so text is compared by characters. A query is scored in four steps
(``docs/faq-matching.md`` tells how each choice was measured, on the dev half of a blind
evaluation set):

1. *Vocabulary.* The words people type (工商, 退一赔三, 霸王条款) get the banks' terms added
   (:mod:`bot.domain.vocabulary`), in queries and phrasings alike.
2. *Retrieve and score phrasings.* Character bigrams and single characters (words and letter
   trigrams for English), weighted by how rare they are (TF-IDF), find the phrasings that
   share the query's telling features; each gets its cosine similarity blended with two
   rapidfuzz scores (``ratio``, ``partial_ratio``).
3. *Score entries.* An entry's similarity is the mean of its best phrasing's score and its
   similarity to all its phrasings pooled; a naive-Bayes model of each entry's pooled
   vocabulary adds the probability that the query belongs to it.
4. *Decide.* A logistic model over the scores (the best, its lead over the best entry on
   another subject, the naive-Bayes probability, the query's length) gives the probability
   that the best entry is right; above a threshold the bot answers at once, else it offers
   "did you mean" — with siblings (entries on one subject: ``faq-zh-return-…``) side by side
   when they are too close to call — or says it does not know. A year in the query must be
   one the entry speaks of.

Scores run from 0 to 100.
"""

from __future__ import annotations

import enum
import heapq
import math
import re
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.domain.faq_index import (
    BI,
    CJK,
    TRI,
    TRI_MARK,
    UNI,
    WORD,
    WORD_MARK,
    build_index,
    code_kind,
    word_keys,
)
from bot.domain.models import FaqEntry
from bot.domain.text import normalise
from bot.domain.vocabulary import Vocabulary
from bot.perf import cyclic_gc_paused

__all__ = [
    "FaqDecision",
    "FaqHit",
    "FaqMatcher",
    "Outcome",
    "Tuning",
    "content_size",
    "subject_of",
]

#: At most this many "did you mean" suggestions.
MAX_SUGGESTIONS = 3

# Weights of the kinds of features: CJK unigram, CJK bigram, word, letter trigram.
_KIND_WEIGHT = (1.0, 1.0, 1.0, 0.3)
#: Candidate phrasings scored exactly, and of those, re-scored with rapidfuzz.
_CANDIDATES = 100
_RESCORED = 30
#: Features found in more than this share of phrasings are too common to retrieve by,
_COMMON = 0.04
#: and retrieval stops once the features so far reach this many phrasings.
_RETRIEVAL_BUDGET = 3000

_RUNS = re.compile(f"[{CJK}]+|[^{CJK} ]+")
_IS_CJK = re.compile(f"[{CJK}]")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-9]\d)(?!\d)")


@dataclass(frozen=True, slots=True)
class Tuning:
    """The matcher's choices, each made on the dev half of the blind set (docs/faq-matching.md)."""

    #: Phrasing score: cosine, rapidfuzz ratio, rapidfuzz partial_ratio.
    blend: tuple[float, float, float] = (0.6, 0.25, 0.15)
    #: Share of the similarity that comes from the best phrasing (the rest: pooled).
    phrasing_share: float = 0.5
    #: Naive Bayes: smoothing, and the weight of its probability in the entry score.
    nb_alpha: float = 0.1
    nb_weight: float = 0.2
    #: Temperature of the softmax over naive-Bayes log-likelihoods.
    nb_temperature: float = 10.0
    #: The decision model: intercept and weights of :meth:`FaqMatcher.signals`.
    model: tuple[float, ...] = (-6.716, 9.427, 5.77, -1.644, 0.67, 1.083, -1.342)
    #: Answer at once when the model's probability is at least this: the lowest value at
    #: which the dev half's wrong answers stay at 1.5% or under (and out-of-scope messages
    #: are declined at 95% or more), per language (:meth:`for_language`).
    answer_at: float = 0.55
    #: Offer "did you mean" when the model's probability is at least this, with the entries
    #: scoring at least ``suggest_from`` (0-100).
    suggest_at: float = 0.1
    suggest_from: float = 24.0
    #: A query shorter than this (Chinese characters count one, words two) never gets an
    #: answer at once ("发票", "refund"): only suggestions, from ``short_suggest_from`` up.
    min_content: int = 4
    short_suggest_from: float = 30.0

    @classmethod
    def for_language(cls, language: str) -> Tuning:
        """The tuning of a language's FAQ: the same model, its own answer threshold."""
        return cls(answer_at=_ANSWER_AT.get(language, _DEFAULT_ANSWER_AT))


#: Answer thresholds chosen per language on the dev half (docs/faq-matching.md).
_ANSWER_AT = {"zh": 0.55, "en": 0.65}
_DEFAULT_ANSWER_AT = 0.55


class Outcome(enum.StrEnum):
    ANSWERED = "answered"
    SUGGESTED = "suggested"
    UNANSWERED = "unanswered"
    SMALLTALK = "smalltalk"


@dataclass(frozen=True, slots=True)
class FaqHit:
    entry: FaqEntry
    score: float


@dataclass(frozen=True, slots=True)
class FaqDecision:
    """What to do with one query: answer it, suggest entries, chat back, or say we don't know."""

    query: str
    outcome: Outcome
    hits: tuple[FaqHit, ...]
    #: The model's probability that the best entry is right (0 when nothing matched).
    confidence: float = 0.0
    #: For small talk: its kind (greeting, thanks, ...).
    smalltalk: str | None = None

    @property
    def best(self) -> FaqHit | None:
        return self.hits[0] if self.hits and self.outcome is Outcome.ANSWERED else None

    @property
    def suggestions(self) -> tuple[FaqHit, ...]:
        return self.hits if self.outcome is Outcome.SUGGESTED else ()


def subject_of(entry_id: str) -> str:
    """The subject an entry shares with its siblings: ``faq-zh-return-fee`` -> ``faq-zh-return``.

    Ids that do not follow ``faq-<lang>-<subject>-<detail>`` are a subject of their own.
    """
    parts = entry_id.split("-")
    return "-".join(parts[:3]) if len(parts) >= 4 else entry_id


def content_size(norm: str) -> int:
    """How much a normalised query says: one per Chinese character, two per other word."""
    size = 0
    for run in _RUNS.findall(norm):
        size += len(run) if _IS_CJK.match(run) else 2 * len(run.split())
    return size


def years(text: str) -> frozenset[str]:
    """The years a text names (1950-2099)."""
    return frozenset(_YEAR.findall(text))


#: 1 + log(tf), by term frequency (capped: a word said 255 times says no more).
_TF = array("f", [0.0] + [1.0 + math.log(n) for n in range(1, 256)])


def _keys(norm: str) -> list[str]:
    """The features of normalised text, repeated as often as they occur, as strings: a CJK
    character, a pair of neighbouring ones, and (other scripts) words and letter trigrams,
    which carry a mark (:mod:`bot.domain.faq_index` codes them as integers)."""
    found: list[str] = []
    for run in _RUNS.findall(norm):
        if _IS_CJK.match(run):
            found += run
            found += [run[i : i + 2] for i in range(len(run) - 1)]
        else:
            found += word_keys(run)
    return found


def _kind(key: str) -> int:
    if key[0] == WORD_MARK:
        return WORD
    if key[0] == TRI_MARK:
        return TRI
    return UNI if len(key) == 1 else BI


class FaqMatcher:
    """Matches queries against the FAQ entries of one language.

    The index is compact (flat arrays) and built in one pass over the phrasings; what a
    query needs beyond that (vector norms) is computed the first time and kept.
    """

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        vocabulary: Vocabulary | None = None,
        tuning: Tuning | None = None,
    ) -> None:
        self.entries = tuple(entries)
        self.vocabulary = vocabulary or Vocabulary()
        self.tuning = tuning or Tuning()
        self._ready = False

    def prepare(self) -> None:
        """Normalise every phrasing and keyword and build the indexes, once."""
        if self._ready:
            return
        with cyclic_gc_paused():
            self._build()
        self._ready = True

    def _norm(self, text: str) -> str:
        return self.vocabulary.expand(normalise(text))

    def _build(self) -> None:
        # Normalise in Python (the vocabulary's words), index in arrays (bot.domain.faq_index).
        texts: list[str] = []
        owners = array("i")
        for index, entry in enumerate(self.entries):
            for text in (*entry.questions, *entry.keywords):
                norm = self._norm(text)
                if norm:
                    texts.append(norm)
                    owners.append(index)
        built = build_index(texts, owners, len(self.entries))
        total = max(len(texts), 1)
        frequency = [built.document_frequency(fid) for fid in range(len(built.codes))]
        self._index = built
        self._idf = array("f", [math.log(1 + total / df) for df in frequency])
        kinds = map(code_kind, built.codes)
        self._base = array(
            "f", [_KIND_WEIGHT[kind] * idf for kind, idf in zip(kinds, self._idf, strict=True)]
        )
        self._unseen_idf = math.log(1 + total)
        self._texts = texts
        self._owners = owners
        self._starts, self._fids, self._tfs = built.starts, built.fids, built.tfs
        self._norms = array("f", bytes(4 * total))  # computed when first needed
        self._post_starts, self._post_docs = built.post_starts, built.post_docs
        self._common = max(_COMMON * total, 2.0)
        self._scratch = [0.0] * total  # per-phrasing sums, zeroed after each query
        # Entries: how many of its phrasings have each feature (naive Bayes, pooled cosine).
        self._entry_starts, self._entry_fids = built.entry_starts, built.entry_fids
        self._entry_counts, self._entry_totals = built.entry_counts, built.entry_totals
        self._entry_norms = array("f", bytes(4 * len(self.entries)))
        self._years = [years(" ".join((*e.questions, e.answer))) for e in self.entries]
        self._vocabulary_size = max(len(built.codes), 1)
        self._subjects = [subject_of(entry.id) for entry in self.entries]

    def _phrasing_norm(self, doc: int) -> float:
        norm = self._norms[doc]
        if not norm:
            base, fids, tfs = self._base, self._fids, self._tfs
            squares = 0.0
            for at in range(self._starts[doc], self._starts[doc + 1]):
                w = base[fids[at]] * _TF[tfs[at]]
                squares += w * w
            norm = self._norms[doc] = math.sqrt(squares) or 1.0
        return norm

    def _phrasing_dot(self, doc: int, vector: dict[int, float]) -> float:
        get, base, fids, tfs = vector.get, self._base, self._fids, self._tfs
        total = 0.0
        for at in range(self._starts[doc], self._starts[doc + 1]):
            fid = fids[at]
            weight = get(fid)
            if weight is not None:
                total += weight * base[fid] * _TF[tfs[at]]
        return total

    def _entry_count(self, entry: int, fid: int) -> int:
        lo, hi = self._entry_starts[entry], self._entry_starts[entry + 1]
        at = bisect_left(self._entry_fids, fid, lo, hi)
        return self._entry_counts[at] if at < hi and self._entry_fids[at] == fid else 0

    def _entry_norm(self, entry: int) -> float:
        norm = self._entry_norms[entry]
        if not norm:
            base, fids, counts = self._base, self._entry_fids, self._entry_counts
            squares = 0.0
            for at in range(self._entry_starts[entry], self._entry_starts[entry + 1]):
                w = base[fids[at]] * _TF[min(counts[at], 255)]
                squares += w * w
            norm = self._entry_norms[entry] = math.sqrt(squares) or 1.0
        return norm

    # --- scoring -----------------------------------------------------------------------

    def _query(self, norm: str) -> tuple[dict[int, float], float, list[int]]:
        """The query's vector (known features only), its norm, and its retrieval features.

        Also notes how much of the query's weight no phrasing anywhere shares
        (``self._unseen_share``): words the FAQ has never seen say it is not about them.
        """
        vector: dict[int, float] = {}
        squares = unseen = 0.0
        for key, tf in Counter(_keys(norm)).items():
            fid = self._index.fid(key)
            idf = self._idf[fid] if fid is not None else self._unseen_idf
            weight = _KIND_WEIGHT[_kind(key)] * idf * (1 + math.log(tf))
            squares += weight * weight
            if fid is not None:
                vector[fid] = weight
            else:
                unseen += weight
        starts = self._post_starts
        # Retrieve by the telling features, rarest first, until enough phrasings are met;
        # common ones ("的", "怎么") would only cost time.
        rarest = sorted(vector, key=lambda f: starts[f + 1] - starts[f])
        retrieval: list[int] = []
        met = 0
        for fid in rarest:
            size = starts[fid + 1] - starts[fid]
            if retrieval and (size > self._common or met + size > _RETRIEVAL_BUDGET):
                break
            retrieval.append(fid)
            met += size
        total = unseen + sum(vector.values())
        self._last = (vector, unseen / total if total else 1.0)
        return vector, math.sqrt(squares) or 1.0, retrieval

    def _candidates(self, vector: dict[int, float], retrieval: list[int]) -> list[int]:
        """The phrasings sharing the most query weight (by the retrieval features)."""
        scratch = self._scratch
        touched: list[int] = []
        keys, starts = self._post_docs, self._post_starts
        for fid in retrieval:
            weight = vector[fid]
            for at in range(starts[fid], starts[fid + 1]):
                doc = keys[at]
                if not scratch[doc]:
                    touched.append(doc)
                scratch[doc] += weight
        best = heapq.nlargest(_CANDIDATES, touched, key=scratch.__getitem__)
        for doc in touched:
            scratch[doc] = 0.0
        return best

    def _scores(self, query: str) -> list[tuple[float, int, float]]:
        """(score 0-1, entry index, naive-Bayes probability) of the candidate entries."""
        self.prepare()
        norm = self._norm(query)
        if not norm or not self._texts:
            return []
        vector, qnorm, retrieval = self._query(norm)
        if not vector:
            return []
        tuning = self.tuning
        cosines = heapq.nlargest(
            _RESCORED,
            (
                (self._phrasing_dot(doc, vector) / (qnorm * self._phrasing_norm(doc)), doc)
                for doc in self._candidates(vector, retrieval)
            ),
        )
        blend = tuning.blend
        best: dict[int, float] = {}
        for cosine, doc in cosines:
            text = self._texts[doc]
            partial = fuzz.partial_ratio(norm, text) / 100 if len(text) >= 3 else 0.0
            score = (
                blend[0] * cosine + blend[1] * fuzz.ratio(norm, text) / 100 + blend[2] * partial
            )
            owner = self._owners[doc]
            if score > best.get(owner, -1.0):
                best[owner] = score
        if not best:
            return []
        likelihood = self._naive_bayes(vector, best)
        top = max(likelihood.values())
        temperature = tuning.nb_temperature
        exps = {e: math.exp((v - top) / temperature) for e, v in likelihood.items()}
        total = sum(exps.values())
        share = tuning.phrasing_share
        scored = []
        for entry, phrasing in best.items():
            pooled = self._pooled_cosine(entry, vector) / qnorm
            probability = exps[entry] / total
            similarity = share * phrasing + (1 - share) * pooled
            scored.append((similarity + tuning.nb_weight * probability, entry, probability))
        scored.sort(reverse=True)
        return scored

    def _pooled_cosine(self, entry: int, vector: dict[int, float]) -> float:
        base = self._base
        total = 0.0
        for fid, weight in vector.items():
            count = self._entry_count(entry, fid)
            if count:
                total += weight * base[fid] * _TF[min(count, 255)]
        return total / self._entry_norm(entry)

    def _naive_bayes(
        self, vector: dict[int, float], candidates: dict[int, float]
    ) -> dict[int, float]:
        """Each candidate's log-likelihood of the query under its pooled vocabulary, with each
        feature weighted by its IDF (constant terms dropped: only differences matter)."""
        alpha = self.tuning.nb_alpha
        log_alpha = math.log(alpha)
        smoothing = alpha * self._vocabulary_size
        weight_sum = sum(self._idf[fid] for fid in vector)
        scores = {}
        for entry in candidates:
            total = -weight_sum * math.log(self._entry_totals[entry] + smoothing)
            for fid in vector:
                count = self._entry_count(entry, fid)
                if count:
                    total += self._idf[fid] * (math.log(count + alpha) - log_alpha)
            scores[entry] = total
        return scores

    def rank(self, query: str, limit: int = 5) -> list[FaqHit]:
        """The best-scoring entries for ``query``, best first (score 0-100)."""
        return [
            FaqHit(self.entries[entry], round(100 * min(score, 1.0), 1))
            for score, entry, _ in self._scores(query)[:limit]
        ]

    # --- deciding ----------------------------------------------------------------------

    def evidence(self, query: str) -> tuple[list[tuple[float, int, float]], tuple[float, ...]]:
        """The scored entries, a year asked for agreed on, and the :meth:`signals` of the best
        (none when nothing scored): what the decision model reads (bench/decision_fit.py
        fits it on the same)."""
        scored = self._scores(query)
        if not scored:
            return scored, ()
        scored = self._agree_on_years(query, scored)
        return scored, self.signals(query, scored)

    def confidence(self, query: str) -> tuple[float, list[tuple[float, int, float]]]:
        """The model's probability that the best entry is right, and the scored entries."""
        scored, signals = self.evidence(query)
        if not signals:
            return 0.0, scored
        logit = self.tuning.model[0] + sum(
            w * x for w, x in zip(self.tuning.model[1:], signals, strict=True)
        )
        return 1 / (1 + math.exp(-max(min(logit, 30.0), -30.0))), scored

    def signals(self, query: str, scored: list[tuple[float, int, float]]) -> tuple[float, ...]:
        """What the decision model weighs (after :meth:`_scores` of the same query): the best
        score, its lead over the best entry on another subject, its naive-Bayes probability,
        the log of the query's size, the share of the query's weight the best entry's
        phrasings share, and the share no phrasing anywhere shares."""
        best, entry, probability = scored[0]
        subject = self._subjects[entry]
        other = next((s for s, e, _ in scored[1:] if self._subjects[e] != subject), 0.0)
        size = content_size(normalise(query))
        vector, unseen = self._last
        total = sum(vector.values()) or 1.0
        covered = sum(w for fid, w in vector.items() if self._entry_count(entry, fid)) / total
        return (best, best - other, probability, math.log(1 + size), covered, unseen)

    def _agree_on_years(
        self, query: str, scored: list[tuple[float, int, float]]
    ) -> list[tuple[float, int, float]]:
        """A year asked for is a year answered: entries that name it come first, and entries
        that speak of other years only are dropped."""
        asked = years(query)
        if not asked:
            return scored
        naming = [s for s in scored if asked & self._years[s[1]]]
        silent = [s for s in scored if not self._years[s[1]]]
        return naming + silent

    def decide(self, query: str) -> FaqDecision:
        """Answer, suggest, chat back or give up on ``query``."""
        kind = self.vocabulary.smalltalk_kind(query)
        if kind is not None:
            return FaqDecision(query, Outcome.SMALLTALK, (), smalltalk=kind)
        tuning = self.tuning
        probability, scored = self.confidence(query)
        hits = tuple(
            FaqHit(self.entries[entry], round(100 * min(score, 1.0), 1))
            for score, entry, _ in scored[: MAX_SUGGESTIONS + 2]
        )
        short = content_size(normalise(query)) < tuning.min_content
        if hits and not short and probability >= tuning.answer_at:
            return FaqDecision(query, Outcome.ANSWERED, hits[:MAX_SUGGESTIONS], probability)
        floor = tuning.short_suggest_from if short else tuning.suggest_from
        suggestions = self._suggestions([hit for hit in hits if hit.score >= floor])
        if suggestions and (short or probability >= tuning.suggest_at):
            return FaqDecision(query, Outcome.SUGGESTED, suggestions, probability)
        return FaqDecision(query, Outcome.UNANSWERED, (), probability)

    @staticmethod
    def _suggestions(hits: list[FaqHit]) -> tuple[FaqHit, ...]:
        """The best first; its siblings (one subject) next to it, so the buttons read as a
        choice between them; then the rest."""
        if not hits:
            return ()
        subject = subject_of(hits[0].entry.id)
        siblings = [h for h in hits[1:] if subject_of(h.entry.id) == subject]
        others = [h for h in hits[1:] if subject_of(h.entry.id) != subject]
        return tuple([hits[0], *siblings, *others][:MAX_SUGGESTIONS])

    def index_size(self) -> int:
        """Phrasings indexed (for the benchmarks)."""
        self.prepare()
        return len(self._texts)
