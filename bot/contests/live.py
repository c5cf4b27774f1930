"""A contest as it runs: its state in memory, what a reveal shows, and the presenter port.

The runner (:mod:`bot.contests.runner`) decides what happens when; a
:class:`ContestPresenter` (the Telegram front end, or a fake in tests) shows it. What is in
memory mirrors the database: it is rebuilt from it after a restart, and a worker that does
not run a contest's clock refreshes it from there when it looks stale.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol

from bot.domain.contest import (
    ContestSettings,
    ContestStatus,
    PlayerScore,
    upcoming_mandatory,
)
from bot.domain.models import Question
from bot.storage.contest_store import ContestRow

__all__ = ["TICK", "Ack", "ChartData", "ContestPresenter", "Live", "Reveal"]

#: Seconds between checks for a live answer count or a lobby refresh (each one only when
#: the group's message budget allows).
TICK = 3.0


@dataclass(frozen=True, slots=True)
class Reveal:
    """What everyone sees when a question closes."""

    position: int
    question: Question
    counts: tuple[int, ...]  # answers per option (choice questions)
    answered: int
    right: int
    right_names: tuple[str, ...]  # first right players, for typed answers
    standings: tuple[PlayerScore, ...]  # top 5
    all_answered: bool = False  # closed early: every player had answered


@dataclass(frozen=True, slots=True)
class ChartData:
    """A finished contest in figures: the share right per question and every score."""

    shares: list[float]
    scores: list[int]


class ContestPresenter(Protocol):
    """How a contest is shown; each call is one message sent or edited in the group,
    except :meth:`award`, which writes to a player privately, and the chart that follows
    the podium, which goes to the organizer."""

    async def announce(self, live: Live, starts_at: float, timezone: str) -> None: ...

    async def lobby(self, live: Live, players: int, seconds_left: int, first: bool) -> None: ...

    async def ask(self, live: Live) -> None: ...

    async def count(self, live: Live, answered: int, seconds_left: int) -> None: ...

    async def reveal(self, live: Live, reveal: Reveal) -> None: ...

    async def podium(
        self, live: Live, ranking: list[PlayerScore], stopped: bool, chart: ChartData
    ) -> None: ...

    async def notice(self, live: Live, key: str, **values: object) -> None: ...

    async def award(self, user_id: int, codes: tuple[str, ...], language: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Ack:
    """An answer stored; ``letters`` or the typed text, and the seconds it took."""

    choice: str
    seconds: float


@dataclass
class Live:
    """An active contest, as cached in memory."""

    id: int
    chat_id: int
    created_by: int
    settings: ContestSettings
    questions: tuple[Question, ...]
    status: ContestStatus
    position: int = -1
    asked_at: float | None = None
    deadline: float | None = None  # None while the question or reveal is not shown yet
    grace_until: float | None = None  # presses held by a Telegram outage count until then
    all_answered: bool = False
    reveal: Reveal | None = None  # the current question's, once closed
    failures: int = 0  # steps that failed to show in a row (the pause before the next try)
    paused_left: float | None = None
    paused_from: ContestStatus | None = None
    pause_requested: bool = False
    scheduled_at: float | None = None
    message_id: int | None = None
    poll_id: str | None = None
    notes: tuple[str, ...] = ()
    #: Who answered the current question, as far as this worker knows (the database knows).
    answered: dict[int, str] = field(default_factory=dict)
    streaks: dict[int, int] = field(default_factory=dict)
    members: set[int] = field(default_factory=set)  # joined or answered
    #: Who is expected to answer the current question: the members when it was asked.
    expected: frozenset[int] = frozenset()
    shown_count: int = -1
    shown_players: int = -1
    inflight: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    idle: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def question(self) -> Question | None:
        if 0 <= self.position < len(self.questions):
            return self.questions[self.position]
        return None

    @property
    def total(self) -> int:
        return len(self.questions)

    def seconds_left(self, now: float) -> int:
        return max(0, round((self.deadline or now) - now))

    def reserve(self, now: float) -> int:
        """Places of the group's budget an optional message (a count, a refresh, a reply)
        must leave free: the contest's own messages due within the minute."""
        deadline, pending = self.deadline, 0
        if deadline is None and self.status in (ContestStatus.QUESTION, ContestStatus.REVEAL):
            # A question or reveal being shown (or tried again): it comes now, the rest
            # of the timetable after it.
            pending = 1
            pause = self.settings.seconds if self.status is ContestStatus.QUESTION else 0
            deadline = now + (pause or self.settings.reveal_seconds)
        return pending + upcoming_mandatory(
            self.status, now, deadline, self.position, self.total, self.settings
        )

    def refresh(self, row: ContestRow) -> bool:
        """Take the contest's state as stored (another worker runs its clock); True when it
        has moved to another question (what this worker knew of the last one is stale)."""
        moved = row.position != self.position
        self.status = row.status
        self.position = row.position
        self.asked_at = row.asked_at
        self.deadline = row.deadline
        self.grace_until = row.grace_until
        self.paused_left = row.paused_left
        self.paused_from = row.paused_from
        self.scheduled_at = row.scheduled_at
        self.message_id = row.message_id
        if moved:
            self.answered.clear()
        return moved

    @classmethod
    def from_row(cls, row: ContestRow) -> Live:
        live = cls(
            id=row.id,
            chat_id=row.chat_id,
            created_by=row.created_by,
            settings=row.settings,
            questions=row.questions,
            status=row.status,
            position=row.position,
            asked_at=row.asked_at,
            deadline=row.deadline,
            paused_left=row.paused_left,
            paused_from=row.paused_from,
            scheduled_at=row.scheduled_at,
            message_id=row.message_id,
            grace_until=row.grace_until,
        )
        live.idle.set()
        return live
