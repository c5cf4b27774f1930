"""SQLite: one aiosqlite connection, versioned migrations, serialised write transactions.

aiosqlite runs every statement of a connection on one thread, but a ``commit()`` commits
whatever any task has executed since the last one. Writes therefore go through
:meth:`SqliteDatabase.transaction`, which holds a lock around ``BEGIN IMMEDIATE … COMMIT``;
no Telegram call may be awaited inside it.

Start-up (:meth:`SqliteDatabase.open`), ``quizbot health`` and ``quizbot backup`` share one
check of a database file (:func:`check_database`), and every failure is told by its cause,
each with its own advice (:class:`Cause`): a read-only folder is not a damaged database, and
the operator must never be told to throw a healthy one away.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import shutil
import sqlite3
import stat
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.db import (
    CHECK_BUDGET,
    SCHEMA_VERSION,
    Cause,
    Checked,
    Database,
    DatabaseError,
    Row,
    StorageFull,
    constraints_said,
)
from bot.storage.migrations import MIGRATIONS

__all__ = [
    "SqliteDatabase",
    "check_database",
    "copy_database",
    "explain",
    "probe_database",
]

logger = logging.getLogger(__name__)

#: The first 16 bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"
#: Problems of the integrity check listed in a message.
SHOWN_PROBLEMS = 3

_BACKUPS = "see the README, 'Backups'"


def _free_space(folder: Path) -> str:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return "free space unknown"
    return f"{free / 1024:.0f} KiB free" if free < 1024 * 1024 else f"{free >> 20} MiB free"


def _folder(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def failure(cause: Cause, path: Path, detail: str = "") -> DatabaseError:
    """The error for ``cause`` at ``path``: one line, the cause, and what to do."""
    folder = _folder(path)
    said = f" ({detail})" if detail else ""
    if cause is Cause.MISSING:
        text = f"no database at {path}"
    elif cause is Cause.EMPTY:
        text = (
            f"{path} is empty (0 bytes) and holds no data: if the bot never stored anything "
            "there, delete the file to start afresh; otherwise the file was cut short (a full "
            f"disk, a failed copy): restore it from a backup ({_BACKUPS})"
        )
    elif cause is Cause.PERMISSION:
        uid = os.geteuid() if hasattr(os, "geteuid") else "?"
        text = (
            f"permission denied on {path}{said}: the user running quizbot (uid {uid}) must be "
            f"able to read and write the file and write its folder {folder} "
            f"(e.g. chown -R {uid} {folder}); the database was not read, so nothing says it "
            "is damaged: do not delete it"
        )
    elif cause is Cause.FULL:
        text = (
            f"cannot write {path}: the disk is full ({_free_space(folder)}); nothing stored "
            "was lost: free some space on that disk, then start quizbot again"
        )
    elif cause is Cause.NOT_A_DATABASE:
        text = (
            f"{path} is not a SQLite database{said}: restore the database from a backup "
            f"({_BACKUPS}), or move this file away to start with an empty one"
        )
    elif cause is Cause.DAMAGED:
        text = (
            f"{path} is damaged{said}: stop the bot and restore it from a backup ({_BACKUPS}); "
            "keep the damaged file aside (sqlite3's .recover can save what is left)"
        )
    elif cause is Cause.NEWER:
        text = (
            f"{path} has schema version {detail}, newer than this quizbot's "
            f"({SCHEMA_VERSION}): it was written by a newer quizbot; upgrade quizbot, or "
            "restore a backup made by this version"
        )
    elif cause is Cause.LOCKED:
        text = (
            f"{path} is locked by another program{said}: is another quizbot using the same "
            "data folder? Stop it, then start again"
        )
    elif cause is Cause.DISK_ERROR:
        text = (
            f"the disk failed reading or writing {path}{said}: check the disk (the system "
            f"log says more); if it persists, restore the database from a backup ({_BACKUPS})"
        )
    else:
        text = f"{path} cannot be used{said}"
    return DatabaseError(text, cause) if cause is not Cause.FULL else StorageFull(text)


_SQLITE_CAUSES = {
    sqlite3.SQLITE_PERM: Cause.PERMISSION,
    sqlite3.SQLITE_READONLY: Cause.PERMISSION,
    sqlite3.SQLITE_AUTH: Cause.PERMISSION,
    sqlite3.SQLITE_FULL: Cause.FULL,
    sqlite3.SQLITE_NOTADB: Cause.NOT_A_DATABASE,
    sqlite3.SQLITE_CORRUPT: Cause.DAMAGED,
    sqlite3.SQLITE_BUSY: Cause.LOCKED,
    sqlite3.SQLITE_LOCKED: Cause.LOCKED,
    sqlite3.SQLITE_IOERR: Cause.DISK_ERROR,
}
_ERRNO_CAUSES = {
    errno.EACCES: Cause.PERMISSION,
    errno.EPERM: Cause.PERMISSION,
    errno.EROFS: Cause.PERMISSION,
    errno.ENOSPC: Cause.FULL,
    errno.EDQUOT: Cause.FULL,
    errno.EIO: Cause.DISK_ERROR,
}


def is_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk is full (SQLITE_FULL, ENOSPC)."""
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        return (code is not None and code & 0xFF == sqlite3.SQLITE_FULL) or (
            "database or disk is full" in str(exc)
        )
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def explain(exc: BaseException, path: Path) -> DatabaseError:
    """The :class:`DatabaseError` for an error met opening or using the database ``path``."""
    if isinstance(exc, DatabaseError):
        return exc
    if isinstance(exc, OSError):
        return failure(_ERRNO_CAUSES.get(exc.errno or 0, Cause.OTHER), path, exc.strerror or "")
    code = getattr(exc, "sqlite_errorcode", None)
    cause = _SQLITE_CAUSES.get(code & 0xFF, Cause.OTHER) if code is not None else Cause.OTHER
    if cause is Cause.OTHER:
        if is_full(exc):
            cause = Cause.FULL
        elif "not a database" in str(exc):
            cause = Cause.NOT_A_DATABASE
        elif "malformed" in str(exc):
            cause = Cause.DAMAGED
        elif code is not None and code & 0xFF == sqlite3.SQLITE_CANTOPEN:
            # SQLite cannot say why; the file system can.
            cause = Cause.PERMISSION if _access_problem(path) else Cause.OTHER
    return failure(cause, path, str(exc))


