"""Contest rules: settings, the /contest arguments, scoring, ranking and the message budget.

Pure: times are seconds since the epoch, passed in.

Scoring (after Kahoot's): a right answer earns ``1000 × (1 − t / (2T))`` points, rounded,
where ``t`` is the time taken and ``T`` the time allowed — 1000 for an instant answer, 500 at
the buzzer — plus a streak bonus of 100 for each right answer in a row before it (at most
500). A wrong answer earns nothing, or loses 250 with negative marking. Players are ranked by
points, then by the total time of their answers (less is better), then by who joined first.
"""

from __future__ import annotations

import enum
import re
from collections import deque
from dataclasses import asdict, dataclass, replace

from bot.domain.args import UsageError, bounded, is_digits, looks_like_clock, looks_numeric
from bot.domain.learning import next_daily

__all__ = [
    "BASE_POINTS",
    "ContestSettings",
    "ContestStatus",
    "GroupBudget",
    "ParseError",
    "PlayerScore",
    "Schedule",
    "contest_points",
    "parse_contest_args",
    "rank",
]

BASE_POINTS = 1000
STREAK_BONUS = 100
STREAK_CAP = 500
WRONG_PENALTY = 250

MIN_SECONDS = 10
MAX_SECONDS = 300
MAX_QUESTIONS = 50
MIN_LOBBY = 0
MAX_LOBBY = 600

#: Telegram lets a bot send about 20 messages a minute into one group (sends and edits).
GROUP_LIMIT = 20
GROUP_WINDOW = 60.0


class ContestStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    LOBBY = "lobby"
    QUESTION = "question"
    REVEAL = "reveal"
    PAUSED = "paused"
    FINISHED = "finished"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class ContestSettings:
    """How a contest runs; chosen by the organizer with /contest."""

    count: int = 10
    seconds: int = 20
    lobby_seconds: int = 60
    reveal_seconds: int = 6
    polls: bool = False
    negative: bool = False
    topic: str | None = None
    language: str = "zh"
    #: What the contest is called: its bank's title when all questions come from one,
    #: else the topic asked for; None for a contest across every bank.
    title: str | None = None

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ContestSettings:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Schedule:
    """A start time asked for with ``at HH:MM``."""

    starts_at: float


class ParseError(UsageError):
    """Arguments of /contest that make no sense; ``key`` names the text that explains."""


_TIME = re.compile(r"^([01]?[0-9]|2[0-3])[:：]([0-5][0-9])$", re.ASCII)
_POLL_WORDS = {"poll", "polls", "投票", "poll模式"}
_NEGATIVE_WORDS = {"negative", "扣分", "倒扣"}
_AT_WORDS = {"at", "于", "在"}
#: ``lobby=N`` (or ``lobbyN``, ``等待=N``): anything after ``=`` is meant as the lobby time.
_LOBBY = re.compile(r"^(?:lobby|等待)(?:=(.*)|([^A-Za-z\u3400-\u9fff].*))$", re.IGNORECASE)


def parse_contest_args(
    args: list[str], now: float, timezone: str, defaults: ContestSettings | None = None
) -> tuple[ContestSettings, Schedule | None]:
    """Read ``/contest [topic] [questions] [seconds] [poll] [negative] [lobby=N] [at HH:MM]``.

    The first number is the number of questions, the second the seconds per question.
    Numbers are ASCII digits (:mod:`bot.domain.args`); a token that looks like a number
    but is not one (``-5``, ``²``) is an error, never part of the topic.

    Raises:
        ParseError: numbers out of range or malformed, or a bad time.
    """
    settings = defaults or ContestSettings()
    numbers: list[str] = []
    words: list[str] = []
    schedule: Schedule | None = None
    tokens = list(args)
    while tokens:
        token = tokens.pop(0)
        lower = token.lower()
        if lower in _AT_WORDS and tokens:
            schedule = Schedule(_next_time(tokens.pop(0), now, timezone))
        elif _TIME.match(token) or looks_like_clock(token):
            schedule = Schedule(_next_time(token, now, timezone))
        elif lower in _POLL_WORDS:
            settings = replace(settings, polls=True)
        elif lower in _NEGATIVE_WORDS:
            settings = replace(settings, negative=True)
        elif match := _LOBBY.match(token):
            lobby = bounded(match.group(1) or match.group(2) or "", MIN_LOBBY, MAX_LOBBY)
            if lobby is None:
                raise ParseError("contest_bad_lobby", low=MIN_LOBBY, high=MAX_LOBBY)
            settings = replace(settings, lobby_seconds=lobby)
        elif is_digits(token):
            numbers.append(token)
        elif looks_numeric(token):
            raise ParseError("contest_bad_number", text=token[:20])
        else:
            words.append(token)
    if len(numbers) > 2:
        raise ParseError("contest_usage")
    if numbers:
        count = bounded(numbers[0], 1, MAX_QUESTIONS)
        if count is None:
            raise ParseError("contest_bad_count", high=MAX_QUESTIONS)
        settings = replace(settings, count=count)
    if len(numbers) == 2:
        seconds = bounded(numbers[1], MIN_SECONDS, MAX_SECONDS)
        if seconds is None:
            raise ParseError("contest_bad_seconds", low=MIN_SECONDS, high=MAX_SECONDS)
        settings = replace(settings, seconds=seconds)
    if words:
        settings = replace(settings, topic=" ".join(words))
    return settings, schedule


