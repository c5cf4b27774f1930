"""Arguments of chat commands: numbers, times of day and time zones, read one way everywhere.

A number is ASCII digits only, and every number has bounds. ``str.isdigit`` is not enough:
``"²".isdigit()`` is true but ``int("²")`` raises, and ``int`` reads Arabic-Indic digits,
which nobody means in a command. A token that looks like a number but is not one we take
(``-5``, ``²``, ``１０``, ``1.5``) is malformed: the command answers with its usage rather
than reading it as a word (``/contest -5 10`` must not pick topic #5).

Each command's parser returns its values or raises :class:`UsageError`, whose ``key`` names
the text that explains what to write.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.timezones import canonical_zone

__all__ = [
    "MAX_ID",
    "OFF_WORDS",
    "DailyTime",
    "UsageError",
    "bounded",
    "clock",
    "is_digits",
    "looks_like_clock",
    "looks_numeric",
    "malformed_number",
    "parse_chart",
    "parse_subscribe",
    "parse_timezone",
]

#: The largest id (a contest's) a command accepts: far beyond any real one, and within
#: SQLite's 64-bit integers.
MAX_ID = 10**12

_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_CLOCK = re.compile(r"([0-9]{1,2})[:：]([0-9]{2})", re.ASCII)
# Checked on the NFKC form, with Unicode digits: what a person meant as a number or a time.
_NUMERIC = re.compile(r"[+\-\u2212]?\d+(?:[.,]\d+)?")
_CLOCKISH = re.compile(r"[+\-\u2212]?\d+[:：]\d*|[:：]\d+")
#: More digits than any bound here: refused without converting (``int`` of 5,000 digits
#: raises ValueError since Python 3.11).
_MAX_DIGITS = 18

#: Words that stop a subscription.
OFF_WORDS = frozenset({"off", "stop", "取消", "关闭"})


class UsageError(ValueError):
    """Arguments a command cannot take; ``key`` (with ``values``) is the text that explains."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def is_digits(text: str) -> bool:
    """Whether ``text`` is ASCII digits only (at least one)."""
    return _DIGITS.fullmatch(text) is not None


def bounded(text: str, low: int, high: int) -> int | None:
    """``text`` as a number from ``low`` to ``high``; None unless it is ASCII digits in range."""
    if not is_digits(text):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > _MAX_DIGITS:
        return None
    value = int(digits)
    return value if low <= value <= high else None


def looks_numeric(text: str) -> bool:
    """Whether ``text`` reads as a number in any form: ``-5``, ``²``, ``１０``, ``五``."""
    if not text:
        return False
    if text.isnumeric():
        return True
    return _NUMERIC.fullmatch(unicodedata.normalize("NFKC", text)) is not None


def clock(text: str) -> tuple[int, int] | None:
    """``HH:MM`` (the colon may be full-width) as (hour, minute); None if it is not one."""
    match = _CLOCK.fullmatch(text)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def looks_like_clock(text: str) -> bool:
    """Whether ``text`` was meant as a time of day (``25:00``, ``²:00``, ``8:5``)."""
    return _CLOCKISH.fullmatch(unicodedata.normalize("NFKC", text)) is not None


@dataclass(frozen=True, slots=True)
class DailyTime:
    """A time of day in a time zone (a subscription's)."""

    hour: int
    minute: int
    timezone: str


def parse_subscribe(args: Sequence[str], default_zone: str) -> DailyTime | None:
    """``/subscribe HH:MM [Area/City]``; None for ``/subscribe off``.

    Raises:
        UsageError: no time, a bad time, a zone we do not take, or extra words.
    """
    if len(args) == 1 and args[0].casefold() in OFF_WORDS:
        return None
    if not 1 <= len(args) <= 2:
        raise UsageError("subscribe_usage")
    at = clock(args[0])
    if at is None:
        raise UsageError("subscribe_usage")
    zone = default_zone
    if len(args) == 2:
        found = canonical_zone(args[1])
        if found is None:
            raise UsageError("subscribe_bad_zone", timezone=args[1][:64])
        zone = found
    return DailyTime(at[0], at[1], zone)


def parse_chart(args: Sequence[str]) -> int | None:
    """``/chart [CONTEST_ID]``: the id, or None for the latest contest.

    Raises:
        UsageError: anything but one id from 1 to :data:`MAX_ID`.
    """
    if not args:
        return None
    contest_id = bounded(args[0], 1, MAX_ID) if len(args) == 1 else None
    if contest_id is None:
        raise UsageError("chart_usage")
    return contest_id


def parse_timezone(args: Sequence[str]) -> str | None:
    """``/timezone Area/City``: the zone's accepted spelling, or None when none is given.

    Raises:
        UsageError: a zone we do not take, or more than one word (``timezone_usage``, which
            names the current zone: the caller adds it).
    """
    if not args:
        return None
    if len(args) > 1:
        raise UsageError("timezone_usage")
    found = canonical_zone(args[0])
    if found is None:
        raise UsageError("timezone_bad", timezone=args[0][:64])
    return found


def malformed_number(text: str) -> bool:
    """Whether ``text`` looks like a number but is not ASCII digits (``-5``, ``²``, ``１０``)."""
    stripped = text.strip()
    return looks_numeric(stripped) and not is_digits(stripped)
