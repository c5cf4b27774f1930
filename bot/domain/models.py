"""Domain values: banks, questions and FAQ entries, as loaded and validated."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "LETTERS",
    "Bank",
    "FaqEntry",
    "Question",
    "QuestionType",
    "TypeRules",
    "User",
]

#: Option letters, in order. A question has at most six options.
LETTERS = "ABCDEF"


class QuestionType(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUEFALSE = "truefalse"
    OPEN = "open"

    @property
    def rules(self) -> TypeRules:
        """How questions of this type are asked and answered."""
        return _RULES[self]


@dataclass(frozen=True, slots=True)
class TypeRules:
    """What a question type means for everyone who shows or grades it.

    Views, keyboards, grading, the schema and the statistics ask these questions of a
    question instead of testing its type, so a new type is one line here (and its texts
    and keyboard), not a branch in every module.
    """

    #: Answered by typing a text (no buttons, no options).
    typed: bool = False
    #: Several options may be right; players tick, then submit.
    many: bool = False
    #: The options come from the bank (else fixed labels, or none).
    listed: bool = True
    #: Text keys of the fixed options when the bank gives none (true/false).
    fixed: tuple[str, ...] = ()

    @property
    def one_pick(self) -> bool:
        """Answered by one press: fit for the daily question."""
        return not (self.typed or self.many)


_RULES = {
    QuestionType.SINGLE: TypeRules(),
    QuestionType.MULTIPLE: TypeRules(many=True),
    QuestionType.TRUEFALSE: TypeRules(listed=False, fixed=("true", "false")),
    QuestionType.OPEN: TypeRules(typed=True, listed=False),
}


@dataclass(frozen=True, slots=True)
class Question:
    """One quiz question.

    ``answer`` holds the indexes of the right options for choice questions (for a
    true/false question option 0 is "true" and option 1 is "false"), and is empty for
    open questions, whose accepted texts are in ``accepted``.
    """

    id: str
    bank_id: str
    language: str
    type: QuestionType
    text: str
    options: tuple[str, ...]
    answer: frozenset[int]
    accepted: tuple[str, ...]
    explanation: str
    source: str
    tags: tuple[str, ...]
    difficulty: int

    @property
    def rules(self) -> TypeRules:
        return self.type.rules

    @property
    def option_count(self) -> int:
        """How many options a player picks from (two for true/false, none when typed)."""
        rules = self.type.rules
        return len(rules.fixed) if rules.fixed else len(self.options)

    def is_option(self, letter: str) -> bool:
        """Whether ``letter`` names one of the options (a forged press names none)."""
        index = LETTERS.find(letter)
        return len(letter) == 1 and 0 <= index < self.option_count


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One FAQ entry: phrasings people type, and the answer with its source."""

    id: str
    bank_id: str
    language: str
    questions: tuple[str, ...]
    answer: str
    source: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Bank:
    """A bank's metadata and content, from one file."""

    id: str
    title: str
    language: str
    path: str
    description: str = ""
    questions: tuple[Question, ...] = ()
    faq: tuple[FaqEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class User:
    """A player, whichever front end they come from."""

    id: int
    name: str
    username: str | None = None
    language: str = "zh"
