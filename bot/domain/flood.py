"""A per-user flood guard: too many messages in a minute, one polite notice, then quiet.

Each user has a sliding window of their recent updates. Over the limit, the first update
gets a notice and the user is ignored for a while; everyone else is unaffected (the check
is a few operations on the user's own deque).
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, field

__all__ = ["FloodGuard", "Verdict"]


class Verdict(enum.Enum):
    PASS = "pass"
    NOTICE = "notice"  # over the limit just now: tell them once
    IGNORE = "ignore"  # still cooling down


@dataclass(slots=True)
class _Track:
    times: deque[float] = field(default_factory=deque)
    quiet_until: float = 0.0


class FloodGuard:
    """At most ``limit`` updates per ``window`` seconds per user; then ``quiet`` seconds off."""

    def __init__(
        self, limit: int = 30, window: float = 60.0, quiet: float = 120.0, max_users: int = 100_000
    ) -> None:
        self.limit = limit
        self.window = window
        self.quiet = quiet
        self.max_users = max_users
        self._tracks: dict[int, _Track] = {}

    def check(self, user_id: int, now: float) -> Verdict:
        track = self._tracks.get(user_id)
        if track is None:
            if len(self._tracks) >= self.max_users:
                self._forget_idle(now)
            track = self._tracks[user_id] = _Track()
        if now < track.quiet_until:
            return Verdict.IGNORE
        times = track.times
        while times and times[0] <= now - self.window:
            times.popleft()
        times.append(now)
        if len(times) > self.limit:
            track.quiet_until = now + self.quiet
            times.clear()
            return Verdict.NOTICE
        return Verdict.PASS

    def _forget_idle(self, now: float) -> None:
        """Drop users with nothing in their window, so the table stays bounded."""
        for user_id in [
            u
            for u, t in self._tracks.items()
            if t.quiet_until <= now and (not t.times or t.times[-1] <= now - self.window)
        ]:
            del self._tracks[user_id]
