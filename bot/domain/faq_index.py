"""The FAQ matcher's index of features, built for the whole FAQ at once with NumPy.

A feature is what :mod:`bot.domain.faq` compares texts by: a Chinese character, a pair of
neighbouring ones, a word of other scripts, or a letter trigram of a longer word. Each is
coded as one integer, so that the index is built by sorting arrays instead of a dictionary
look-up per feature in Python (at 50,000 phrasings, about 3 million of them):

* a character: its code point (below 2**16: the CJK ranges matched are in the BMP);
* a pair: ``first << 16 | second`` (at least 0x3400 << 16, below 2**32);
* a word or trigram: ``2**32 + 2 * k + (1 if a trigram)``, ``k`` its number in
  :attr:`FeatureIndex.words`.

Feature ids are the positions of the codes in :attr:`FeatureIndex.codes` (sorted), which is
how a query finds them (:meth:`FeatureIndex.fid`). Everything the matcher keeps is a flat
``array`` (compact, and fast to index from Python); NumPy is only used while building.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["CJK", "TRI_MARK", "WORD_MARK", "FeatureIndex", "build_index", "code_kind"]

CJK = "\u3400-\u9fff\uf900-\ufaff"
#: Marks of a word and of a letter trigram among feature keys (:func:`bot.domain.faq._keys`).
WORD_MARK, TRI_MARK = "\x02", "\x03"
#: Kinds of features (the order of ``_KIND_WEIGHT`` in :mod:`bot.domain.faq`).
UNI, BI, WORD, TRI = range(4)

_OTHER_RUNS = re.compile(f"[^{CJK} ]+")
_WORDS_FROM = 1 << 32
#: Bits left for a feature's code in the sort keys below: doc or entry above them.
_CODE_BITS = 34
_CODE_MASK = (1 << _CODE_BITS) - 1
_SEPARATOR = 10  # "\n": normalised text never holds it
#: Phrasings read at a time while building.
_CHUNK = 4096


def code_kind(code: int) -> int:
    if code < 1 << 16:
        return UNI
    if code < _WORDS_FROM:
        return BI
    return TRI if code & 1 else WORD


def word_keys(norm: str) -> Iterator[str]:
    """The keys of the words (and letter trigrams) of normalised text: its non-CJK runs."""
    for run in _OTHER_RUNS.findall(norm):
        for word in run.split():
            yield WORD_MARK + word
            if len(word) > 3:
                padded = f"#{word}#"
                for i in range(len(padded) - 2):
                    yield TRI_MARK + padded[i : i + 3]


@dataclass(slots=True)
class FeatureIndex:
    """Phrasings as slices of feature ids and counts; features as slices of phrasings."""

    #: Each feature's code, sorted: a feature's id is its position here.
    codes: array[int]
    #: Words and trigrams (with their marks) by their number ``k`` in the code.
    words: dict[str, int]
    #: Phrasing -> its slice of ``fids``/``tfs`` (ascending feature ids).
    starts: array[int]
    fids: array[int]
    tfs: array[int]
    #: Feature -> its slice of ``post_docs`` (ascending phrasings).
    post_starts: array[int]
    post_docs: array[int]
    #: Entry -> its slice of ``entry_fids``/``entry_counts``: how many of its phrasings have
    #: each feature; and how many (phrasing, feature) pairs it has in all.
    entry_starts: array[int]
    entry_fids: array[int]
    entry_counts: array[int]
    entry_totals: array[float]

    def fid(self, key: str) -> int | None:
        """The id of a feature key (:func:`bot.domain.faq._keys`), None if no phrasing has it."""
        head = key[0]
        if head == WORD_MARK or head == TRI_MARK:
            number = self.words.get(key)
            if number is None:
                return None
            code = _WORDS_FROM + 2 * number + (head == TRI_MARK)
        elif len(key) == 1:
            code = ord(key)
        else:
            code = ord(key[0]) << 16 | ord(key[1])
        at = bisect_left(self.codes, code)
        return at if at < len(self.codes) and self.codes[at] == code else None

    def document_frequency(self, fid: int) -> int:
        return self.post_starts[fid + 1] - self.post_starts[fid]


def build_index(
    texts: Sequence[str], owners: Sequence[int], entries: int, chunk: int = _CHUNK
) -> FeatureIndex:
    """The index of normalised ``texts`` (none empty), ``owners[i]`` the entry of text i.

    The phrasings are read ``chunk`` at a time, and each array is let go as soon as the next
    is made, so that building needs little more memory than the index it leaves.
    """
    words: dict[str, int] = {}
    firsts = range(0, max(len(texts), 1), chunk)  # no text: one empty chunk
    chunks = [_pairs(texts[first : first + chunk], first, words) for first in firsts]
    # Each (phrasing, feature) once, with how often the phrasing has it: sorted by phrasing,
    # then feature (code order is id order).
    pairs = np.concatenate([part for part, _ in chunks])
    counts = np.concatenate([count for _, count in chunks])
    del chunks
    pair_docs = (pairs >> _CODE_BITS).astype(np.int32)
    pairs &= _CODE_MASK
    table = np.unique(pairs)
    pair_fids = np.searchsorted(table, pairs).astype(np.int32)
    del pairs
    starts = np.searchsorted(pair_docs, np.arange(len(texts) + 1))
    # Postings: the phrasings of each feature, by a stable sort of the pairs by feature.
    frequency = np.bincount(pair_fids, minlength=len(table))
    post_starts = np.concatenate(([0], np.cumsum(frequency)))
    post_docs = _array("i", pair_docs[np.argsort(pair_fids, kind="stable")])
    # Entries: in how many of its phrasings each feature is.
    pair_entries = np.asarray(owners, dtype=np.int64)[pair_docs]
    del pair_docs
    entry_totals = _array("f", np.bincount(pair_entries, minlength=entries))
    pair_entries <<= _CODE_BITS
    pair_entries |= pair_fids
    entry_pairs, entry_counts = np.unique(pair_entries, return_counts=True)
    del pair_entries
    entry_starts = np.searchsorted(entry_pairs >> _CODE_BITS, np.arange(entries + 1))
    return FeatureIndex(
        codes=_array("q", table),
        words=words,
        starts=_array("i", starts),
        fids=_array("i", pair_fids),
        tfs=_array("H", counts),
        post_starts=_array("i", post_starts),
        post_docs=post_docs,
        entry_starts=_array("i", entry_starts),
        entry_fids=_array("i", entry_pairs & _CODE_MASK),
        entry_counts=_array("I", entry_counts),
        entry_totals=entry_totals,
    )


def _pairs(
    texts: Sequence[str], first: int, words: dict[str, int]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint16]]:
    """The (phrasing, feature) pairs of some texts, the first of them phrasing ``first``, as
    sorted ``phrasing << _CODE_BITS | code`` keys, and how often each phrasing has each
    feature (at most 255). Words met are numbered in ``words``."""
    points = np.frombuffer("\n".join(texts).encode("utf-32-le"), dtype=np.uint32)
    doc_of = np.cumsum(points == _SEPARATOR, dtype=np.int64)
    doc_of += first
    doc_of <<= _CODE_BITS
    cjk = ((points >= 0x3400) & (points <= 0x9FFF)) | ((points >= 0xF900) & (points <= 0xFAFF))
    pair = cjk[:-1] & cjk[1:]
    wide = points.astype(np.int64)
    keys = [doc_of[cjk] | wide[cjk], doc_of[:-1][pair] | (wide[:-1][pair] << 16) | wide[1:][pair]]
    # Words and trigrams (other scripts, digits): few in Chinese text, interned in Python.
    found: list[int] = []
    for doc, norm in enumerate(texts, start=first):
        if not _OTHER_RUNS.search(norm):
            continue
        for key in word_keys(norm):
            number = words.setdefault(key, len(words))
            found.append(doc << _CODE_BITS | _WORDS_FROM + 2 * number + (key[0] == TRI_MARK))
    keys.append(np.asarray(found, dtype=np.int64))
    unique, counts = np.unique(np.concatenate(keys), return_counts=True)
    return unique, np.minimum(counts, 255).astype(np.uint16)


def _array(typecode: str, values: npt.NDArray[np.generic]) -> array[Any]:
    """A NumPy array as a compact ``array`` of ``typecode`` (one copy, in C)."""
    dtype = {"q": np.int64, "i": np.int32, "H": np.uint16, "I": np.uint32, "f": np.float32}
    return array(typecode, np.ascontiguousarray(values, dtype=dtype[typecode]).tobytes())
