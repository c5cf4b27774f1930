"""Backups of a live database, parameterised SQL only, and contests in many groups at once."""

from __future__ import annotations

import ast
import asyncio
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import bot
from bot.config import Settings
from tests import postgres
from tests.conftest import FakeClock, FakeScheduler, postgres_path, running_bot
from tests.fakebotapi import FakeBotApi, TgUser
from tests.helpers import REPO, clean_env, data_env, rows_of, run_cli
from tests.players import GroupPlayer, Player


async def test_backup_while_the_bot_writes(
    api: FakeBotApi, settings: Settings, request: pytest.FixtureRequest
):
    env = clean_env(**data_env(settings.data_dir, settings.database_url))
    target = settings.data_dir.parent / "backups" / "copy.sqlite3"
    if settings.database_url is not None:  # pg_dump, of the server's own version
        env["PATH"] = postgres_path(request)
    players = [Player(api, TgUser(7000 + n, f"p{n}")) for n in range(6)]
    async with running_bot(api, settings):
        for player in players:
            await player.say("/quiz")
        backup = asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "backup",
            str(target),
            env=env,
            cwd=str(REPO),
            stderr=asyncio.subprocess.PIPE,
        )
        process = await backup
        for player in players:  # the bot keeps writing meanwhile
            await player.say("今天天气真好啊朋友")
        assert await process.wait() == 0, (await process.stderr.read()).decode()
    if settings.database_url is None:
        copy = sqlite3.connect(target)
        try:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            rounds = copy.execute("SELECT COUNT(*) FROM rounds").fetchone()[0]
            users = copy.execute("SELECT COUNT(*) FROM users").fetchone()[0]
        finally:
            copy.close()
    else:  # the dump restores into an empty database
        server: postgres.Server = request.getfixturevalue("postgres_server")
        restored = server.create_database()
        restore = subprocess.run(
            ["pg_restore", f"--dbname={restored}", str(target)],
            env={**os.environ, "PATH": env["PATH"]},
            capture_output=True,
            text=True,
        )
        assert restore.returncode == 0, restore.stderr
        ((rounds,),) = await rows_of(settings.data_dir, restored, "SELECT COUNT(*) FROM rounds")
        ((users,),) = await rows_of(settings.data_dir, restored, "SELECT COUNT(*) FROM users")
    assert rounds == 6 and users >= 6


def test_backup_of_a_missing_database_says_so(tmp_path: Path) -> None:
    env = {"QUIZBOT_DATA_DIR": str(tmp_path / "none")}
    result = run_cli("backup", str(tmp_path / "x"), env=env, timeout=60)
    assert result.returncode == 1 and "no database at" in result.stderr


# Every SQL statement built with an f-string, and why its interpolation is safe: names and
# placeholders of our own, never a value from outside.
ALLOWED_FSTRINGS = {
    ("storage/sqlite.py", "PRAGMA user_version"),  # the migration's own integer
    ("storage/store.py", "SELECT u.id, u.name, u.username, SUM"),  # "?" of our own
    ("storage/batch.py", "ROLLBACK TO SAVEPOINT unit"),
    ("storage/batch.py", "RELEASE SAVEPOINT unit"),
    ("storage/contest_store.py", "UPDATE contests SET"),  # column names from an allow-list
    ("storage/contest_store.py", "SELECT * FROM contests WHERE chat_id IN"),  # "?" marks
    ("storage/batch.py", "SAVEPOINT unit"),  # a counter
}


SQL_HEAD = re.compile(
    r"\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|PRAGMA|SAVEPOINT|ROLLBACK|RELEASE)\b"
)


def sql_built_from_values(source: str) -> list[tuple[int, str]]:
    """Every SQL text built from values, wherever it is: (line, its constant start).

    An f-string, a ``.format()`` or a ``+``/``%`` whose text starts like SQL, and anything
    but a plain name, string or call passed as the SQL of execute() and friends.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            head = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if SQL_HEAD.match(head):
                found.append((node.lineno, " ".join(head.split())))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if node.func.attr == "format" and isinstance(target, ast.Constant):
                if SQL_HEAD.match(str(target.value)):
                    found.append((node.lineno, "format()"))
            elif node.func.attr in SQL_CALLS and node.args:
                if isinstance(node.args[0], ast.BinOp):
                    found.append((node.lineno, "+"))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            sides = (node.left, node.right)
            if any(isinstance(s, ast.Constant) and SQL_HEAD.match(str(s.value)) for s in sides):
                found.append((node.lineno, "+"))
    return sorted(set(found))


SQL_CALLS = ("execute", "executemany", "executescript", "fetchall", "fetchone")


def test_sql_check_sees_sql_built_in_a_variable() -> None:
    built = """
async def record(db, text):
    sql = f"INSERT INTO faq_queries (text) VALUES ('{text}')"
    await db.execute(sql)
    await db.execute("SELECT * FROM t WHERE a = " + text)
    await db.execute("DELETE FROM t WHERE a = {}".format(text))
    await db.execute("SELECT ?", (text,))
"""
    assert [line for line, _ in sql_built_from_values(built)] == [3, 5, 6]


def test_only_parameterised_sql() -> None:
    """No SQL is built from values: every f-string that builds SQL is on a reviewed list."""
    root = Path(bot.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        for line, head in sql_built_from_values(path.read_text(encoding="utf-8")):
            match = next(
                (
                    text
                    for where, text in ALLOWED_FSTRINGS
                    if path.as_posix().endswith(where) and head.startswith(text)
                ),
                None,
            )
            assert match, f"{path}:{line}: SQL built from values ({head})"
            found.add(match)
    assert found == {text for _where, text in ALLOWED_FSTRINGS}  # the list is not stale


async def test_ten_contests_at_once_store_every_answer(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    """A small version of the load benchmark: ten groups answering in the same seconds."""
    groups = [-2000 - g for g in range(10)]
    admin = TgUser(1, "Admin")
    crowd = {
        g: [GroupPlayer(api, TgUser(10_000 * (i + 1) + n, f"P{n}"), g) for n in range(8)]
        for i, g in enumerate(groups)
    }
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        catalogue = runtime.engine.catalogue
        for group in groups:
            api.admins[group] = {admin.id}
            await GroupPlayer(api, admin, group).say("/contest 网购 1 20")
            await GroupPlayer(api, admin, group).say("/go")
        presses = []
        for n in range(8):
            for group in groups:
                player = crowd[group][n]
                presses.append(player.contest_answer(catalogue, right=n % 2 == 0))
        toasts = await asyncio.gather(*presses)
        await scheduler.advance(60)
        rows = await runtime.db.fetchall(
            "SELECT c.chat_id, a.user_id, a.correct FROM answers a JOIN contests c "
            "ON c.id = a.contest_id"
        )
    assert all(t.startswith("已记录你的答案") for t in toasts)
    assert len(rows) == 80
    for group in groups:
        podium = next(c.text for c in api.sent(group) if "竞赛结束" in c.text)
        assert "共 8 人参加" in podium
        winners = {r["user_id"] for r in rows if r["chat_id"] == group and r["correct"]}
        assert len(winners) == 4
        assert podium.splitlines()[2].startswith("🥇 P")
