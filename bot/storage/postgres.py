"""PostgreSQL through an asyncpg pool: the same interface as SQLite, for several workers.

Chosen by ``QUIZBOT_DATABASE_URL=postgresql://user:password@host:port/database``. The
stores' SQL is written once (see :mod:`bot.storage.db`); here its ``?`` placeholders become
``$1, $2, …`` and the migrations are said in PostgreSQL's words
(:func:`bot.storage.migrations.for_postgres`). Unlike SQLite's single connection, each
transaction gets a connection of its own from the pool: writes do not queue behind one lock,
and PostgreSQL's row locks keep the conditional writes right (an ``UPDATE … WHERE position
= ?`` taken by two at once changes the row once).

``quizbot backup`` runs ``pg_dump`` when it is installed and says how otherwise; ``quizbot
health`` connects and checks the schema version. The URL's password never appears in a
message or a process's arguments.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

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
from bot.storage.migrations import MIGRATIONS, for_postgres

if TYPE_CHECKING:
    import asyncpg

__all__ = ["PostgresDatabase", "dump", "mask", "numbered", "probe_postgres"]

logger = logging.getLogger(__name__)

#: Connections a worker keeps to the server at most (the batcher uses one at a time).
POOL_SIZE = 10
#: Seconds to wait for the server to answer a connection.
CONNECT_TIMEOUT = 10.0
#: The advisory lock that lets one worker at a time migrate (the bytes of "quizbot").
MIGRATION_LOCK = 0x71756978626F74
_VERSION_TABLE = """CREATE TABLE IF NOT EXISTS quizbot_migrations (
    version INTEGER PRIMARY KEY,
    applied_at DOUBLE PRECISION NOT NULL
)"""
_PG_DUMP_HELP = (
    "install PostgreSQL's client tools (Debian: apt-get install postgresql-client; pg_dump's "
    "major version must be at least the server's), or run it yourself: "
    "pg_dump --format=custom --file=FILE 'postgresql://USER@HOST:PORT/DATABASE'"
)


def _split_password(url: str) -> tuple[str, str | None]:
    """``url`` without its password, and the password (None if it has none)."""
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url, None
    user, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=f"{user}@{hostport}")), unquote(password)


def mask(url: str) -> str:
    """``url`` with its password as ``***``, for messages."""
    bare, password = _split_password(url)
    if password is None:
        return url
    parts = urlsplit(bare)
    user, _, hostport = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user}:***@{hostport}"))


@lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """``sql`` with its ``?`` placeholders numbered ``$1, $2, …`` (quotes and comments kept)."""
    out: list[str] = []
    number = 0
    index, size = 0, len(sql)
    while index < size:
        char = sql[index]
        if char in "'\"":
            end = sql.find(char, index + 1)
            while end != -1 and sql.startswith(char, end + 1):  # '' inside a string
                end = sql.find(char, end + 2)
            end = size if end == -1 else end + 1
            out.append(sql[index:end])
            index = end
        elif sql.startswith("--", index):
            end = sql.find("\n", index)
            end = size if end == -1 else end
            out.append(sql[index:end])
            index = end
        elif char == "?":
            number += 1
            out.append(f"${number}")
            index += 1
        elif char == "$":
            raise ValueError(f"write placeholders as ?, not $n: {sql.strip()[:60]}")
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _storable(params: Sequence[Any]) -> Sequence[Any]:
    """``params`` as PostgreSQL can store them: its text may not hold the NUL character
    (SQLite's may), so a NUL someone typed is kept as U+FFFD, the replacement character."""
    if not any(isinstance(p, str) and "\x00" in p for p in params):
        return params
    return [p.replace("\x00", "\ufffd") if isinstance(p, str) else p for p in params]


def _changed(status: str) -> int:
    """The rows a command changed, from its status ("UPDATE 3", "INSERT 0 1")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def explain(exc: BaseException, name: str) -> DatabaseError:
    """The :class:`DatabaseError` for an error met reaching or using the database ``name``."""
    import asyncpg

    if isinstance(exc, DatabaseError):
        return exc
    said = f" ({exc})" if str(exc) else f" ({type(exc).__name__})"
    if isinstance(exc, asyncpg.DiskFullError):
        return StorageFull(
            f"cannot write {name}: the server's disk is full{said}; nothing stored was lost: "
            "free some space on the database server, then start quizbot again"
        )
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return DatabaseError(
            f"no database at {name}{said}: create it (createdb, or CREATE DATABASE) and "
            "give the user quizbot connects as the right to create tables in it",
            Cause.MISSING,
        )
    if isinstance(
        exc,
        asyncpg.InvalidPasswordError
        | asyncpg.InvalidAuthorizationSpecificationError
        | asyncpg.InsufficientPrivilegeError,
    ):
        return DatabaseError(
            f"{name} refused quizbot{said}: check the user and password in "
            "QUIZBOT_DATABASE_URL and the user's rights on the database",
            Cause.PERMISSION,
        )
    if isinstance(exc, OSError | TimeoutError | asyncpg.CannotConnectNowError):
        return DatabaseError(
            f"cannot reach the PostgreSQL server of {name}{said}: is it running, and do "
            "QUIZBOT_DATABASE_URL's host and port name it?",
            Cause.UNREACHABLE,
        )
    return DatabaseError(f"{name} cannot be used{said}", Cause.OTHER)


class _PostgresTransaction:
    """The statements of one PostgreSQL transaction, on a connection of the pool."""

    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with constraints_said(_constraint_error()):
            status = await self._conn.execute(numbered(sql), *_storable(params))
        return _changed(status)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with constraints_said(_constraint_error()):
            await self._conn.executemany(numbered(sql), [_storable(row) for row in rows])

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with constraints_said(_constraint_error()):
            row: Row | None = await self._conn.fetchrow(numbered(sql), *_storable(params))
        return row

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with constraints_said(_constraint_error()):
            return list(await self._conn.fetch(numbered(sql), *_storable(params)))


def _constraint_error() -> type[BaseException]:
    import asyncpg

    error: type[BaseException] = asyncpg.IntegrityConstraintViolationError
    return error


async def _connect(url: str) -> asyncpg.Connection:
    import asyncpg

    return await asyncpg.connect(
        url, timeout=CONNECT_TIMEOUT, server_settings={"application_name": "quizbot"}
    )


async def _version(conn: asyncpg.Connection) -> int:
    """The schema version a database is at; 0 for one quizbot never migrated."""
    exists = await conn.fetchval("SELECT to_regclass('quizbot_migrations') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM quizbot_migrations"))


class PostgresDatabase(Database):
    """The bot's PostgreSQL database: a pool of connections to one server."""

    dialect = "postgresql"

    def __init__(self, url: str, pool_size: int = POOL_SIZE) -> None:
        self.url = url
        self.name = mask(url)
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise DatabaseError("the database is not open")
        return self._pool

    async def open(self, budget: float = CHECK_BUDGET) -> None:
        """Connect and migrate (one worker at a time: the others wait, then find it done).

        Raises:
            DatabaseError: the server cannot be reached, refuses us, or holds a newer schema.
        """
        import asyncpg

        try:
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=1,
                max_size=self.pool_size,
                timeout=CONNECT_TIMEOUT,
                server_settings={"application_name": "quizbot"},
            )
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise explain(exc, self.name) from exc
        try:
            await self._migrate()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, DatabaseError) as exc:
            await self.close()
            raise explain(exc, self.name) from exc

    async def _migrate(self) -> None:
        async with self.pool.acquire() as conn:
            for version in range(1, SCHEMA_VERSION + 1):
                async with conn.transaction():
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
                    await conn.execute(_VERSION_TABLE)
                    current = await _version(conn)
                    if current > SCHEMA_VERSION:
                        raise DatabaseError(
                            f"{self.name} has schema version {current}, newer than this "
                            f"quizbot's ({SCHEMA_VERSION}): it was written by a newer "
                            "quizbot; upgrade quizbot, or restore a dump made by this version",
                            Cause.NEWER,
                        )
                    if current >= version:
                        continue
                    for statement in MIGRATIONS[version - 1]:
                        await conn.execute(for_postgres(statement))
                    await conn.execute(
                        "INSERT INTO quizbot_migrations (version, applied_at) VALUES ($1, $2)",
                        version,
                        time.time(),
                    )
                logger.info("database migrated to schema version %d", version)

    async def close(self) -> None:
        """Wait for the connections in use to be given back, then close them."""
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        await pool.close()

    async def version(self) -> int:
        async with self.pool.acquire() as conn:
            return await _version(conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_PostgresTransaction]:
        """A write transaction on a connection of its own."""
        import asyncpg

        try:
            async with self.pool.acquire() as conn, conn.transaction():
                yield _PostgresTransaction(conn)
        except asyncpg.DiskFullError as exc:
            raise explain(exc, self.name) from exc

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of one read query."""
        return list(await self.pool.fetch(numbered(sql), *_storable(params)))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of one read query, or None."""
        row: Row | None = await self.pool.fetchrow(numbered(sql), *_storable(params))
        return row

    async def backup(self, target: Path) -> int:
        """A consistent copy by ``pg_dump`` (see :func:`dump`)."""
        return await dump(self.url, target)


