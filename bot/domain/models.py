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
    "User",
]

#: Option letters, in order. A question has at most six options.
LETTERS = "ABCDEF"


class QuestionType(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUEFALSE = "truefalse"
    OPEN = "open"


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
    def option_count(self) -> int:
        """How many options a player picks from (two for true/false)."""
        return 2 if self.type is QuestionType.TRUEFALSE else len(self.options)


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
