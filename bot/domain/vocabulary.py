"""Domain vocabulary: the words people type, mapped to the words the banks use.

People write 工商 for 市场监管部门, 退一赔三 for the fraud rule, 霸王条款 for standard terms.
A vocabulary (one per language, kept by organizers in ``questions/vocabulary/<lang>.yaml``)
lists, for each of the banks' terms, what people say instead. Before matching, a text that
contains any of those words gets the term added (the words stay), so a query and a phrasing
that say the same thing in different words share features. The same vocabulary lists the
small talk ("你好", "谢谢") the bot answers with a word and its menu instead of the FAQ.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.domain.text import normalise

__all__ = ["SMALLTALK_KINDS", "TermGroup", "Vocabulary"]

#: The kinds of small talk, each with its reply text ``smalltalk_<kind>``.
SMALLTALK_KINDS = ("greeting", "thanks", "bye", "who", "praise", "ok")
#: Characters people add around small talk: "你好呀~", "谢谢啦！".
_FILLER = re.compile(r"[呀啊啦哈嘛呢哦喔吖噢~～\s!！。.,，?？]+")


@dataclass(frozen=True, slots=True)
class TermGroup:
    """One of the banks' terms and the words people use for it."""

    term: str
    variants: tuple[str, ...]


@dataclass(slots=True)
class Vocabulary:
    """The term groups and small talk of one language."""

    groups: tuple[TermGroup, ...] = ()
    smalltalk: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    _terms: dict[str, set[str]] = field(default_factory=dict, init=False, repr=False)
    #: Words by their first two characters (or the one of a one-character word), longest
    #: first: a text is searched only where a word could start (a regular expression of
    #: hundreds of whole words was the slowest part of indexing the FAQ).
    _by_first: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False)
    _starts: re.Pattern[str] | None = field(default=None, init=False, repr=False)
    _small: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for group in self.groups:
            term = normalise(group.term)
            for variant in (group.term, *group.variants):
                norm = normalise(variant)
                if norm and norm != term:
                    self._terms.setdefault(norm, set()).add(term)
        for word in sorted(self._terms, key=len, reverse=True):
            self._by_first.setdefault(word[:2], []).append(word)
        if self._by_first:
            # Where a word may start: its first character, or its first two (one pass in C).
            first = "".join(sorted({re.escape(head[0]) for head in self._by_first}))
            self._starts = re.compile(f"[{first}]")
        for kind, phrases in self.smalltalk.items():
            for phrase in phrases:
                self._small[_bare(normalise(phrase))] = kind

    @classmethod
    def merged(cls, parts: Iterable[Vocabulary]) -> Vocabulary:
        """One vocabulary from several files of a language."""
        groups: list[TermGroup] = []
        small: dict[str, list[str]] = {}
        for part in parts:
            groups += part.groups
            for kind, phrases in part.smalltalk.items():
                small.setdefault(kind, []).extend(phrases)
        return cls(tuple(groups), {k: tuple(v) for k, v in small.items()})

    def __len__(self) -> int:
        return len(self._terms)

    def expand(self, norm: str) -> str:
        """Normalised text with the banks' term added after each word that stands for one."""
        if self._starts is None:
            return norm
        found: set[str] = set()
        by_head = self._by_first
        for match in self._starts.finditer(norm):
            at = match.start()
            for head in (norm[at : at + 2], match.group()):
                for word in by_head.get(head, ()):
                    if norm.startswith(word, at):
                        found |= self._terms[word]
                        break
        found -= {t for t in found if t in norm}
        return f"{norm} {' '.join(sorted(found))}" if found else norm

    def smalltalk_kind(self, text: str) -> str | None:
        """The kind of small talk ``text`` is, when it is nothing but that."""
        bare = _bare(normalise(text))
        return self._small.get(bare) if bare else None


def _bare(norm: str) -> str:
    return _FILLER.sub("", norm)
