"""The hostile corpus (tests/data/hostile.py) on every path a bank file takes.

Each case is answered with its own located message, in the user's language, and nothing
is written. Each bomb is refused within 2 s and 100 MB of peak memory on every path:
measured in a process of its own (tests/bomb_probe.py), so the figure is the refusal's
and not the test runner's.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from bot.banks.importers import import_bytes
from bot.banks.limits import LOCAL, UPLOAD, FileRefused, Limits
from bot.banks.problems import BankError, Msg
from tests.data.hostile import CASES, Case
from tests.helpers import REPO, clean_env

BOMBS = [case for case in CASES if case.bomb]
#: The bounds of the issue, for a refusal on any path.
MAX_SECONDS = 2.0
MAX_MB = 100.0


def keys(problem: object) -> Iterator[str]:
    """Every text key in a problem, its phrases included."""
    if isinstance(problem, Msg):
        yield problem.key
        for _name, value in problem.values:
            yield from keys(value)


@cache
def content(name: str) -> bytes:
    return next(case for case in CASES if case.name == name).make()


def first_error(case: Case, limits: Limits) -> BankError | None:
    try:
        result = import_bytes(content(case.name), case.name, limits=limits)
    except FileRefused as exc:
        return exc.error
    assert (result.bank is None) == bool(result.errors)
    return result.errors[0] if result.errors else None


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for case in CASES:
        (folder / case.name).write_bytes(content(case.name))
    return folder


@pytest.mark.parametrize("limits", [UPLOAD, LOCAL], ids=["upload", "command-line"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_each_case_gets_its_own_located_message(case: Case, limits: Limits) -> None:
    error = first_error(case, limits)
    expected = case.expect_local if limits is LOCAL and case.expect_local else case.expect
    if not expected:  # not hostile after all: it must be read
        assert error is None
        return
    assert error is not None and expected in set(keys(error.problem)), error
    assert error.path == case.name
    chinese, english = error.render("zh"), error.render("en")
    assert chinese.startswith(case.name) and english.startswith(case.name)
    assert chinese != english  # written in the reader's language


def test_formulas_stay_text_and_gbk_trivia_is_read() -> None:
    (formula,) = [c for c in CASES if c.name == "formula.csv"]
    bank = import_bytes(formula.make(), formula.name).bank
    assert bank is not None and bank.questions[0].text == "=cmd|' /C calc'!A0"
    (trivia,) = [c for c in CASES if c.name == "gbk-trivia.yaml"]
    bank = import_bytes(trivia.make(), trivia.name).bank
    assert bank is not None and bank.questions[0].accepted == ("12315",)
    assert bank.language == "zh" and "消协" in bank.questions[0].source


def probe(path: str, files: list[Path], workdir: Path) -> dict[str, dict[str, object]]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.bomb_probe", path, str(workdir), *map(str, files)],
        cwd=REPO,
        env=clean_env(PYTHONPATH=str(REPO), LANG="C.UTF-8"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return {str(r["file"]): r for r in records}


@pytest.mark.parametrize("path", ["validate", "import", "upload", "reload"])
def test_bombs_are_refused_within_two_seconds_and_100_mb(
    path: str, corpus: Path, tmp_path: Path
) -> None:
    cases = [c for c in BOMBS if path != "reload" or c.name.endswith(".yaml")]
    if path != "upload":
        cases = [c for c in cases if c.local_bomb]
    records = probe(path, [corpus / c.name for c in cases], tmp_path)
    for case in cases:
        record = records[case.name]
        lines = [str(line).removeprefix("quizbot: ") for line in record["lines"]]  # type: ignore[attr-defined]
        where = re.compile(rf"^(\S*/)?{re.escape(case.name)}(:\d+: |：|, |，)")
        located = [line for line in lines if where.match(line)]
        assert len(located) == 1, (case.name, lines)  # one located, plain message
        assert float(record["seconds"]) < MAX_SECONDS, (case.name, record)  # type: ignore[arg-type]
        assert float(record["peak_mb"]) < MAX_MB, (case.name, record)  # type: ignore[arg-type]
        assert not record["written"], case.name
        assert "LIVE BANKS CHANGED" not in lines


def test_the_probe_sees_memory_and_time(tmp_path: Path) -> None:
    """The bound can fail: a file the probe must work at shows in its figures."""
    big = tmp_path / "big.csv"
    row = "最终解释权归商家吗？{n},可以,不可以,B,格式条款无效。,《消费者权益保护法》第二十六条\n"
    big.write_text(
        "题目,选项A,选项B,答案,解析,依据\n" + "".join(row.format(n=n) for n in range(60_000)),
        encoding="utf-8",
    )
    record = probe("import", [big], tmp_path)["big.csv"]
    assert float(record["peak_mb"]) > MAX_MB  # type: ignore[arg-type]
    assert float(record["seconds"]) > 1.0  # type: ignore[arg-type]
