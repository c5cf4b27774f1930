"""One storage interface, two databases: what must hold on SQLite and PostgreSQL alike.

The tests asking for ``db`` run on SQLite in the default run and on a real PostgreSQL
server with ``--database=postgresql`` (`make test` runs both). Those marked
``postgres_only`` are about PostgreSQL itself (its migrations, pg_dump, the server being
away) and run in that pass only; the rest need no database at all.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from bot.domain.contest import ContestSettings, ContestStatus
from bot.domain.models import User
from bot.storage.contest_store import ContestStore
from bot.storage.db import (
    SCHEMA_VERSION,
    Cause,
    Database,
    DatabaseError,
    IntegrityError,
    open_database,
)
from bot.storage.migrations import MIGRATIONS, for_postgres
from bot.storage.postgres import PostgresDatabase, mask, numbered
from bot.storage.store import AnswerRecord, Store
from tests.helpers import REPO, clean_env, data_env

postgres_only = pytest.mark.postgres_only


@pytest.fixture
async def db(tmp_path: Path, database_url: str | None) -> AsyncIterator[Database]:
    database = open_database(
        Settings(data_dir=tmp_path / "data", database_url=database_url).database_target
    )
    await database.open()
    yield database
    await database.close()


ANN, BOB = User(1, "Ann"), User(2, "Bob")


def answer(user: User, position: int, correct: bool, round_id: int | None = None) -> AnswerRecord:
    return AnswerRecord(user.id, user.id, "q1", position, "A", correct, 10, 500, 1.0, round_id)


# --- the same behaviour on both ------------------------------------------------------------


async def test_failed_transaction_rolls_back_and_others_commit(db: Database) -> None:
    async def insert(user_id: int, fail: bool) -> None:
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO users (id, name, created_at) VALUES (?, ?, 0)", (user_id, "u")
            )
            await asyncio.sleep(0)  # let the other tasks try to interleave
            if fail:
                raise RuntimeError("boom")

    results = await asyncio.gather(
        *(insert(i, fail=i % 2 == 0) for i in range(1, 11)), return_exceptions=True
    )
    rows = await db.fetchall("SELECT id FROM users ORDER BY id")
    assert sum(isinstance(r, RuntimeError) for r in results) == 5
    assert [r["id"] for r in rows] == [1, 3, 5, 7, 9]


async def test_a_broken_constraint_is_an_integrity_error_and_takes_no_effect(
    db: Database,
) -> None:
    await db.execute("INSERT INTO users (id, name, created_at) VALUES (1, 'Ann', 0)")
    with pytest.raises(IntegrityError):  # the same key twice
        await db.execute("INSERT INTO users (id, name, created_at) VALUES (1, 'Again', 0)")
    with pytest.raises(IntegrityError):  # a user that does not exist
        async with db.transaction() as tx:
            await tx.execute("UPDATE users SET name = 'changed' WHERE id = 1")
            await tx.execute("INSERT INTO user_stats (user_id, answered) VALUES (?, 1)", (404,))
    rows = await db.fetchall("SELECT id, name FROM users")
    assert [tuple(r) for r in rows] == [(1, "Ann")]  # the whole transaction rolled back


async def test_new_rows_get_their_ids_and_changes_are_counted(db: Database) -> None:
    store = Store(db)
    await store.save_user(ANN, 1.0)
    first = await store.create_round(ANN.id, ANN.id, None, ["q1", "q2"], 1.0)
    second = await store.create_round(ANN.id, ANN.id, None, ["q1"], 2.0)
    assert second > first > 0
    assert (await store.open_round(ANN.id)).id == second  # type: ignore[union-attr]
    assert await db.execute("UPDATE users SET language = 'en'") == 1
    assert await db.execute("UPDATE users SET language = 'en' WHERE id = 404") == 0


async def test_two_presses_racing_for_one_question_store_one_answer(db: Database) -> None:
    """The round's position is checked in the UPDATE itself: on PostgreSQL the two run on
    two connections at once, and still only one moves the round on."""
    store = Store(db)
    await store.save_user(ANN, 1.0)
    round_id = await store.create_round(ANN.id, ANN.id, None, ["q1", "q2"], 1.0)
    taken = await asyncio.gather(
        *(store.record_round_answer(answer(ANN, 0, True, round_id), 2) for _ in range(5))
    )
    assert sorted(taken) == [False, False, False, False, True]
    rows = await db.fetchall("SELECT position FROM answers WHERE round_id = ?", (round_id,))
    assert [r["position"] for r in rows] == [0]
    assert (await store.score(ANN.id)).answered == 1


async def test_totals_add_up_and_keep_the_best_streak(db: Database) -> None:
    store = Store(db)
    await store.save_user(ANN, 1.0)
    round_id = await store.create_round(ANN.id, ANN.id, None, ["q"] * 5, 1.0)
    for position, right in enumerate([True, True, False, True]):
        assert await store.record_round_answer(answer(ANN, position, right, round_id), 5)
    card = await store.score(ANN.id)
    assert (card.answered, card.correct, card.points) == (4, 3, 40)
    assert (card.streak, card.best_streak, card.rank) == (1, 2, 1)
    assert await store.round_totals(round_id) == (4, 3, 40)


async def test_a_batch_with_a_second_answer_keeps_every_other_answer(db: Database) -> None:
    """Group commit: a batch that hits the unique key is written unit by unit, so only the
    repeated answer is refused."""
    contests = ContestStore(db)
    contest = await contests.create(
        -100, ANN.id, ContestSettings(), [], ContestStatus.QUESTION, 1.0
    )
    players = [User(10 + n, f"P{n}") for n in range(6)]
    presses = [(p, answer(p, 0, True)) for p in players] + [
        (players[0], answer(players[0], 0, False))
    ]
    stored = await asyncio.gather(*(contests.record_answer(a, contest, 1, p) for p, a in presses))
    assert stored.count(True) == 6 and stored.count(False) == 1
    rows = await db.fetchall(
        "SELECT user_id, correct FROM answers WHERE contest_id = ? ORDER BY user_id", (contest,)
    )
    assert [tuple(r) for r in rows] == [(p.id, 1) for p in players]
    assert {s.user_id: s.answered for s in await contests.players(contest)} == {
        p.id: 1 for p in players
    }


async def test_nobody_answering_resets_every_streak(db: Database) -> None:
    contests = ContestStore(db)
    contest = await contests.create(
        -100, ANN.id, ContestSettings(), [], ContestStatus.QUESTION, 1.0
    )
    for user in (ANN, BOB):
        await contests.record_answer(answer(user, 0, True), contest, 1, user)
    await contests.record_answer(answer(ANN, 1, True), contest, 2, ANN)
    await contests.reset_streaks(contest, 1)  # Bob did not answer the second question
    assert await contests.streaks(contest) == {ANN.id: 2, BOB.id: 0}
    await contests.reset_streaks(contest, 2)  # nobody answered the third
    assert await contests.streaks(contest) == {ANN.id: 0, BOB.id: 0}


async def test_a_second_active_contest_in_a_group_is_refused(db: Database) -> None:
    from bot.storage.contest_store import ActiveContestExists

    contests = ContestStore(db)
    await contests.create(-100, ANN.id, ContestSettings(), [], ContestStatus.LOBBY, 1.0)
    with pytest.raises(ActiveContestExists):
        await contests.create(-100, ANN.id, ContestSettings(), [], ContestStatus.LOBBY, 2.0)
    await contests.add_poll("p1", 1, 0)
    await contests.add_poll("p1", 1, 3)  # a poll sent again replaces its position
    assert await contests.poll("p1") == (1, 3)


async def test_any_text_a_person_types_is_stored_and_found_again(db: Database) -> None:
    """PostgreSQL's text cannot hold NUL (SQLite's can): it is stored as U+FFFD, on both
    sides of a comparison, so what was stored is found by the same text."""
    typed = "退货\x00?'); DROP TABLE users; --😀"
    await db.execute("INSERT INTO users (id, name, created_at) VALUES (1, ?, 0)", (typed,))
    row = await db.fetchone("SELECT id, name FROM users WHERE name = ?", (typed,))
    assert row is not None and row["id"] == 1
    kept = typed if db.dialect == "sqlite" else typed.replace("\x00", "\ufffd")
    assert row["name"] == kept


async def test_telegram_sized_ids_and_times_keep_every_digit(db: Database) -> None:
    """Chat ids past 32 bits and timestamps to the millisecond: BIGINT and DOUBLE PRECISION
    on PostgreSQL, as SQLite's integers and reals."""
    contests = ContestStore(db)
    chat, when = -1002147483649, 1767225600.123
    contest = await contests.create(
        chat, 8_000_000_001, ContestSettings(), [], ContestStatus.LOBBY, when
    )
    row = await contests.get(contest)
    assert row is not None and (row.chat_id, row.created_by, row.created_at) == (
        chat,
        8_000_000_001,
        when,
    )


