"""A tiny run of the benchmark harness, so that it keeps working. No timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, clean_env


def tiny_run(module: str, docs: Path) -> str:
    """``python -m MODULE --tiny --docs DOCS``; the benchmarks.md it leaves."""
    result = subprocess.run(
        [sys.executable, "-m", module, "--tiny", "--docs", str(docs)],
        cwd=REPO,
        env=clean_env(PYTHONPATH=str(REPO)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return (docs / "benchmarks.md").read_text(encoding="utf-8")


def test_tiny_benchmark_run_writes_every_section(tmp_path: Path) -> None:
    report = tiny_run("bench.run", tmp_path)
    for heading in (
        "## FAQ matching latency",
        "## FAQ accuracy",
        "## FAQ accuracy on the blind set",
        "## Bank loading",
        "## Memory",
        "## Importing a spreadsheet",
        "## Contests under load",
    ):
        assert heading in report
    for method in ("| ours |", "| floor |", "| difflib |", "| bm25 |"):
        assert method in report
    assert (tmp_path / "faq-latency.png").read_bytes().startswith(b"\x89PNG")
    assert "| 1 × 20 | all at once | 20 / 20 |" in report  # every answer stored
    assert "| 1,000 |" in report and " 1,000 |\n" in report  # every row imported


@pytest.mark.postgres_only
def test_tiny_database_benchmark_stores_every_answer_on_both(tmp_path: Path) -> None:
    """SQLite, PostgreSQL and two workers on PostgreSQL side by side (the run starts its own
    durable server)."""
    (tmp_path / "benchmarks.md").write_text("# Benchmarks\n\nearlier figures\n", encoding="utf-8")
    report = tiny_run("bench.database_bench", tmp_path)
    assert report.startswith("# Benchmarks\n\nearlier figures\n")  # a section added
    assert "| sqlite | 1 | 20/s | 20 / 20 |" in report
    assert "| postgresql | 1 | 20/s | 20 / 20 |" in report
    assert "| postgresql | 2 | 20/s | 20 / 20 |" in report


def test_the_full_run_keeps_the_database_section() -> None:
    from bench.database_bench import BEGIN, END, keep_section

    section = f"{BEGIN}\n## One worker on SQLite and on PostgreSQL\n| figures |\n{END}"
    old = f"# Benchmarks\n\nold figures\n\n{section}\n"
    assert keep_section(old, "# Benchmarks\n\nnew figures\n") == (
        f"# Benchmarks\n\nnew figures\n\n{section}\n"
    )
    assert keep_section(None, "# new\n") == "# new\n"
    assert keep_section("# no section\n", "# new\n") == "# new\n"


def test_the_decision_fit_recovers_a_known_logistic_model() -> None:
    import math
    import random

    from bench.decision_fit import fit

    truth = (-1.0, 2.5, -3.0)
    rng = random.Random(7)
    rows = []
    for _ in range(3000):
        x = (rng.uniform(-1, 1), rng.uniform(-1, 1))
        p = 1 / (1 + math.exp(-(truth[0] + truth[1] * x[0] + truth[2] * x[1])))
        rows.append((x, int(rng.random() < p)))
    fitted = fit(rows, penalty=0.0)
    assert all(abs(a - b) < 0.35 for a, b in zip(fitted, truth, strict=True)), fitted


def test_the_decision_fit_reads_what_the_model_weighs() -> None:
    from bench.blind import BlindCase
    from bench.decision_fit import samples
    from bot.domain.faq import FaqMatcher
    from bot.domain.models import FaqEntry
    from bot.domain.vocabulary import Vocabulary

    entries = [
        FaqEntry("faq-zh-a", "t", "zh", ("网购七天无理由退货", "网上买的能退吗"), "可", "法", ()),
        FaqEntry("faq-zh-b", "t", "zh", ("信用卡被盗刷怎么办", "卡被刷了"), "挂失", "法", ()),
    ]
    matcher = FaqMatcher(entries, Vocabulary(smalltalk={"greeting": ("你好",)}))
    cases = [
        BlindCase("网上买的衣服不想要了能退吗", frozenset({"faq-zh-a"}), "zh", "dev"),
        BlindCase("网上买的衣服不想要了能退吗", frozenset({"faq-zh-b"}), "zh", "dev"),
        BlindCase("你好", frozenset(), "zh", "dev", out_of_scope=True),  # small talk: not weighed
    ]
    found = samples(matcher, cases)
    assert [label for _, label in found] == [1, 0]
    assert all(len(signals) == 6 for signals, _ in found)
