"""One aiosqlite connection, versioned migrations, and serialised write transactions.

aiosqlite runs every statement of a connection on one thread, but a ``commit()`` commits
whatever any task has executed since the last one. Writes therefore go through
:meth:`Database.transaction`, which holds a lock around ``BEGIN IMMEDIATE … COMMIT``; no
Telegram call may be awaited inside it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.migrations import MIGRATIONS

__all__ = ["SCHEMA_VERSION", "Database", "DatabaseError", "copy_database", "probe_database"]

logger = logging.getLogger(__name__)

SCHEMA_VERSION = len(MIGRATIONS)


class DatabaseError(Exception):
    """The database cannot be used: corrupt, too new, or not a database."""


class Database:
    """The bot's SQLite database."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path) if str(path) != ":memory:" else path
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise DatabaseError("the database is not open")
        return self._conn

    async def open(self) -> None:
        """Open (creating the file and its folder), check integrity, and migrate.

        Raises:
            DatabaseError: the file is corrupt, not a database, or from a newer version.
        """
        if isinstance(self.path, Path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open {self.path}: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        self._conn = conn
        try:
            await self._check()
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA busy_timeout=5000")
            await conn.execute("PRAGMA foreign_keys=ON")
            await self._migrate()
        except (sqlite3.DatabaseError, DatabaseError) as exc:
            await conn.close()
            self._conn = None
            if isinstance(exc, DatabaseError):
                raise
            raise DatabaseError(
                f"{self.path} is not a usable quizbot database ({exc}); "
                "restore it from a backup or move it away to start afresh"
            ) from exc

    async def close(self) -> None:
        """Wait for writes in progress, then close."""
        if self._conn is None:
            return
        async with self._lock:
            await self._conn.close()
            self._conn = None

    async def _check(self) -> None:
        rows = await (await self.conn.execute("PRAGMA quick_check")).fetchall()
        verdict = [row[0] for row in rows]
        if verdict != ["ok"]:
            raise DatabaseError(
                f"{self.path} failed its integrity check ({'; '.join(verdict[:3])}); "
                "restore it from a backup (see the README, 'Backups')"
            )

    async def version(self) -> int:
        row = await (await self.conn.execute("PRAGMA user_version")).fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        current = await self.version()
        if current > SCHEMA_VERSION:
            raise DatabaseError(
                f"{self.path} has schema version {current}, newer than this quizbot "
                f"({SCHEMA_VERSION}); upgrade quizbot"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            async with self.transaction() as conn:
                for statement in MIGRATIONS[version - 1]:
                    await conn.execute(statement)
                # PRAGMA takes no parameters; the version is our own integer.
                await conn.execute(f"PRAGMA user_version = {int(version)}")
            logger.info("database migrated to schema version %d", version)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction, serialised with every other one."""
        async with self._lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """Rows of one read query."""
        async with self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        """The first row of one read query, or None."""
        async with self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """One write statement in a transaction of its own."""
        async with self.transaction() as conn:
            await conn.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One write statement for many rows, in one transaction."""
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def backup(self, target: Path) -> int:
        """A consistent copy of this database at ``target`` (see :func:`copy_database`)."""
        if not isinstance(self.path, Path):
            raise DatabaseError("an in-memory database has no file to copy")
        return await asyncio.to_thread(copy_database, self.path, target)


def copy_database(source: Path, target: Path) -> int:
    """Copy a database with SQLite's online backup API: consistent even while the bot writes.

    The copy is written beside ``target``, checked, then moved into place, so a failed
    backup never leaves a half-written file where a good one was.

    Returns:
        The copy's schema version.

    Raises:
        DatabaseError: no database at ``source``, or the copy failed.
    """
    if not source.exists():
        raise DatabaseError(f"no database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".backup-", suffix=".tmp")
    os.close(handle)
    try:
        original = sqlite3.connect(source, timeout=30)
        copy = sqlite3.connect(temporary)
        try:
            original.backup(copy)  # one step: a consistent snapshot
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
            version = int(copy.execute("PRAGMA user_version").fetchone()[0])
        finally:
            copy.close()
            original.close()
        if verdict != "ok":
            raise DatabaseError(f"the copy failed its check: {verdict}")
        os.replace(temporary, target)
    except sqlite3.Error as exc:
        raise DatabaseError(f"backup failed: {exc}") from exc
    finally:
        Path(temporary).unlink(missing_ok=True)
    return version


def probe_database(path: Path) -> int:
    """Open a database read-only and read from it, as the health check does.

    Returns:
        Its schema version.

    Raises:
        DatabaseError: it does not open or cannot be read.
    """
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            conn.execute("SELECT COUNT(*) FROM users").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise DatabaseError(f"database {path} does not open: {exc}") from exc
    return version
