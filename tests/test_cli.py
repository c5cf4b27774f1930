"""The quizbot command line, run as a real process."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from bot.cli import _width
from bot.config import Settings
from bot.domain.contest import ContestSettings, ContestStatus
from bot.domain.models import Question, User
from bot.engine import AnswerResult
from bot.runtime import Runtime
from bot.storage.contest_store import ContestStore
from tests.conftest import SAMPLE_BANKS, FakeClock
from tests.helpers import data_env, run_cli

quizbot = run_cli


def test_validate_shipped_banks_exits_zero() -> None:
    result = quizbot("banks", "validate")
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""


def test_validate_broken_bank_prints_lines_and_exits_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "bank:\n  id: b\n  title: B\n  language: zh\nquestions:\n  - id: x\n", encoding="utf-8"
    )
    result = quizbot("banks", "validate", str(bad))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith(f"{bad}:6: question 'x': missing key") for line in lines)


def test_import_of_a_yaml_bank_counts_what_it_holds(tmp_path: Path) -> None:
    target = tmp_path / "out.yaml"
    result = quizbot("banks", "import", str(SAMPLE_BANKS / "sample.yaml"), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"{target}: 4 questions, 2 FAQ entries"
    assert target.read_text(encoding="utf-8") == (SAMPLE_BANKS / "sample.yaml").read_text(
        encoding="utf-8"
    )


def test_faq_ask_json(tmp_path: Path) -> None:
    env = {"QUIZBOT_QUESTIONS_DIR": str(SAMPLE_BANKS), "QUIZBOT_DATA_DIR": str(tmp_path)}
    result = quizbot("faq", "ask", "饭店不给开发票怎么办", "--json", env=env)
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["id"] == "faq-test-invoice"
    assert decision["source"] == "《消费者权益保护法》第二十二条"
    assert set(decision) >= {"id", "score", "answer", "source", "suggestions"}
    nothing = json.loads(quizbot("faq", "ask", "明天天气", "--json", env=env).stdout)
    assert nothing["id"] is None and nothing["answer"] is None


def test_run_without_token_opens_the_console(tmp_path: Path) -> None:
    env = {"QUIZBOT_QUESTIONS_DIR": str(SAMPLE_BANKS), "QUIZBOT_DATA_DIR": str(tmp_path / "d")}
    result = quizbot("run", env=env, stdin="/topics\n")
    assert result.returncode == 0, result.stderr
    assert "@BotFather" in result.stderr
    assert "测试题库（4 题）" in result.stdout
    assert (tmp_path / "d" / "quizbot.sqlite3").exists()


def test_bad_setting_is_one_line(tmp_path: Path) -> None:
    result = quizbot("run", env={"QUIZBOT_ADMINS": "12,abc"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "quizbot: QUIZBOT_ADMINS: 'abc' is not a Telegram user id "
        "(give numbers separated by commas, e.g. 12345,67890)"
    ]


async def _history(settings: Settings, clock: FakeClock) -> Question:
    """A database as a few weeks of use leave it: a quiz answer that took 4 s, a daily answer
    to the same question (sent hours before it is answered: no time), and a finished contest
    in a group with a Chinese title. Returns the question both answered."""
    runtime = Runtime(settings, clock=clock)
    await runtime.start()
    ann, ben = User(21, "Ann"), User(22, "Ben")
    for user in (ann, ben):
        await runtime.engine.see_user(user)
    daily = await runtime.learning.daily(ben)
    assert daily is not None
    question = daily.question
    view = await runtime.engine.start_quiz(ann, ann.id, question.tags[0])
    assert view is not None and view.question == question
    clock.advance(4)
    assert isinstance(
        await runtime.engine.answer(ann.id, view.round_id, 0, question.answer), AnswerResult
    )
    result = await runtime.learning.answer_daily(
        ben, ben.id, daily.day.toordinal(), question.language, question.id, question.answer
    )
    assert isinstance(result, AnswerResult)
    contests = ContestStore(runtime.db, runtime.store.batcher)
    await contests.remember_group(-100777, "消费者协会知识竞赛群")
    contest_id = await contests.create(
        -100777, ann.id, ContestSettings(), [question], ContestStatus.FINISHED, clock.now()
    )
    await contests.join(contest_id, ann, clock.now())
    await runtime.stop()
    return question


async def test_stats_line_up_with_chinese_titles_and_leave_daily_answers_untimed(
    settings: Settings, clock: FakeClock
) -> None:
    question = await _history(settings, clock)
    env = {
        "QUIZBOT_QUESTIONS_DIR": str(SAMPLE_BANKS),
        **data_env(settings.data_dir, settings.database_url),
    }
    table = quizbot("stats", env=env)
    figures = quizbot("stats", "--csv", env=env)
    contests = quizbot("results", "list", env=env)
    assert table.returncode == figures.returncode == contests.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    header, rows = lines[0], [line for line in lines[1:] if "%" in line]
    assert rows[0].startswith("测试题库 ") and rows[1].startswith(f"  {question.id} ")
    # Every share right ends in the column of its heading, Chinese title or not.
    column = _width(header[: header.index("right") + len("right")])
    assert [_width(row[: row.index("%") + 1]) for row in rows] == [column] * len(rows)
    assert rows[1].split()[1:4] == ["2", "100%", "4.0"]  # 2 answers; the daily one untimed
    (row,) = [
        r for r in csv.DictReader(io.StringIO(figures.stdout)) if r["question"] == question.id
    ]
    assert row["attempts"] == "2" and row["average_seconds"] == "4.0"
    listed = contests.stdout.splitlines()
    assert listed[0].split() == ["id", "group", "chat", "status", "created", "players"]
    assert listed[1].split() == [
        "1",
        "消费者协会知识竞赛群",
        "-100777",
        "finished",
        "2026-01-01",
        "08:00",
        "1",
    ]