def _next_time(text: str, now: float, timezone: str) -> float:
    match = _TIME.match(text)
    if not match:
        raise ParseError("contest_bad_time", time=text[:20])
    return next_daily(now, int(match.group(1)), int(match.group(2)), timezone)


def contest_points(
    correct: bool, elapsed: float, allowed: float, streak_before: int, negative: bool
) -> tuple[int, int]:
    """Points for one answer and the streak after it.

    Args:
        correct: whether the answer is right.
        elapsed: seconds from the question's start to the answer.
        allowed: seconds the question was open.
        streak_before: right answers in a row before this one.
        negative: whether wrong answers lose points.
    """
    if not correct:
        return (-WRONG_PENALTY if negative else 0), 0
    share = min(max(elapsed, 0.0), allowed) / allowed if allowed > 0 else 1.0
    speed = round(BASE_POINTS * (1 - share / 2))
    bonus = min(STREAK_BONUS * streak_before, STREAK_CAP)
    return speed + bonus, streak_before + 1


@dataclass(frozen=True, slots=True)
class PlayerScore:
    user_id: int
    name: str
    username: str | None
    score: int
    correct: int
    answered: int
    time_ms: int
    joined_at: float
    language: str = "zh"


def rank(players: list[PlayerScore]) -> list[PlayerScore]:
    """Best first: points, then (at equal points) who answered before who did not, then
    less total answer time, then who joined first."""
    return sorted(
        players, key=lambda p: (-p.score, p.answered == 0, p.time_ms, p.joined_at, p.user_id)
    )


class GroupBudget:
    """Messages sent or edited into one group, counted in a sliding minute.

    Some messages a contest must send (each question, its reveal, the podium); others it
    may skip (live answer counts, lobby refreshes, replies). An optional message goes out
    only when, counting the mandatory ones still to come within a minute, no 60-second
    window would hold more than Telegram's 20.
    """

    def __init__(self, limit: int = GROUP_LIMIT, window: float = GROUP_WINDOW) -> None:
        self.limit = limit
        self.window = window
        self.sent: deque[float] = deque()

    def _trim(self, now: float) -> None:
        while self.sent and self.sent[0] <= now - self.window:
            self.sent.popleft()

    def used(self, now: float) -> int:
        self._trim(now)
        return len(self.sent)

    def record(self, now: float) -> None:
        self._trim(now)
        self.sent.append(now)

    def allows(self, now: float, reserve: int) -> bool:
        """Whether an optional message fits, keeping ``reserve`` for mandatory ones."""
        return self.used(now) + 1 + reserve <= self.limit


def upcoming_mandatory(
    status: ContestStatus,
    now: float,
    deadline: float | None,
    position: int,
    total: int,
    settings: ContestSettings,
    horizon: float = GROUP_WINDOW,
) -> int:
    """How many mandatory messages the contest will send within ``horizon`` seconds.

    Follows the contest's own timetable: each question is sent, revealed after its time,
    the next one sent after the reveal pause, and the podium after the last reveal.
    """
    if deadline is None or status in (
        ContestStatus.PAUSED,
        ContestStatus.FINISHED,
        ContestStatus.STOPPED,
    ):
        return 0
    end = now + horizon
    count = 0
    phase, at = status, deadline
    while at <= end:
        if phase in (ContestStatus.LOBBY, ContestStatus.SCHEDULED):
            phase, position, at = ContestStatus.QUESTION, 0, at + settings.seconds
        elif phase is ContestStatus.QUESTION:
            phase, at = ContestStatus.REVEAL, at + settings.reveal_seconds
        elif position + 1 < total:
            phase, position, at = ContestStatus.QUESTION, position + 1, at + settings.seconds
        else:
            return count + 1  # the podium
        count += 1
    return count