async def probe_postgres(url: str, budget: float = CHECK_BUDGET) -> Checked:
    """What ``quizbot health`` checks of a PostgreSQL database: reachable, and migrated to a
    schema this quizbot knows, within ``budget`` seconds.

    Raises:
        DatabaseError: with its :class:`Cause`, as start-up would.
    """
    import asyncpg

    name = mask(url)
    try:
        conn = await asyncio.wait_for(_connect(url), budget)
        try:
            version = await _version(conn)
        finally:
            await conn.close()
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise explain(exc, name) from exc
    if version == 0:
        raise DatabaseError(
            f"{name} holds no quizbot tables yet: start the bot once to create them",
            Cause.MISSING,
        )
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"{name} has schema version {version}, newer than this quizbot's "
            f"({SCHEMA_VERSION}): upgrade quizbot",
            Cause.NEWER,
        )
    return Checked(version)


async def dump(url: str, target: Path) -> int:
    """Dump the database at ``url`` to ``target`` with ``pg_dump --format=custom``.

    The dump is written beside ``target`` and moved into place once ``pg_dump`` succeeds,
    so a failed backup never replaces a good one. ``pg_restore`` reads it back.

    Returns:
        The schema version of the dumped database.

    Raises:
        DatabaseError: ``pg_dump`` is not installed (the message says what to do instead),
            the server cannot be reached, or the dump failed (its first line of error).
    """
    checked = await probe_postgres(url)
    if target.is_dir():
        raise DatabaseError(f"{target} is a folder: give the backup a file name", Cause.OTHER)
    program = shutil.which("pg_dump")
    if program is None:
        raise DatabaseError(
            f"quizbot backup on PostgreSQL runs pg_dump, which is not installed here: "
            f"{_PG_DUMP_HELP}",
            Cause.OTHER,
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".backup-", suffix=".tmp")
        os.close(handle)
    except OSError as exc:
        raise DatabaseError(f"cannot write the backup {target}: {exc.strerror}") from exc
    address, password = _split_password(url)
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    try:
        process = await asyncio.create_subprocess_exec(
            program,
            "--format=custom",
            f"--file={temporary}",
            f"--dbname={address}",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, errors = await process.communicate()
        if process.returncode != 0:
            said = errors.decode("utf-8", "replace").strip().splitlines()
            raise DatabaseError(
                f"pg_dump could not back up {mask(url)}: {said[0] if said else 'no reason'}"
                f"{'; ' + said[1] if len(said) > 1 else ''}",
                Cause.OTHER,
            )
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return checked.version
