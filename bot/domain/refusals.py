"""Why an answer or an action was refused: one closed set of reasons, one text each.

Every service returns :class:`Refused` with a :class:`Refusal`; the front ends show
``t(language, refused.key)``. A test checks that every reason has its text in every
language, so a new reason cannot reach a user as a missing key.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["Refusal", "Refused"]


class Refusal(enum.StrEnum):
    # Solo rounds, reviews and the daily question.
    NOT_YOURS = "not_yours"  # a press on another user's round
    ANSWERED = "answered"  # that question was already answered
    ROUND_OVER = "round_over"
    GONE = "gone"  # the question left the banks since it was asked
    DAILY_OVER = "daily_over"  # an earlier day's question
    DAILY_DONE = "daily_done"  # today's is answered already
    EMPTY = "empty"  # Submit with nothing ticked
    NOT_STORED = "not_stored"  # the disk is full: the answer was not written (issue 14)
    INVALID = "invalid"  # a press no button of ours makes: a forged option, another chat
    # Contests: answers and joining.
    ALREADY_JOINED = "already_joined"
    LATE = "late"
    STALE = "stale"  # an earlier question of the contest
    PAUSED = "paused"
    CONTEST_OVER = "contest_over"
    # Contests: the organizer's controls.
    BUSY = "busy"
    NO_TOPIC = "no_topic"
    NO_QUESTIONS = "no_questions"
    NO_CONTEST = "no_contest"
    NOT_IN_LOBBY = "not_in_lobby"
    ALREADY_PAUSED = "already_paused"
    NOT_PAUSED = "not_paused"
    NOT_RUNNING = "not_running"


@dataclass(frozen=True, slots=True)
class Refused:
    """An answer or action that was not taken, and why."""

    reason: Refusal

    @property
    def key(self) -> str:
        """The text that tells the user why."""
        return f"refused_{self.reason.value}"
