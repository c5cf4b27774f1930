"""Callback data: what an inline button carries, at most 64 bytes, parsed without trust.

Buttons carry short numeric references (a round or contest id, a question's position,
option letters), never texts. :func:`decode` never raises: forged or garbled data gives None,
and the engine still checks that the reference is the caller's and current.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain import languages

__all__ = [
    "MAX_BYTES",
    "Callback",
    "ContestAnswer",
    "ContestJoin",
    "ContestRank",
    "ContestToggle",
    "DailyAnswer",
    "FaqPick",
    "FaqVote",
    "InstallChoice",
    "MenuPick",
    "ResultsPick",
    "ReviewPick",
    "SoloAnswer",
    "SoloToggle",
    "TopicPick",
    "decode",
    "encode",
]

MAX_BYTES = 64
MENU_ACTIONS = ("quiz", "topics", "score", "leaderboard", "help", "review", "daily", "progress")

_NUM = r"(0|[1-9][0-9]{0,15})"
_LETTERS = r"([A-F]{0,6})"
_IDENT = r"([A-Za-z0-9_.-]{1,48})"


@dataclass(frozen=True, slots=True)
class SoloAnswer:
    round_id: int
    position: int
    letters: str


@dataclass(frozen=True, slots=True)
class SoloToggle:
    """A tick on a multiple-choice option; ``letters`` is the selection after the tick."""

    round_id: int
    position: int
    letters: str


@dataclass(frozen=True, slots=True)
class ContestAnswer:
    contest_id: int
    position: int
    letters: str


@dataclass(frozen=True, slots=True)
class ContestToggle:
    contest_id: int
    position: int
    letters: str


@dataclass(frozen=True, slots=True)
class ContestJoin:
    contest_id: int


@dataclass(frozen=True, slots=True)
class ContestRank:
    """ "My rank" under a contest's podium."""

    contest_id: int


@dataclass(frozen=True, slots=True)
class ResultsPick:
    """An organizer picks a contest to download its results."""

    contest_id: int


@dataclass(frozen=True, slots=True)
class DailyAnswer:
    """An answer to the question ``question_id`` of a day (by its ordinal) in a language.

    At most 2 + 6 + 1 + 3 + 1 + 48 + 1 + 1 = 63 bytes: the ordinal has six digits until the
    year 2738, and ids are at most 48 characters (the bank schema)."""

    ordinal: int
    language: str
    question_id: str
    letters: str


@dataclass(frozen=True, slots=True)
class FaqPick:
    """A "did you mean" tapped: the query it answered and the suggestion's position."""

    query_id: int
    position: int


@dataclass(frozen=True, slots=True)
class FaqVote:
    """👍 (1) or 👎 (0) under an answer to a query."""

    query_id: int
    helpful: int


@dataclass(frozen=True, slots=True)
class ReviewPick:
    """An organizer's decision on a review item: ``a0``-``a2`` add it to that choice,
    ``n`` not helpful, ``i`` ignore."""

    item_id: int
    action: str


@dataclass(frozen=True, slots=True)
class TopicPick:
    topic_id: str


@dataclass(frozen=True, slots=True)
class MenuPick:
    action: str


@dataclass(frozen=True, slots=True)
class InstallChoice:
    """An organizer's yes ("y") or no ("n") to an upload waiting under ``token``."""

    token: str
    choice: str


Callback = (
    SoloAnswer
    | SoloToggle
    | ContestAnswer
    | ContestToggle
    | ContestJoin
    | ContestRank
    | ResultsPick
    | DailyAnswer
    | FaqPick
    | FaqVote
    | ReviewPick
    | TopicPick
    | MenuPick
    | InstallChoice
)

_PATTERNS: list[tuple[re.Pattern[str], type]] = [
    (re.compile(rf"a:{_NUM}:{_NUM}:{_LETTERS}"), SoloAnswer),
    (re.compile(rf"m:{_NUM}:{_NUM}:{_LETTERS}"), SoloToggle),
    (re.compile(rf"c:{_NUM}:{_NUM}:{_LETTERS}"), ContestAnswer),
    (re.compile(rf"k:{_NUM}:{_NUM}:{_LETTERS}"), ContestToggle),
    (re.compile(rf"j:{_NUM}"), ContestJoin),
    (re.compile(rf"r:{_NUM}"), ContestRank),
    (re.compile(rf"x:{_NUM}"), ResultsPick),
    (re.compile(rf"d:{_NUM}:([a-z]{{2,3}}):{_IDENT}:{_LETTERS}"), DailyAnswer),
    (re.compile(rf"f:{_NUM}:([0-9])"), FaqPick),
    (re.compile(rf"v:{_NUM}:([01])"), FaqVote),
    (re.compile(rf"q:{_NUM}:(a[0-9]|n|i)"), ReviewPick),
    (re.compile(rf"t:{_IDENT}"), TopicPick),
    (re.compile(r"u:([a-z]{1,16})"), MenuPick),
    (re.compile(r"b:([0-9a-f]{16}):([yn])"), InstallChoice),
]
_PREFIX = {cls: pattern.pattern[0] for pattern, cls in _PATTERNS}


def encode(callback: Callback) -> str:
    """The callback data for a button. Raises ValueError past 64 bytes."""
    prefix = _PREFIX[type(callback)]
    fields = [str(getattr(callback, name)) for name in callback.__slots__]
    data = ":".join([prefix, *fields])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: object) -> Callback | None:
    """The callback a button's data stands for, or None for anything malformed."""
    if not isinstance(data, str) or len(data) > MAX_BYTES:
        return None
    for pattern, cls in _PATTERNS:
        match = pattern.fullmatch(data)
        if match is None:
            continue
        groups = match.groups()
        if cls in (SoloAnswer, SoloToggle, ContestAnswer, ContestToggle):
            letters = groups[2]
            if len(set(letters)) != len(letters) or "".join(sorted(letters)) != letters:
                return None
            return cls(int(groups[0]), int(groups[1]), letters)
        if cls in (ContestJoin, ContestRank, ResultsPick):
            return cls(int(groups[0]))
        if cls in (FaqPick, FaqVote):
            return cls(int(groups[0]), int(groups[1]))
        if cls is ReviewPick:
            return ReviewPick(int(groups[0]), groups[1])
        if cls is DailyAnswer:
            letters = groups[3]
            if len(letters) != 1 or not languages.is_code(groups[1]):
                return None
            return cls(int(groups[0]), groups[1], groups[2], letters)
        if cls is InstallChoice:
            return InstallChoice(groups[0], groups[1])
        if cls is MenuPick and groups[0] not in MENU_ACTIONS:
            return None
        named: Callback = cls(groups[0])
        return named
    return None
