"""Which time zone names the bot accepts: canonical Area/City names, and UTC.

The host's zone database holds more keys than places: ``localtime`` and ``posixrules``
(copies of the host's own setting), ``Factory``, ``EST5EDT``, ``US/Eastern``, ``Etc/GMT+8``
(whose sign is the opposite of what people expect). A chat that stored one of those would
depend on the host it runs on. Only the geographic areas of the tz database are accepted,
as the running Python knows them (``zoneinfo.available_timezones()``), spelt as it spells
them; a name is looked up without regard to case, so ``asia/shanghai`` works.
"""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

__all__ = ["AREAS", "UTC", "canonical_zone", "zone_or_default"]

#: The geographic areas of the tz database (its ``Area/Location`` names).
AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
UTC = "UTC"
_SHAPE = re.compile(r"[A-Za-z]+(?:/[A-Za-z0-9_+-]+){1,2}", re.ASCII)
#: Longer than any name in the tz database; anything longer is refused unread.
MAX_NAME = 64


@lru_cache(maxsize=1)
def _accepted() -> dict[str, str]:
    """Every accepted name, by its case-folded spelling."""
    names = {UTC} | {
        name
        for name in available_timezones()
        if _SHAPE.fullmatch(name) and name.partition("/")[0] in AREAS
    }
    return {name.casefold(): name for name in names}


def canonical_zone(name: str) -> str | None:
    """The accepted spelling of the time zone ``name``, or None if it is not accepted.

    >>> canonical_zone("asia/shanghai")
    'Asia/Shanghai'
    >>> canonical_zone("localtime") is None
    True
    """
    if not name or len(name) > MAX_NAME:
        return None
    found = _accepted().get(name.strip().casefold())
    if found is None:
        return None
    try:
        ZoneInfo(found)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # listed, but its file is unreadable
        return None
    return found


def zone_or_default(name: str | None, default: str) -> str:
    """``name`` if it is an accepted zone, else ``default`` (a stored zone the host lost)."""
    found = canonical_zone(name) if name else None
    return found or default
