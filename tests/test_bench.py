"""A tiny run of the benchmark harness, so that it keeps working. No timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO, clean_env


def test_tiny_benchmark_run_writes_every_section(tmp_path: Path) -> None:
    env = clean_env(PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--tiny", "--docs", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = (tmp_path / "benchmarks.md").read_text(encoding="utf-8")
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
