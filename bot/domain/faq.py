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
    "features",
    "subject_of",
]

#: At most this many "did you mean" suggestions.
MAX_SUGGESTIONS = 3

# Weights of the kinds of features: CJK unigram, CJK bigram, word, letter trigram.
_KIND_WEIGHT = (1.0, 1.0, 1.0, 0.3)
_UNI, _BI, _WORD, _TRI = range(4)
#: Candidate phrasings scored exactly, and of those, re-scored with rapidfuzz.
_CANDIDATES = 100
_RESCORED = 30
#: Features found in more than this share of phrasings are too common to retrieve by,
_COMMON = 0.04
#: and retrieval stops once the features so far reach this many phrasings.
_RETRIEVAL_BUDGET = 3000

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_RUNS = re.compile(f"[{_CJK}]+|[^{_CJK} ]+")
_IS_CJK = re.compile(f"[{_CJK}]")
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


def years(text: str) -> frozenset[str]:
    """The years a text names (1950-2099)."""
    return frozenset(_YEAR.findall(text))


_LOG = [0.0] + [math.log(n) for n in range(1, 16)]
#: 1 + log(tf), by term frequency (capped: a word said 255 times says no more).
_TF = array("f", [0.0] + [1.0 + math.log(n) for n in range(1, 256)])
_WORD_MARK, _TRI_MARK = "\x02", "\x03"


def _keys(norm: str) -> list[str]:
    """:func:`features` as plain strings, cheaper to count and intern: a CJK unigram is one
    character, a bigram two; words and letter trigrams carry a mark."""
    found: list[str] = []
    for run in _RUNS.findall(norm):
        if _IS_CJK.match(run):
            found += run
            found += [run[i : i + 2] for i in range(len(run) - 1)]
            continue
        for word in run.split():
            found.append(_WORD_MARK + word)
            if len(word) > 3:
                padded = f"#{word}#"
                found += [_TRI_MARK + padded[i : i + 3] for i in range(len(padded) - 2)]
    return found


def _kind(key: str) -> int:
    if key[0] == _WORD_MARK:
        return _WORD
    if key[0] == _TRI_MARK:
        return _TRI
    return _UNI if len(key) == 1 else _BI


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
        # One pass: features become ids as they are met; each phrasing is a slice of two flat
        # arrays (feature ids, counts), and each feature knows the phrasings that have it.
        ids: dict[str, int] = {}
        postings: list[list[int]] = []  # feature id -> phrasings that have it
        starts = array("i", [0])  # phrasing -> its slice of fids/tfs
        fids = array("i")
        tfs = array("H")
        texts: list[str] = []
        owners = array("i")
        entry_starts = array("i", [0])  # entry -> its phrasings' slice of fids
        doc = 0
        get = ids.get
        for index, entry in enumerate(self.entries):
            for text in (*entry.questions, *entry.keywords):
                norm = self._norm(text)
                if not norm:
                    continue
                counts = Counter(_keys(norm))
                found = [get(key) for key in counts]
                for at, key in enumerate(counts):
                    fid = found[at]
                    if fid is None:
                        fid = found[at] = ids[key] = len(postings)
                        postings.append([doc])
                    else:
                        postings[fid].append(doc)
                fids.extend(found)  # type: ignore[arg-type]  # no None is left
                tfs.extend(counts.values())  # a phrasing is at most 200 characters
                starts.append(len(fids))
                texts.append(norm)
                owners.append(index)
                doc += 1
            entry_starts.append(len(fids))
        total = max(doc, 1)
        self._ids = ids
        self._idf = array("f", [math.log(1 + total / len(docs)) for docs in postings])
        weight = _KIND_WEIGHT
        self._base = array("f", [weight[_kind(key)] * self._idf[fid] for key, fid in ids.items()])
        self._unseen_idf = math.log(1 + total)
        self._texts = texts
        self._owners = owners
        self._starts, self._fids, self._tfs = starts, fids, tfs
        self._norms = array("f", bytes(4 * total))  # computed when first needed
        self._post_starts = array("i", [0])
        self._post_docs = array("i")
        for docs in postings:
            self._post_docs.extend(docs)
            self._post_starts.append(len(self._post_docs))
        del postings
        self._common = max(_COMMON * total, 2.0)
        self._scratch = [0.0] * total  # per-phrasing sums, zeroed after each query
        # Entries: how many of its phrasings have each feature (naive Bayes, pooled cosine).
        self._entry_starts = array("i", [0])
        self._entry_fids = array("i")
        self._entry_counts = array("I")
        self._entry_totals = array("f")
        for index in range(len(self.entries)):
            mine = fids[entry_starts[index] : entry_starts[index + 1]]
            counted = Counter(mine)
            ordered = sorted(counted)
            self._entry_fids.extend(ordered)
            self._entry_counts.extend([counted[fid] for fid in ordered])
            self._entry_starts.append(len(self._entry_fids))
            self._entry_totals.append(float(len(mine)))
        self._entry_norms = array("f", bytes(4 * len(self.entries)))
        self._years = [years(" ".join((*e.questions, e.answer))) for e in self.entries]
        self._vocabulary_size = max(len(ids), 1)
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
            fid = self._ids.get(key)
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
