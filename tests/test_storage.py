"""The database: migrations, pragmas, integrity, serialised writes."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.config import Settings
from bot.domain.models import User
from bot.runtime import Runtime
from bot.storage.db import SCHEMA_VERSION, Cause, DatabaseError
from bot.storage.migrations import MIGRATIONS
from bot.storage.sqlite import SqliteDatabase as Database
from tests.conftest import FakeClock
from tests.helpers import rows_of


async def test_new_database_is_created_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    db = Database(tmp_path / "sub" / "q.sqlite3")
    await db.open()
    try:
        assert await db.version() == SCHEMA_VERSION
        mode = await db.fetchone("PRAGMA journal_mode")
        timeout = await db.fetchone("PRAGMA busy_timeout")
        assert mode[0] == "wal" and timeout[0] == 5000
    finally:
        await db.close()


def schema(path: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        return sorted(
            conn.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            )
        )
    finally:
        conn.close()


@pytest.mark.parametrize("start", range(len(MIGRATIONS)))
async def test_migrates_from_every_earlier_version(tmp_path: Path, start: int) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for version in range(1, start + 1):
        for statement in MIGRATIONS[version - 1]:
            conn.execute(statement)
    if start:  # a user of the old version
        conn.execute("INSERT INTO users (id, name, created_at) VALUES (7, 'Old', 1.0)")
    conn.execute(f"PRAGMA user_version = {start}")
    conn.commit()
    conn.close()
    db = Database(path)
    await db.open()
    try:
        assert await db.version() == SCHEMA_VERSION
        users = await db.fetchall("SELECT id, name FROM users")
    finally:
        await db.close()
    fresh = Database(tmp_path / "fresh.sqlite3")
    await fresh.open()
    await fresh.close()
    assert schema(path) == schema(tmp_path / "fresh.sqlite3")  # every step really ran
    assert [tuple(u) for u in users] == ([(7, "Old")] if start else [])


async def test_corrupt_file_gets_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "bad.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError, match="is not a SQLite database") as caught:
        await Database(path).open()
    assert caught.value.cause is Cause.NOT_A_DATABASE


async def test_damaged_pages_fail_the_integrity_check(tmp_path: Path) -> None:
    path = tmp_path / "damaged.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x TEXT)")
    conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 200)
    conn.execute("CREATE INDEX t_x ON t(x)")
    conn.commit()
    conn.close()
    raw = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 3, min(len(raw), page * 6)):
        raw[offset] = 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(DatabaseError, match="is damaged .*restore it from a backup") as caught:
        await Database(path).open()
    assert caught.value.cause is Cause.DAMAGED


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(DatabaseError, match="newer than this quizbot") as caught:
        await Database(path).open()
    assert caught.value.cause is Cause.NEWER


async def test_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    db = Database(tmp_path / "q.sqlite3")
    await db.open()
    try:
        await db.execute("INSERT INTO users (id, name, created_at) VALUES (1, 'a', 0)")
        await db.backup(tmp_path / "copy.sqlite3")
    finally:
        await db.close()
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("SELECT name FROM users").fetchall() == [("a",)]
    assert copy.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    copy.close()


async def test_stopping_writes_what_is_still_queued(settings: Settings, clock: FakeClock) -> None:
    """What was submitted but not yet committed when the bot stops is written, not lost."""
    runtime = Runtime(settings, clock=clock)
    await runtime.start()
    saving = [
        asyncio.ensure_future(runtime.store.save_user(User(100 + n, f"u{n}"), 1.0))
        for n in range(50)
    ]
    await asyncio.sleep(0)  # each is queued, none committed yet
    assert not any(s.done() for s in saving)
    await runtime.stop()
    assert all(s.done() and s.exception() is None for s in saving)
    ((count,),) = await rows_of(
        settings.data_dir, settings.database_url, "SELECT COUNT(*) FROM users"
    )
    assert count == 50