def _access_problem(path: Path) -> str | None:
    """What the user running quizbot may not do with the database or its folder, if anything."""
    folder = _folder(path)
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot write the folder {folder}"
    for companion in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if companion.exists() and not os.access(companion, os.R_OK | os.W_OK):
            return f"cannot read and write {companion.name}"
    return None


def _read_problem(path: Path) -> str | None:
    return None if os.access(path, os.R_OK) else f"cannot read {path.name}"


def check_file(path: Path, *, write: bool = True) -> None:
    """The checks of a database file that need no SQLite: there, not empty, ours to use.

    ``write``: whether the file and its folder must be writable too (for the bot; a backup
    only reads).

    Raises:
        DatabaseError: missing, a folder, empty, not accessible, or not an SQLite file.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise failure(Cause.MISSING, path) from None
    except OSError as exc:
        raise explain(exc, path) from exc
    if stat.S_ISDIR(info.st_mode):
        raise failure(Cause.OTHER, path, "it is a folder, not a database file")
    problem = _access_problem(path) if write else _read_problem(path)
    if problem:
        raise failure(Cause.PERMISSION, path, problem)
    if not stat.S_ISREG(info.st_mode):
        return  # a device or the like: SQLite will say what it makes of it
    if info.st_size == 0:
        raise failure(Cause.EMPTY, path)
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise explain(exc, path) from exc
    if header != SQLITE_HEADER:
        raise failure(Cause.NOT_A_DATABASE, path, "it does not start with 'SQLite format 3'")


def check_database(path: Path, budget: float = CHECK_BUDGET, *, writable: bool = True) -> Checked:
    """The one check of an existing database that start-up and ``quizbot health`` share.

    The file itself (:func:`check_file`), then its schema version, then ``PRAGMA
    quick_check`` for at most ``budget`` seconds.

    Args:
        writable: open it for writing (start-up) or read-only (the health check, which
            runs beside the bot).

    Raises:
        DatabaseError: with its :class:`Cause`.
    """
    check_file(path)
    try:
        conn = sqlite3.connect(
            f"{path.absolute().as_uri()}?mode={'rw' if writable else 'ro'}", uri=True, timeout=5
        )
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise failure(Cause.NEWER, path, str(version))
            problems, complete = _quick_check(conn, budget)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise explain(exc, path) from exc
    if problems:
        shown = "; ".join(problems[:SHOWN_PROBLEMS])
        hidden = len(problems) - SHOWN_PROBLEMS
        more = f" and {hidden} more" if hidden > 0 else ""
        raise failure(Cause.DAMAGED, path, f"integrity check: {shown}{more}")
    return Checked(version, complete)


def _quick_check(conn: sqlite3.Connection, budget: float) -> tuple[list[str], bool]:
    """The problems ``PRAGMA quick_check`` finds, and False if it ran out of time.

    SQLite checks every tree in one step of its program, which a progress handler cannot
    stop; a timer calls ``interrupt`` at the deadline (measured: a 600 MB file stops within
    5 ms of it). The progress handler covers a deadline that passes before that step starts.
    """
    deadline = time.monotonic() + budget
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 1_000)
    timer = threading.Timer(max(budget, 0.0), conn.interrupt)
    timer.daemon = True
    timer.start()
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_INTERRUPT:
            raise
        return [], False
    finally:
        timer.cancel()
        conn.set_progress_handler(None, 0)
    verdict = [str(row[0]) for row in rows]
    return ([] if verdict == ["ok"] else verdict), True


class _SqliteTransaction:
    """The statements of one SQLite transaction (the connection, behind the lock)."""

    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with constraints_said(sqlite3.IntegrityError):
            cursor = await self._conn.execute(sql, params)
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with constraints_said(sqlite3.IntegrityError):
            await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with constraints_said(sqlite3.IntegrityError):
            async with self._conn.execute(sql, params) as cursor:
                row: Row | None = await cursor.fetchone()
        return row

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with constraints_said(sqlite3.IntegrityError):
            async with self._conn.execute(sql, params) as cursor:
                return list(await cursor.fetchall())


class SqliteDatabase(Database):
    """The bot's SQLite database: one file (and its -wal and -shm) in the data folder."""

    dialect = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path) if str(path) != ":memory:" else path
        self.name = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise DatabaseError("the database is not open")
        return self._conn

    async def open(self, budget: float = CHECK_BUDGET) -> None:
        """Open (creating the file and its folder), check integrity, and migrate.

        An existing file goes through :func:`check_database` first, the check that
        ``quizbot health`` makes too.

        Raises:
            DatabaseError: the file cannot be used; its ``cause`` says why.
        """
        path = self.path
        if isinstance(path, Path):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                exists = path.exists() or path.is_symlink()
            except OSError as exc:
                raise explain(exc, path) from exc
            if exists:
                checked = await asyncio.to_thread(check_database, path, budget)
                if not checked.complete:
                    logger.warning(
                        "the integrity check of %s stopped after %.0f s (a large database); "
                        "starting without it",
                        path,
                        budget,
                    )
            else:
                problem = _access_problem(path)
                if problem:
                    raise failure(Cause.PERMISSION, path, problem)
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except (sqlite3.Error, OSError) as exc:
            raise explain(exc, Path(path)) from exc
        conn.row_factory = aiosqlite.Row
        self._conn = conn
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA busy_timeout=5000")
            await conn.execute("PRAGMA foreign_keys=ON")
            await self._migrate()
        except (sqlite3.Error, OSError, DatabaseError) as exc:
            await conn.close()
            self._conn = None
            raise explain(exc, Path(path)) from exc

    async def close(self) -> None:
        """Wait for writes in progress, then close."""
        if self._conn is None:
            return
        async with self._lock:
            await self._conn.close()
            self._conn = None

    async def version(self) -> int:
        row = await (await self.conn.execute("PRAGMA user_version")).fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        current = await self.version()
        if current > SCHEMA_VERSION:
            raise failure(Cause.NEWER, Path(self.path), str(current))
        for version in range(current + 1, SCHEMA_VERSION + 1):
            async with self.transaction() as tx:
                for statement in MIGRATIONS[version - 1]:
                    await tx.execute(statement)
                # PRAGMA takes no parameters; the version is our own integer.
                await tx.execute(f"PRAGMA user_version = {int(version)}")
            logger.info("database migrated to schema version %d", version)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_SqliteTransaction]:
        """A write transaction, serialised with every other one."""
        async with self._lock:
            conn = self.conn
            try:
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    yield _SqliteTransaction(conn)
                except BaseException:
                    await self._rollback(conn)
                    raise
                try:
                    await conn.execute("COMMIT")
                except sqlite3.Error:
                    await self._rollback(conn)  # a failed COMMIT may leave it open
                    raise
            except sqlite3.Error as exc:
                if is_full(exc):
                    raise failure(Cause.FULL, Path(self.path), str(exc)) from exc
                raise

    @staticmethod
    async def _rollback(conn: aiosqlite.Connection) -> None:
        """Roll back, if SQLite has not already (it does after some errors, e.g. a full disk)."""
        if conn.in_transaction:
            await conn.execute("ROLLBACK")

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of one read query."""
        async with self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of one read query, or None."""
        async with self.conn.execute(sql, params) as cursor:
            row: Row | None = await cursor.fetchone()
            return row

    async def backup(self, target: Path) -> int:
        """A consistent copy of this database at ``target`` (see :func:`copy_database`)."""
        if not isinstance(self.path, Path):
            raise DatabaseError("an in-memory database has no file to copy")
        return await asyncio.to_thread(copy_database, self.path, target)


