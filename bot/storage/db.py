"""The one database interface the stores use, and the choice of its implementation.

Two implementations: SQLite through one aiosqlite connection (:mod:`bot.storage.sqlite`,
the embedded default) and PostgreSQL through an asyncpg pool (:mod:`bot.storage.postgres`,
chosen by ``QUIZBOT_DATABASE_URL=postgresql://…``). The stores write each statement once,
in the SQL both accept:

- ``?`` placeholders (the PostgreSQL side numbers them ``$1, $2, …``);
- ``INSERT … ON CONFLICT (…) DO UPDATE SET table.column = …`` and ``ON CONFLICT DO
  NOTHING`` for upserts (never ``INSERT OR …``), ``RETURNING id`` for a new row's id;
- ``CASE`` rather than the scalar ``MAX(a, b)``, comparisons rather than integers as truth
  values, and no parameter whose type only its value tells (``? IS NULL``).

Errors the stores act on are the same for both: :class:`IntegrityError` (a constraint said
no), :class:`StorageFull`, and :class:`DatabaseError` with its :class:`Cause`.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.storage.migrations import MIGRATIONS

__all__ = [
    "CHECK_BUDGET",
    "POSTGRES_SCHEMES",
    "SCHEMA_VERSION",
    "Cause",
    "Checked",
    "Database",
    "DatabaseError",
    "IntegrityError",
    "Row",
    "StorageFull",
    "Transaction",
    "constraints_said",
    "is_postgres",
    "open_database",
]

SCHEMA_VERSION = len(MIGRATIONS)
#: Seconds the integrity check may take, at start-up and in ``quizbot health`` alike (the
#: Docker health check allows 15). Past it the check stops, and says so.
CHECK_BUDGET = 10.0
#: What a ``QUIZBOT_DATABASE_URL`` may start with.
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class Cause(enum.Enum):
    """Why a database cannot be used; each has its own message and advice."""

    MISSING = "missing"
    EMPTY = "empty file"
    PERMISSION = "permission denied"
    FULL = "disk full"
    NOT_A_DATABASE = "not a database"
    DAMAGED = "damaged pages"
    NEWER = "newer schema"
    LOCKED = "locked"
    DISK_ERROR = "disk error"
    UNREACHABLE = "server unreachable"
    OTHER = "unusable"


class DatabaseError(Exception):
    """The database cannot be used; the message names it, the cause and the fix."""

    def __init__(self, message: str, cause: Cause = Cause.OTHER) -> None:
        super().__init__(message)
        self.cause = cause


class StorageFull(DatabaseError):
    """A write failed because the disk is full; nothing of it was stored."""

    def __init__(self, message: str) -> None:
        super().__init__(message, Cause.FULL)


class IntegrityError(Exception):
    """A statement broke a constraint (a unique key, a foreign key); it took no effect."""


@contextmanager
def constraints_said(driver_error: type[BaseException]) -> Iterator[None]:
    """Within: the driver's constraint error becomes :class:`IntegrityError`."""
    try:
        yield
    except driver_error as exc:
        raise IntegrityError(str(exc)) from exc


@dataclass(frozen=True, slots=True)
class Checked:
    """What the check of a database found: its schema version, and whether the check went
    through the whole database within the time budget."""

    version: int
    complete: bool = True


class Row(Protocol):
    """A result row: columns by name or position (sqlite3.Row and asyncpg.Record alike)."""

    def __getitem__(self, key: str | int, /) -> Any: ...

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...


class Transaction(Protocol):
    """The statements of one transaction (see :meth:`Database.transaction`)."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters."""
        ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query (or of ``… RETURNING``), or None."""
        ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a query."""
        ...


class Database(ABC):
    """The bot's database, whichever it is. Opened once; every store shares it."""

    #: "sqlite" or "postgresql".
    dialect: str
    #: How messages name it: a file, or a URL without its password.
    name: str

    @abstractmethod
    async def open(self, budget: float = CHECK_BUDGET) -> None:
        """Connect, check, and migrate to :data:`SCHEMA_VERSION`.

        Raises:
            DatabaseError: the database cannot be used; its ``cause`` says why.
        """

    @abstractmethod
    async def close(self) -> None:
        """Wait for writes in progress, then close."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """A write transaction: committed when the block ends, rolled back if it raises.

        No Telegram call may be awaited inside it.
        """

    @abstractmethod
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of one read query."""

    @abstractmethod
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of one read query, or None."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write statement in a transaction of its own; the rows it changed."""
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One write statement for many rows, in one transaction."""
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    @abstractmethod
    async def version(self) -> int:
        """The schema version the database is at."""

    @abstractmethod
    async def backup(self, target: Path) -> int:
        """A consistent copy of the live database at ``target``; the copy's schema version.

        Raises:
            DatabaseError: the copy cannot be made; the message says why and what to do.
        """


def is_postgres(target: str | Path) -> bool:
    """Whether ``target`` names a PostgreSQL database (a URL) rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def open_database(target: str | Path) -> Database:
    """The :class:`Database` for ``target``: a ``postgresql://`` URL, or a SQLite file.

    Not yet connected: call :meth:`Database.open`.
    """
    if is_postgres(str(target)):
        from bot.storage.postgres import PostgresDatabase

        return PostgresDatabase(str(target))
    from bot.storage.sqlite import SqliteDatabase

    return SqliteDatabase(target)
