"""A per-user flood guard: too much in a minute, one polite notice, then quiet for a while.

What is counted is what costs the bot: messages and commands (each may start a round, send
a page, run the FAQ). Taps on the buttons of something already under way (an answer, a
tick, joining a contest) are counted apart, under a limit no thumb reaches — three taps a
second for minutes on end is a keen player, not a flood — so that only a script hits it.

Each user has a sliding window of their recent updates of each kind. Over a limit, the
first update gets a notice that says when they can go on, and the user is ignored until
then; everyone else is unaffected (the check is a few operations on the user's own deques).
"""

from __future__ import annotations

import enum
import math
from collections import deque
from dataclasses import dataclass, field

__all__ = ["FloodGuard", "Verdict"]

#: Taps a minute before a user is taken for a script (a thumb manages about 3 a second).
TAP_LIMIT = 300


class Verdict(enum.Enum):
    PASS = "pass"
    NOTICE = "notice"  # over the limit just now: tell them once
    IGNORE = "ignore"  # still cooling down


@dataclass(slots=True)
class _Track:
    messages: deque[float] = field(default_factory=deque)
    taps: deque[float] = field(default_factory=deque)
    quiet_until: float = 0.0

    def idle(self, now: float, window: float) -> bool:
        last = max(
            self.messages[-1] if self.messages else 0.0, self.taps[-1] if self.taps else 0.0
        )
        return self.quiet_until <= now and last <= now - window


class FloodGuard:
    """At most ``limit`` messages and ``tap_limit`` taps per ``window`` seconds per user;
    then ``quiet`` seconds off."""

    def __init__(
        self,
        limit: int = 30,
        window: float = 60.0,
        quiet: float = 120.0,
        max_users: int = 100_000,
        tap_limit: int = TAP_LIMIT,
    ) -> None:
        self.limit = limit
        self.tap_limit = tap_limit
        self.window = window
        self.quiet = quiet
        self.max_users = max_users
        self._tracks: dict[int, _Track] = {}

    def check(self, user_id: int, now: float, tap: bool = False) -> Verdict:
        """Count one update of the user: a message or command, or (``tap``) a button press
        on something under way."""
        track = self._tracks.get(user_id)
        if track is None:
            if len(self._tracks) >= self.max_users:
                self._forget_idle(now)
            track = self._tracks[user_id] = _Track()
        if now < track.quiet_until:
            return Verdict.IGNORE
        times, limit = (track.taps, self.tap_limit) if tap else (track.messages, self.limit)
        while times and times[0] <= now - self.window:
            times.popleft()
        times.append(now)
        if len(times) > limit:
            track.quiet_until = now + self.quiet
            track.messages.clear()
            track.taps.clear()
            return Verdict.NOTICE
        return Verdict.PASS

    def resumes_in(self, user_id: int, now: float) -> int:
        """Whole seconds until a quiet user is heard again (0 when they are not quiet)."""
        track = self._tracks.get(user_id)
        if track is None:
            return 0
        return max(0, math.ceil(track.quiet_until - now))

    def _forget_idle(self, now: float) -> None:
        """Drop users with nothing in their windows, so the table stays bounded."""
        for user_id in [u for u, t in self._tracks.items() if t.idle(now, self.window)]:
            del self._tracks[user_id]
