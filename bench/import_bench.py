"""Importing a large spreadsheet: ``quizbot banks import FILE.csv -o OUT.yaml`` on 100,000 rows.

The rows are the real Chinese questions, paraphrased and numbered so that every text
differs, without ids (so every id is made from its text: 100,000 automatic ids must not
collide). The import runs as its own process, the command line's own code; the figures
are its wall time and its peak resident memory (VmHWM).
"""

from __future__ import annotations

import csv
import io
import json
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.synth import ROOT, _paraphrase, real_catalogue
from bot.banks.exporter import QUESTION_HEADERS, _question_row

__all__ = ["ImportRun", "import_csv"]


@dataclass(frozen=True, slots=True)
class ImportRun:
    rows: int
    megabytes: float  # the CSV file
    seconds: float
    peak_mb: float
    imported: int  # questions in the bank written
    ok: bool


def write_csv(path: Path, rows: int, seed: int = 1) -> None:
    """``rows`` questions as a CSV in the organizers' layout, without the 编号 (id) column."""
    rng = random.Random(seed)
    real = [q for b in real_catalogue().banks for q in b.questions if b.language == "zh"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(QUESTION_HEADERS[1:])
    for number in range(rows):
        question = real[number % len(real)]
        row = _question_row(question)[1:]
        row[1] = f"{_paraphrase(question.text, rng)[:280]}（第{number + 1}题）"
        writer.writerow(row)
    path.write_bytes(out.getvalue().encode("utf-8-sig"))


def _child(source: str, target: str) -> None:
    """The import itself, in this (fresh) process: its time and VmHWM as one JSON line."""
    import contextlib

    from bot.cli import main

    started = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):
        status = main(["banks", "import", source, "-o", target, "--lang", "en"])
    seconds = time.perf_counter() - started
    peak = 0.0
    with open("/proc/self/status", encoding="ascii") as status_file:
        for line in status_file:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    print(json.dumps({"status": status, "seconds": seconds, "peak_mb": peak}))


def import_csv(rows: int = 100_000) -> ImportRun:
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "big.csv", Path(folder) / "big.yaml"
        write_csv(source, rows)
        started = time.perf_counter()
        child = subprocess.run(
            [sys.executable, "-m", "bench.import_bench", "--child", str(source), str(target)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
        report = json.loads(child.stdout.strip().splitlines()[-1])
        imported = target.read_text("utf-8").count("\n  - id: ") if target.exists() else 0
        return ImportRun(
            rows,
            source.stat().st_size / 1024 / 1024,
            wall,
            float(report["peak_mb"]),
            imported,
            report["status"] == 0 and imported == rows,
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2], sys.argv[3])
    else:
        print(import_csv(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