# --- PostgreSQL itself ---------------------------------------------------------------------


@postgres_only
async def test_the_schemas_are_the_same_column_for_column(db: Database, tmp_path: Path) -> None:
    sqlite = open_database(tmp_path / "reference.sqlite3")
    await sqlite.open()
    try:
        tables = [
            r["name"]
            for r in await sqlite.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        expected = {}
        for table in tables:
            columns = await sqlite.fetchall(f"PRAGMA table_info({table})")  # our own names
            expected[table] = [(c["name"], bool(c["notnull"] or c["pk"])) for c in columns]
        indexes = {
            r["name"]
            for r in await sqlite.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        }
    finally:
        await sqlite.close()
    found = {}
    for table in tables:
        columns = await db.fetchall(
            """SELECT column_name, is_nullable FROM information_schema.columns
               WHERE table_schema = 'public' AND table_name = ? ORDER BY ordinal_position""",
            (table,),
        )
        found[table] = [(c["column_name"], c["is_nullable"] == "NO") for c in columns]
    assert found == expected
    pg_indexes = {
        r["indexname"]
        for r in await db.fetchall("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
    }
    assert indexes <= pg_indexes


@postgres_only
@pytest.mark.empty_database
@pytest.mark.parametrize("done", range(SCHEMA_VERSION))
async def test_postgres_migrates_from_every_earlier_version(database_url: str, done: int) -> None:
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "CREATE TABLE quizbot_migrations (version INTEGER PRIMARY KEY, "
            "applied_at DOUBLE PRECISION NOT NULL)"
        )
        for version in range(1, done + 1):
            for statement in MIGRATIONS[version - 1]:
                await conn.execute(for_postgres(statement))
            await conn.execute("INSERT INTO quizbot_migrations VALUES ($1, 0)", version)
        if done:
            await conn.execute("INSERT INTO users (id, name, created_at) VALUES (7, 'Old', 0)")
    finally:
        await conn.close()
    db = PostgresDatabase(database_url)
    await db.open()
    try:
        assert await db.version() == SCHEMA_VERSION
        users = await db.fetchall("SELECT name FROM users")
        steps = await db.fetchall("SELECT version FROM quizbot_migrations ORDER BY version")
    finally:
        await db.close()
    assert [u["name"] for u in users] == (["Old"] if done else [])
    assert [s["version"] for s in steps] == list(range(1, SCHEMA_VERSION + 1))


@postgres_only
@pytest.mark.empty_database
async def test_workers_starting_together_migrate_once(database_url: str) -> None:
    workers = [PostgresDatabase(database_url) for _ in range(4)]
    await asyncio.gather(*(w.open() for w in workers))
    try:
        steps = await workers[0].fetchall("SELECT version FROM quizbot_migrations")
    finally:
        await asyncio.gather(*(w.close() for w in workers))
    assert sorted(s["version"] for s in steps) == list(range(1, SCHEMA_VERSION + 1))


@postgres_only
async def test_a_newer_schema_is_refused_by_start_up_and_health(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    await db.execute(
        "INSERT INTO quizbot_migrations (version, applied_at) VALUES (?, 0)",
        (SCHEMA_VERSION + 1,),
    )
    with pytest.raises(DatabaseError, match="newer than this quizbot") as caught:
        await PostgresDatabase(database_url).open()
    assert caught.value.cause is Cause.NEWER
    health = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "health",
        env=clean_env(**data_env(tmp_path, database_url)),
        cwd=str(REPO),
        stderr=asyncio.subprocess.PIPE,
    )
    _, said = await health.communicate()
    assert health.returncode == 1 and "newer than this quizbot" in said.decode()


@postgres_only
async def test_a_server_away_is_told_in_one_line_without_the_password(
    database_url: str,
) -> None:
    import socket

    with socket.socket() as probe:  # a port on this machine where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://quizbot:hunter2@127.0.0.1:{port}/quizbot"
    with pytest.raises(DatabaseError) as caught:
        await PostgresDatabase(url).open()
    message = str(caught.value)
    assert caught.value.cause is Cause.UNREACHABLE
    assert "cannot reach the PostgreSQL server" in message and "\n" not in message
    assert "hunter2" not in message and "quizbot:***@127.0.0.1" in message


@postgres_only
async def test_a_user_the_server_does_not_know_is_told_to_check_the_url(
    database_url: str,
) -> None:
    stranger = database_url.replace("postgresql://postgres@", "postgresql://nobody_here@")
    with pytest.raises(DatabaseError) as caught:
        await PostgresDatabase(stranger).open()
    assert caught.value.cause is Cause.PERMISSION
    assert "check the user and password in QUIZBOT_DATABASE_URL" in str(caught.value)


@postgres_only
async def test_connections_the_server_dropped_are_made_again(
    db: Database, database_url: str
) -> None:
    """A server restart or a killed backend: the pool connects again for the next query."""
    import asyncpg

    await db.execute("INSERT INTO users (id, name, created_at) VALUES (1, 'Ann', 0)")
    admin = await asyncpg.connect(database_url)
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'quizbot'"
        )
    finally:
        await admin.close()
    assert killed >= 1
    await asyncio.sleep(0.1)  # the pool hears of it
    row = await db.fetchone("SELECT name FROM users WHERE id = ?", (1,))
    assert row is not None and row["name"] == "Ann"
    assert await db.execute("UPDATE users SET name = 'Ann B.' WHERE id = 1") == 1


