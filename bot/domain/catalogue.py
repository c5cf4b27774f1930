"""The catalogue: every loaded bank, indexed for the engine. A reload builds a new one."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from bot.domain import languages
from bot.domain.args import bounded
from bot.domain.faq import FaqMatcher, Tuning
from bot.domain.learning import daily_pool
from bot.domain.models import Bank, FaqEntry, Question
from bot.domain.text import normalise
from bot.domain.vocabulary import Vocabulary

__all__ = ["Catalogue", "Topic"]


@dataclass(frozen=True, slots=True)
class Topic:
    """A bank offered as a quiz topic."""

    id: str
    title: str
    language: str
    count: int


class Catalogue:
    """Banks, questions by id, FAQ entries by id, and one FAQ matcher per language."""

    def __init__(
        self,
        banks: tuple[Bank, ...],
        vocabularies: Mapping[str, Vocabulary] | None = None,
        vocabulary_files: Mapping[str, tuple[str, Vocabulary]] | None = None,
    ) -> None:
        self.banks = banks
        #: Each language's vocabulary (words people use -> the banks' terms, small talk).
        self.vocabularies: Mapping[str, Vocabulary] = vocabularies or {}
        #: The files they came from, for a reload to keep a broken file's previous version.
        self.vocabulary_files: Mapping[str, tuple[str, Vocabulary]] = vocabulary_files or {}
        self.questions: dict[str, Question] = {q.id: q for bank in banks for q in bank.questions}
        self.faq: dict[str, FaqEntry] = {f.id: f for bank in banks for f in bank.faq}
        self._daily_pools: dict[str, list[Question]] = {}

    @classmethod
    def empty(cls) -> Catalogue:
        return cls(())

    def __repr__(self) -> str:
        return (
            f"Catalogue({len(self.banks)} banks, {len(self.questions)} questions, "
            f"{len(self.faq)} FAQ entries)"
        )

    @cached_property
    def _matchers(self) -> dict[str, FaqMatcher]:
        by_language: dict[str, list[FaqEntry]] = {}
        for entry in self.faq.values():
            by_language.setdefault(entry.language, []).append(entry)
        return {
            lang: FaqMatcher(entries, self.vocabulary(lang), Tuning.for_language(lang))
            for lang, entries in by_language.items()
        }

    @cached_property
    def _by_tag(self) -> dict[str, list[Question]]:
        """Questions by normalised tag, in catalogue order."""
        index: dict[str, list[Question]] = {}
        for question in self.questions.values():
            for tag in {normalise(tag) for tag in question.tags}:
                index.setdefault(tag, []).append(question)
        return index

    def tagged(self, tag: str, language: str | None = None) -> list[Question]:
        """The questions with ``tag`` (in ``language``, or in any when None)."""
        return [
            q
            for q in self._by_tag.get(normalise(tag), ())
            if language is None or q.language == language
        ]

    def daily_pool(self, language: str) -> list[Question]:
        """The questions that can be the daily question in ``language``, in their order."""
        if language not in self._daily_pools:
            self._daily_pools[language] = daily_pool(list(self.questions.values()), language)
        return self._daily_pools[language]

    def matcher(self, language: str) -> FaqMatcher:
        """The FAQ matcher of one language (an empty one when there is no FAQ in it)."""
        return self._matchers.get(language) or FaqMatcher([], self.vocabulary(language))

    def vocabulary(self, language: str) -> Vocabulary:
        """The vocabulary of one language (an empty one when it has none)."""
        return self.vocabularies.get(language) or Vocabulary()

    def faq_language(self, text: str, preferred: str | None = None) -> str:
        """The FAQ to search for ``text`` (see :func:`languages.faq_language`)."""
        return languages.faq_language(
            text, preferred or languages.DEFAULT, frozenset(self._matchers)
        )

    def warm(self) -> None:
        """Build the FAQ indexes now rather than on the first question."""
        for matcher in self._matchers.values():
            matcher.prepare()

    def topics(self, language: str | None = None) -> list[Topic]:
        """Banks with questions, in the given language (all languages when None)."""
        return [
            Topic(b.id, b.title, b.language, len(b.questions))
            for b in self.banks
            if b.questions and (language is None or b.language == language)
        ]

    def listed_topics(self, language: str | None = None) -> list[Topic]:
        """Every topic, as numbered for a user of ``language``: the topics in ``language``
        first, then the others. ``/quiz N`` plays the N-th of this list."""
        own = self.topics(language)
        return [*own, *(topic for topic in self.topics() if topic not in own)]

    def find_topic(self, query: str, language: str | None = None) -> list[Question] | None:
        """The questions of the topic ``query`` names: a number, a bank id, a bank title or a
        tag.

        A number picks the n-th topic of :meth:`listed_topics` for ``language``. A name in
        ``language`` comes first; failing that, one in any language. Returns None when
        nothing matches.
        """
        wanted = normalise(query)
        if not wanted:
            return None
        listed = self.listed_topics(language)
        number = bounded(query.strip(), 1, len(listed))  # ASCII digits only
        if number is not None:
            return list(self._bank(listed[number - 1].id).questions)
        found = self._find_named(wanted, language)
        if found is None and language is not None:
            found = self._find_named(wanted, None)
        return found

    def _find_named(self, wanted: str, language: str | None) -> list[Question] | None:
        """The topic a normalised name ``wanted`` names (in ``language``, or in any)."""
        for bank in self.banks:
            if (
                wanted in (normalise(bank.id), normalise(bank.title))
                and bank.questions
                and language in (None, bank.language)
            ):
                return list(bank.questions)
        tagged = [q for q in self._by_tag.get(wanted, ()) if language in (None, q.language)]
        if tagged:
            return tagged
        # A word of a title ("征信", "food") is a fair way to name a topic too; a number only
        # as a whole word ("2024"), not as a piece of one (/quiz 20 is no topic).
        for bank in self.banks:
            title = normalise(bank.title)
            if (
                bank.questions
                and (wanted in title.split() if wanted.isdigit() else wanted in title)
                and (language is None or bank.language == language)
            ):
                return list(bank.questions)
        return None

    def _bank(self, bank_id: str) -> Bank:
        return next(b for b in self.banks if b.id == bank_id)

    def pick(
        self,
        count: int,
        rng: random.Random,
        language: str | None = None,
        pool: list[Question] | None = None,
    ) -> list[Question]:
        """``count`` distinct questions drawn from ``pool`` (default: :meth:`in_language`)."""
        if pool is None:
            pool = self.in_language(language)
        return rng.sample(pool, min(count, len(pool)))

    def in_language(self, language: str | None) -> list[Question]:
        """The questions in ``language``; every question when there are none in it."""
        pool = [q for q in self.questions.values() if language in (None, q.language)]
        return pool or list(self.questions.values())