def copy_database(source: Path, target: Path) -> int:
    """Copy a database with SQLite's online backup API: consistent even while the bot writes.

    The copy is written beside ``target``, checked, then moved into place, so a failed
    backup never leaves a half-written file where a good one was. The live database (or
    its -wal and -shm files) is never a target.

    Returns:
        The copy's schema version.

    Raises:
        DatabaseError: ``source`` cannot be read, ``target`` cannot be written, or the copy
            failed its check; the message is one line.
    """
    check_file(source, write=False)
    _refuse_live_target(source, target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".backup-", suffix=".tmp")
        os.close(handle)
    except OSError as exc:
        raise _cannot_write(target, exc) from exc
    try:
        original = sqlite3.connect(source, timeout=30)
        copy = sqlite3.connect(temporary)
        try:
            original.backup(copy)  # one step: a consistent snapshot
            verdict = [str(row[0]) for row in copy.execute("PRAGMA quick_check").fetchall()]
            version = int(copy.execute("PRAGMA user_version").fetchone()[0])
        finally:
            copy.close()
            original.close()
        if verdict != ["ok"]:
            raise failure(Cause.DAMAGED, source, f"the copy's check: {'; '.join(verdict[:3])}")
        os.replace(temporary, target)
    except sqlite3.Error as exc:
        if is_full(exc):
            raise _cannot_write(target, exc) from exc
        raise explain(exc, source) from exc
    except OSError as exc:
        raise _cannot_write(target, exc) from exc
    finally:
        Path(temporary).unlink(missing_ok=True)
    return version


