"""The quizbot command line, run as a real process."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SAMPLE_BANKS
from tests.helpers import run_cli

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