@postgres_only
async def test_backup_without_pg_dump_says_how(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "copy.dump"
    backup = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "backup",
        str(target),
        env={**clean_env(**data_env(tmp_path, database_url)), "PATH": str(tmp_path / "empty")},
        cwd=str(REPO),
        stderr=asyncio.subprocess.PIPE,
    )
    _, said = await backup.communicate()
    text = said.decode()
    assert backup.returncode == 1 and text.count("\n") == 1, text
    assert "runs pg_dump, which is not installed here" in text
    assert "pg_dump --format=custom --file=FILE" in text
    assert not target.exists()


# --- the pieces that need no database ------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT ? , ?", "SELECT $1 , $2"),
        ("SELECT '?' || ?", "SELECT '?' || $1"),
        ("SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1"),
        ('SELECT "a?" FROM t WHERE x = ?', 'SELECT "a?" FROM t WHERE x = $1'),
        ("SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"),
    ],
)
def test_placeholders_are_numbered_outside_quotes_and_comments(sql: str, expected: str) -> None:
    assert numbered(sql) == expected


def test_numbered_placeholders_in_our_sql_are_refused() -> None:
    with pytest.raises(ValueError, match="write placeholders as"):
        numbered("SELECT $1")


def test_migrations_translate_and_what_cannot_is_refused() -> None:
    translated = for_postgres(
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER, at REAL)"
    )
    assert translated == (
        "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
        "n BIGINT, at DOUBLE PRECISION)"
    )
    assert all(for_postgres(s) for m in MIGRATIONS for s in m)  # every shipped one translates
    with pytest.raises(ValueError, match="PRAGMA"):
        for_postgres("PRAGMA foreign_keys = ON")
    with pytest.raises(ValueError, match="INSERT OR"):
        for_postgres("INSERT OR IGNORE INTO t VALUES (1)")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mysql://quizbot@db/quizbot", "must start with postgresql://"),
        ("quizbot.sqlite3", "must start with postgresql://"),
        ("postgresql://quizbot@db:port/quizbot", "QUIZBOT_DATABASE_URL: Port"),
        ("postgresql://quizbot@db:5432", "names no database"),
    ],
)
def test_a_bad_database_url_is_one_clear_line(url: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"QUIZBOT_DATABASE_URL": url})
    assert problem in str(caught.value) and "\n" not in str(caught.value)