def _refuse_live_target(source: Path, target: Path) -> None:
    """Raise unless ``target`` is a file of its own (not the live database, nor a folder)."""
    live = source.resolve()
    companions = {live, *(Path(f"{live}{suffix}") for suffix in ("-wal", "-shm", "-journal"))}
    try:
        resolved = target.resolve()
        same = resolved in companions or (target.exists() and os.path.samefile(target, source))
        folder = target.is_dir()
    except OSError as exc:
        raise _cannot_write(target, exc) from exc
    if same:
        raise DatabaseError(
            f"{target} is the live database: a backup must go to another file "
            f"(e.g. {_folder(source) / 'backups' / 'quizbot-copy.sqlite3'})",
            Cause.OTHER,
        )
    if folder:
        raise DatabaseError(
            f"{target} is a folder: give the backup a file name "
            f"(e.g. {target / 'quizbot-copy.sqlite3'})",
            Cause.OTHER,
        )


def _cannot_write(target: Path, exc: BaseException) -> DatabaseError:
    if is_full(exc):
        return DatabaseError(
            f"cannot write the backup {target}: the disk is full ({_free_space(_folder(target))})",
            Cause.FULL,
        )
    cause, reason = Cause.OTHER, str(exc)
    if isinstance(exc, OSError):
        cause, reason = _ERRNO_CAUSES.get(exc.errno or 0, Cause.OTHER), exc.strerror or reason
    return DatabaseError(f"cannot write the backup {target}: {reason}", cause)


def probe_database(path: Path, budget: float = CHECK_BUDGET) -> Checked:
    """The check start-up makes (:func:`check_database`), read-only, for ``quizbot health``.

    Raises:
        DatabaseError: with its :class:`Cause`, as start-up would.
    """
    return check_database(path, budget, writable=False)
