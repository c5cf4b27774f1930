"""The bot's heartbeat, and the health check that reads it (`quizbot health`).

The running bot writes the time of its last successful contact with Telegram to a small
file in the data folder (at most every few seconds, by rename, so a reader never sees half
of it). The check passes when the database passes the very check start-up makes
(:func:`bot.storage.sqlite.check_database`; for PostgreSQL, the server answers and holds a
schema this quizbot knows: :func:`bot.storage.postgres.probe_postgres`) and that time is
recent. Each worker has its own data folder, so its own heartbeat.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bot.storage.db import Checked, DatabaseError, is_postgres

__all__ = ["HEARTBEAT_FILE", "Heartbeat", "Health", "check_health", "last_beat"]

HEARTBEAT_FILE = "heartbeat"


class Heartbeat:
    """Writes the time of the last contact with Telegram, at most every ``interval`` s.

    Only once the bot has started (:meth:`start`): a bot whose database failed its check
    reached Telegram too (``getMe``), but is not running.
    """

    def __init__(self, data_dir: Path, interval: float = 5.0, started: bool = False) -> None:
        self.path = data_dir / HEARTBEAT_FILE
        self.interval = interval
        self.started = started
        self._written = 0.0

    def start(self) -> None:
        """The services are up: contacts from now on are heartbeats."""
        self.started = True

    def beat(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        if not self.started or now - self._written < self.interval:
            return
        self._written = now
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".heartbeat-")
            with os.fdopen(handle, "w", encoding="ascii") as out:
                out.write(f"{now:.3f}\n")
            os.replace(temporary, self.path)
        except OSError:  # a full disk must not stop the bot; the health check will notice
            pass


def last_beat(data_dir: Path) -> float | None:
    """When the bot last reached Telegram (by the heartbeat file), or None if unknown."""
    try:
        return float((data_dir / HEARTBEAT_FILE).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class Health:
    ok: bool
    message: str


def probe(database: Path | str) -> Checked:
    """The start-up check of ``database`` (a SQLite file or a PostgreSQL URL), read-only.

    Raises:
        DatabaseError: with its cause, as start-up would.
    """
    if is_postgres(database):
        from bot.storage.postgres import probe_postgres

        return asyncio.run(probe_postgres(str(database)))
    from bot.storage.sqlite import probe_database

    return probe_database(Path(database))


def check_health(
    database: Path | str, data_dir: Path, max_age: float, now: float | None = None
) -> Health:
    """Whether the database passes the check start-up makes, and the bot reached Telegram
    within ``max_age`` seconds."""
    now = time.time() if now is None else now
    try:
        checked = probe(database)
    except DatabaseError as exc:
        return Health(False, str(exc))
    beat = data_dir / HEARTBEAT_FILE
    try:
        last = float(beat.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return Health(
            False,
            f"no heartbeat in {beat}: the bot has not reached Telegram yet{_low_disk(data_dir)}",
        )
    age = now - last
    if age > max_age:
        return Health(
            False,
            f"last contact with Telegram {age:.0f} s ago (limit {max_age:.0f} s)"
            f"{_low_disk(data_dir)}",
        )
    cut = "" if checked.complete else "; the integrity check was cut short (a large database)"
    return Health(
        True, f"ok: schema {checked.version}, last contact with Telegram {age:.0f} s ago{cut}"
    )


#: Free space under which the heartbeat (and every answer) may fail to be written.
LOW_DISK = 1024 * 1024


def _low_disk(data_dir: Path) -> str:
    """A note when the data folder's disk is (nearly) full: the heartbeat cannot be written."""
    try:
        free = shutil.disk_usage(data_dir).free
    except OSError:
        return ""
    if free >= LOW_DISK:
        return ""
    return f"; the disk holding {data_dir} is full ({free // 1024} KiB free)"
