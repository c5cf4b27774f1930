"""Grading answers and scoring solo play. Pure functions: no I/O, no clock."""

from __future__ import annotations

import unicodedata

from rapidfuzz.distance import Levenshtein

from bot.domain.models import LETTERS, Question, QuestionType
from bot.domain.text import normalise

__all__ = [
    "Response",
    "choice_letters",
    "grade",
    "letters_to_indexes",
    "match_typed",
    "solo_points",
    "valid_response",
]

#: A player's response: picked option indexes, or a typed text for open questions.
Response = frozenset[int] | str

#: Points for a right answer in solo play, per level of difficulty.
SOLO_POINTS_PER_LEVEL = 100


def letters_to_indexes(letters: str) -> frozenset[int]:
    """'AC' -> {0, 2}. Unknown letters raise ValueError."""
    indexes = set()
    for letter in letters:
        index = LETTERS.find(letter)
        if index < 0:
            raise ValueError(f"not an option letter: {letter!r}")
        indexes.add(index)
    return frozenset(indexes)


def choice_letters(indexes: frozenset[int]) -> str:
    """{2, 0} -> 'AC'."""
    return "".join(LETTERS[i] for i in sorted(indexes))


def match_typed(typed: str, accepted: tuple[str, ...]) -> bool:
    """Whether a typed answer matches one of the accepted variants.

    Compared on normalised characters (Chinese has no spaces). A close misspelling counts:
    one character off in answers of 4 to 7 characters, two in longer ones. Short answers
    and answers with digits (a hotline, a number of days) must match exactly.
    """
    given = normalise(typed)
    if not given:
        return False
    for variant in accepted:
        want = normalise(variant)
        if given == want:
            return True
        if any(ch.isdigit() for ch in want + given) or len(want) < 4:
            continue
        allowed = 1 if len(want) < 8 else 2
        if Levenshtein.distance(given, want, score_cutoff=allowed) <= allowed:
            return True
    return False


#: What may stand between typed option letters: "A,C", "a c", "A、C".
_LETTER_GAPS = str.maketrans("", "", " ,，、;；")


def typed_letters(text: str, question: Question) -> frozenset[int] | None:
    """Option letters typed instead of tapped ("B", "ac", "Ａ、Ｃ") as a response to a
    question with lettered options; None when the text is not that (then it is a question
    for the FAQ, as any other text)."""
    if not question.rules.listed or question.rules.typed:
        return None
    letters = unicodedata.normalize("NFKC", text).translate(_LETTER_GAPS).upper()
    try:
        picked = letters_to_indexes(letters)
    except ValueError:  # not option letters at all
        return None
    if len(picked) != len(letters) or not valid_response(question, picked):
        return None  # empty, a letter twice, or options the question does not have
    return picked


def valid_response(question: Question, response: Response) -> bool:
    """Whether ``response`` is one a player could give: a text for a typed question; for
    the others, options the question has (one, unless it takes several). A forged button
    press fails here and is stored nowhere."""
    if question.rules.typed:
        return isinstance(response, str)
    if isinstance(response, str) or not response:
        return False
    if not all(0 <= index < question.option_count for index in response):
        return False
    return question.rules.many or len(response) == 1


def grade(question: Question, response: Response) -> bool:
    """True when ``response`` is the right answer to ``question``."""
    if question.type is QuestionType.OPEN:
        return isinstance(response, str) and match_typed(response, question.accepted)
    if isinstance(response, str):
        return False
    return response == question.answer


def solo_points(question: Question, correct: bool) -> int:
    """Points for one answer in solo play: harder questions are worth more."""
    return SOLO_POINTS_PER_LEVEL * question.difficulty if correct else 0
