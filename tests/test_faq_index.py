"""The FAQ's feature index, built with arrays, against its definition counted one by one."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.faq import _keys
from bot.domain.faq_index import build_index
from bot.domain.text import normalise

#: Chinese characters (two CJK blocks), Latin letters and digits, spaces: what normalised
#: text is made of, with enough repeats for shared features.
_ALPHABET = "退货网购赔偿三倍欺诈征信異議豈兀abcxyz0123 "


Reference = tuple[list[Counter[str]], dict[str, list[int]], list[Counter[str]]]


def _reference(texts: list[str], owners: list[int], entries: int) -> Reference:
    """The index as the matcher defines it, counted with dictionaries: each phrasing's
    features, each feature's phrasings, and in how many of its phrasings an entry has each."""
    per_doc = [Counter(_keys(text)) for text in texts]
    docs_of: dict[str, list[int]] = {}
    for doc, counts in enumerate(per_doc):
        for key in counts:
            docs_of.setdefault(key, []).append(doc)
    per_entry: list[Counter[str]] = [Counter() for _ in range(entries)]
    for doc, counts in enumerate(per_doc):
        per_entry[owners[doc]].update(counts.keys())
    return per_doc, docs_of, per_entry


def _texts() -> st.SearchStrategy[list[str]]:
    text = st.text(_ALPHABET, min_size=1, max_size=30).map(normalise).filter(bool)
    return st.lists(text, min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(_texts(), st.data())
def test_the_index_holds_every_feature_of_every_phrasing(texts: list[str], data: st.DataObject):
    entries = data.draw(st.integers(1, len(texts)))
    owners = sorted(
        data.draw(st.lists(st.integers(0, entries - 1), min_size=len(texts), max_size=len(texts)))
    )
    chunk = data.draw(st.integers(1, 5))  # phrasings read at a time: chunks meet
    index = build_index(texts, owners, entries, chunk)
    per_doc, postings, per_entry = _reference(texts, owners, entries)

    def key_of(fid: int) -> str:
        return next(k for k in postings if index.fid(k) == fid)

    for doc, counts in enumerate(per_doc):
        lo, hi = index.starts[doc], index.starts[doc + 1]
        found = {key_of(index.fids[at]): index.tfs[at] for at in range(lo, hi)}
        assert found == dict(counts)
        assert list(index.fids[lo:hi]) == sorted(index.fids[lo:hi])
    for key, docs in postings.items():
        fid = index.fid(key)
        assert fid is not None
        assert list(index.post_docs[index.post_starts[fid] : index.post_starts[fid + 1]]) == docs
    for entry, counts in enumerate(per_entry):
        lo, hi = index.entry_starts[entry], index.entry_starts[entry + 1]
        found = {key_of(index.entry_fids[at]): index.entry_counts[at] for at in range(lo, hi)}
        assert found == dict(counts)
        assert index.entry_totals[entry] == sum(counts.values())
    assert len(index.codes) == len(postings)


def test_a_feature_no_phrasing_has_has_no_id() -> None:
    index = build_index(["网购退货", "refund policy"], [0, 1], 2)
    assert index.fid("网") is not None and index.fid("网购") is not None
    assert index.fid("\x02refund") is not None and index.fid("\x03ref") is not None
    for unseen in ("赔", "购网", "\x02policy2", "\x03zzz", "\x02网"):
        assert index.fid(unseen) is None


def test_an_empty_faq_has_an_empty_index() -> None:
    index = build_index([], [], 0)
    assert len(index.codes) == 0 and list(index.starts) == [0] and index.fid("网") is None
