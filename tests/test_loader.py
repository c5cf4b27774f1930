"""The bank loader: every problem at once, with its line; nothing of a broken file loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.banks.loader import load_banks, parse_bank
from tests.conftest import SAMPLE_BANKS

GOOD = """\
bank:
  id: good
  title: Good bank
  language: en
questions:
  - id: g-1
    type: single
    text: Which number do you call to complain in China?
    options: ["110", "12315"]
    answer: B
    explanation: 12315 is the complaints line of market regulators.
    source: 市场监督管理投诉举报处理暂行办法 第三十六条
    tags: [complaints]
    difficulty: 1
"""


def errors_of(text: str) -> list[str]:
    bank, errors, _root = parse_bank(text, "bank.yaml")
    assert (bank is None) == bool(errors)
    return [str(e) for e in errors]


def test_sample_bank_loads() -> None:
    report = load_banks([SAMPLE_BANKS])
    assert report.ok, report.errors
    assert len(report.catalogue.questions) == 4
    assert len(report.catalogue.faq) == 2


def test_good_bank_has_no_errors() -> None:
    assert errors_of(GOOD) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("answer: B", "answer: C"),
            "bank.yaml:10: question 'g-1': answer 'C' is not among the options (A-B)",
        ),
        (
            ("difficulty: 1", "difficulty: 5"),
            "bank.yaml:14: question 'g-1': difficulty must be 1, 2 or 3, not '5'",
        ),
        (
            ("    explanation:", "    explaination:"),
            "bank.yaml:11: question 'g-1': unknown key 'explaination' "
            "(did you mean 'explanation'?)",
        ),
        (
            ("  language: en", "  language: fr"),
            "bank.yaml:4: bank: language 'fr' must be one of: zh, en",
        ),
        (
            ("type: single", "type: choice"),
            "bank.yaml:7: question 'g-1': type 'choice' must be "
            "one of: single, multiple, truefalse, open",
        ),
        (
            ("tags: [complaints]", "tags: []"),
            "bank.yaml:13: question 'g-1': tags must list at least 1, not 0",
        ),
        (
            ('options: ["110", "12315"]', 'options: ["110"]'),
            "bank.yaml:9: question 'g-1': options has 1; a question needs 2-6",
        ),
        (
            ('options: ["110", "12315"]', 'options: ["110", "110"]'),
            "bank.yaml:9: question 'g-1': options repeats '110' (line 9)",
        ),
        (
            ("    source: 市场", "    source: yes\n    x: 市场"),
            "bank.yaml:12: question 'g-1': source must be text, not true/false (put it in quotes)",
        ),
        (
            ("title: Good bank", "title: Good bank\n  title: Again"),
            "bank.yaml:4: bank: duplicate key 'title'",
        ),
        (
            ("questions:", "faq: 3\nquestions:"),
            "bank.yaml:5: faq must be a list (each entry starting with '- ')",
        ),
    ],
)
def test_each_rule_has_its_message(change: tuple[str, str], expected: str) -> None:
    assert expected in errors_of(GOOD.replace(*change, 1))


def test_text_too_long_for_a_quiz_poll() -> None:
    long_text = "问" * 301
    errors = errors_of(GOOD.replace("Which number do you call to complain in China?", long_text))
    assert errors == ["bank.yaml:8: question 'g-1': text is 301 characters long; the limit is 300"]


def test_every_error_is_reported_at_once() -> None:
    broken = (
        GOOD.replace("answer: B", "answer: Z")
        .replace("difficulty: 1", "difficulty: 0")
        .replace("  language: en", "  language: de")
    )
    assert len(errors_of(broken)) == 3


def test_missing_keys_and_empty_bank() -> None:
    assert errors_of("bank:\n  id: x\n  title: T\n  language: zh\n") == [
        "bank.yaml:1: the bank is empty: it needs at least one question or FAQ entry"
    ]
    assert errors_of("bank:\n  id: x\n") == [
        "bank.yaml:1: the bank is empty: it needs at least one question or FAQ entry",
        "bank.yaml:2: bank: missing key 'language'",
        "bank.yaml:2: bank: missing key 'title'",
    ]


def test_yaml_syntax_error_has_a_line() -> None:
    (error,) = errors_of(GOOD.replace("options: [", "options: [[", 1))
    assert error.startswith("bank.yaml:") and "not valid YAML" in error


def test_unsafe_tags_are_refused() -> None:
    text = GOOD.replace("title: Good bank", "title: !!python/object/apply:os.system ['true']")
    (error,) = errors_of(text)
    assert "not valid YAML" in error or "must be text" in error


def test_duplicate_ids_across_files_skip_the_later_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD.replace("id: good", "id: other"), encoding="utf-8")
    report = load_banks([tmp_path])
    assert [str(e) for e in report.errors] == [
        f"{tmp_path}/b.yaml:6: duplicate question id 'g-1' (already used at {tmp_path}/a.yaml:6)"
    ]
    assert [b.id for b in report.catalogue.banks] == ["good"]
    assert report.skipped == [f"{tmp_path}/b.yaml"]


def test_broken_file_never_half_loads_and_others_serve(tmp_path: Path) -> None:
    second = GOOD.replace("id: good", "id: second").replace("g-1", "g-2")
    broken = second + "  - id: g-3\n    type: single\n"  # one good question, one broken
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(broken, encoding="utf-8")
    report = load_banks([tmp_path])
    assert set(report.catalogue.questions) == {"g-1"}
    assert all(e.path.endswith("b.yaml") for e in report.errors)


def test_a_complex_key_is_an_error_of_its_file_only(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("? [a, b]\n: 1\n", encoding="utf-8")
    report = load_banks([tmp_path])
    assert [str(e) for e in report.errors] == [
        f"{tmp_path}/b.yaml:1: the file: a key must be a plain word",
        f"{tmp_path}/b.yaml:1: the file: missing key 'bank'",
    ]
    assert report.loaded == [f"{tmp_path}/a.yaml"]
    assert report.skipped == [f"{tmp_path}/b.yaml"]
    assert set(report.catalogue.questions) == {"g-1"}


def test_reload_keeps_the_previous_version_of_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(GOOD, encoding="utf-8")
    first = load_banks([tmp_path])
    path.write_text(GOOD.replace("answer: B", "answer: Q"), encoding="utf-8")
    second = load_banks([tmp_path], previous=first.catalogue)
    assert second.kept == [str(path)]
    assert second.catalogue.questions["g-1"].answer == frozenset({1})
    assert len(second.errors) == 1


def test_not_utf8_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "gbk.yaml").write_bytes(GOOD.replace("Good", "好").encode("gbk"))
    report = load_banks([tmp_path, tmp_path / "missing.yaml"])
    messages = sorted(e.message for e in report.errors)
    assert messages[0].startswith("cannot read the file")
    assert messages[1] == "the file is not UTF-8 text"


def test_folded_chinese_text_loses_the_folding_space() -> None:
    text = GOOD.replace(
        "    explanation: 12315 is the complaints line of market regulators.",
        "    explanation: >-\n      第一行，\n      第二行。",
    )
    bank, errors, _ = parse_bank(text, "x.yaml")
    assert not errors and bank is not None
    assert bank.questions[0].explanation == "第一行，第二行。"