def test_the_database_url_chooses_postgresql_and_nothing_chooses_sqlite(tmp_path: Path) -> None:
    url = "postgresql://quizbot:pw@db.example.org:5432/quizbot"
    chosen = Settings.from_env({"QUIZBOT_DATABASE_URL": url, "QUIZBOT_DATA_DIR": str(tmp_path)})
    assert isinstance(open_database(chosen.database_target), PostgresDatabase)
    default = Settings.from_env({"QUIZBOT_DATA_DIR": str(tmp_path)})
    assert default.database_target == tmp_path / "quizbot.sqlite3"
    assert open_database(default.database_target).dialect == "sqlite"
    assert mask(url) == "postgresql://quizbot:***@db.example.org:5432/quizbot"
    assert mask("postgresql://quizbot@db/quizbot") == "postgresql://quizbot@db/quizbot"
    assert (
        mask("postgresql://q:p%40ss@[::1]:5432/quizbot") == "postgresql://q:***@[::1]:5432/quizbot"
    )


def test_the_sqlite_default_never_loads_the_postgresql_driver(tmp_path: Path) -> None:
    """SQLite, the default, opens and runs without asyncpg being imported at all."""
    code = (
        "import sys, asyncio\n"
        "from bot.storage.db import open_database\n"
        "async def main():\n"
        "    db = open_database(sys.argv[1])\n"
        "    await db.open()\n"
        "    await db.execute('INSERT INTO users (id, name, created_at) VALUES (1, 2, 0)')\n"
        "    await db.close()\n"
        "asyncio.run(main())\n"
        "assert 'asyncpg' not in sys.modules, 'asyncpg was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "q.sqlite3")],
        cwd=REPO,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


# --- what several workers agree on (the same on both; PostgreSQL runs them on several
# connections at once) ------------------------------------------------------------------


async def test_an_answer_is_stored_only_while_its_question_is_open_as_stored(
    db: Database,
) -> None:
    """The conditional write: the contest's row, not a worker's memory, says whether the
    question is open; a late press, another question, a stale showing are all refused."""
    from bot.storage.contest_store import OpenQuestion

    contests = ContestStore(db)
    contest = await contests.create(
        -100, ANN.id, ContestSettings(), [], ContestStatus.QUESTION, 1.0
    )
    await contests.update(contest, position=0, asked_at=100.0, deadline=110.0)

    def window(now: float, asked_at: float = 100.0, sent_at: float | None = None) -> OpenQuestion:
        return OpenQuestion(asked_at, now, sent_at if sent_at is not None else now, 60.0)

    def press(user: User, position: int = 0) -> AnswerRecord:
        return AnswerRecord(user.id, -100, "q1", position, "A", True, 900, 2000, 102.0)

    cat, dan, eve, fay = (
        User(n, name) for n, name in ((3, "Cat"), (4, "Dan"), (5, "Eve"), (6, "Fay"))
    )
    assert await contests.record_answer(press(ANN), contest, 1, ANN, None, window(105.0))
    assert not await contests.record_answer(press(ANN), contest, 1, ANN, None, window(106.0))
    assert not await contests.record_answer(press(BOB), contest, 1, BOB, None, window(111.0))
    assert not await contests.record_answer(press(BOB, 1), contest, 1, BOB, None, window(105.0))
    # Shown again meanwhile (a pause and resume): the points were counted from a stale time.
    assert not await contests.record_answer(
        press(BOB), contest, 1, BOB, None, window(105.0, asked_at=99.0)
    )
    # Sent before the deadline, delivered late (a typed answer, timed by its message).
    assert await contests.record_answer(
        press(cat), contest, 1, cat, None, window(130.0, sent_at=109.0)
    )
    # Telegram was out of reach at the deadline: presses it held count until grace_until.
    await contests.update(contest, grace_until=170.0)
    assert await contests.record_answer(press(dan), contest, 1, dan, None, window(150.0))
    await contests.update(contest, status=ContestStatus.REVEAL)
    assert not await contests.record_answer(press(eve), contest, 1, eve, None, window(150.0))
    assert not await contests.record_answer(press(fay), contest, 1, fay, None, window(105.0))
    rows = await db.fetchall("SELECT user_id FROM answers ORDER BY user_id")
    assert [r["user_id"] for r in rows] == [ANN.id, cat.id, dan.id]
    assert {p.user_id for p in await contests.players(contest)} == {ANN.id, cat.id, dan.id}


async def test_a_lease_has_one_holder_until_it_lapses(db: Database) -> None:
    from bot.storage.coordination import Coordination

    leases = Coordination(db)
    taken = await asyncio.gather(
        *(leases.acquire("contest:1", f"w{n}", 100.0, 6) for n in range(5))
    )
    assert taken.count(True) == 1
    holder = f"w{taken.index(True)}"
    assert await leases.acquire("contest:1", holder, 103.0, 6)  # its own: renewed
    assert await leases.renew("contest:1", holder, 108.0, 6)
    assert not await leases.acquire("contest:1", "other", 113.0, 6)  # held until 114
    assert await leases.acquire("contest:1", "other", 114.5, 6)  # lapsed: taken over
    assert not await leases.renew("contest:1", holder, 115.0, 6)  # the old holder lost it
    assert await leases.holder("contest:1") == ("other", 120.5)
    await leases.release("contest:1", holder)  # not its own any more: nothing happens
    assert await leases.holder("contest:1") == ("other", 120.5)
    await leases.release("contest:1", "other")
    assert await leases.acquire("contest:1", holder, 116.0, 6)  # free again at once


async def test_a_signal_holds_the_latest_token(db: Database) -> None:
    from bot.storage.coordination import Coordination

    signals = Coordination(db)
    assert await signals.signalled("banks") is None  # never changed
    await signals.signal("banks", "one")
    await signals.signal("banks", "two")
    await signals.signal("other", "x")
    assert await signals.signalled("banks") == "two"


async def test_a_group_budget_gives_out_twenty_places_a_minute_to_many_at_once(
    db: Database,
) -> None:
    """Forty replies wanted at the same moment, by workers on several connections: twenty
    places, never more; a mandatory message is always counted, and the minute slides."""
    from bot.storage.coordination import Coordination

    budgets = Coordination(db)
    wanted = await asyncio.gather(*(budgets.take_place(-100, 10.0, 0) for _ in range(40)))
    assert wanted.count(True) == 20
    assert await budgets.used(-100, 10.0) == 20
    assert await budgets.take_place(-100, 20.0, None)  # a contest's question: counted
    assert await budgets.used(-100, 20.0) == 21
    assert not await budgets.take_place(-100, 69.0, 0)
    assert await budgets.used(-100, 70.5) == 1  # the first twenty are a minute old
    assert await budgets.take_place(-100, 70.5, 5)
    assert await budgets.used(-200, 70.5) == 0  # another group's budget is its own


async def test_a_days_delivery_is_claimed_once(db: Database) -> None:
    from bot.storage.coordination import Coordination

    claims = Coordination(db)
    won = await asyncio.gather(
        *(claims.claim_delivery(42, "2026-03-15", f"w{n}") for n in range(4))
    )
    assert won.count(True) == 1
    assert await claims.claim_delivery(42, "2026-03-16", "w0")
    assert await claims.claim_delivery(43, "2026-03-15", "w0")


async def test_ticks_of_a_multiple_choice_answer_are_stored(db: Database) -> None:
    contests = ContestStore(db)
    contest = await contests.create(
        -100, ANN.id, ContestSettings(), [], ContestStatus.QUESTION, 1.0
    )
    assert await contests.toggle_pick(contest, 0, ANN.id, "C") == "C"
    assert await contests.toggle_pick(contest, 0, ANN.id, "A") == "AC"
    assert await contests.toggle_pick(contest, 0, ANN.id, "C") == "A"
    assert await contests.picks(contest, 0, ANN.id) == "A"
    assert await contests.picks(contest, 1, ANN.id) == ""
    await contests.request(contest, "pause")
    assert await contests.take_request(contest) == "pause"
    assert await contests.take_request(contest) is None
