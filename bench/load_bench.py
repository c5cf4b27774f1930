"""Bank loading and validation time, at 1,000, 10,000 and 50,000 questions."""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.synth import synthetic_banks
from bot.banks.loader import load_banks

__all__ = ["LoadTime", "load_time"]


@dataclass(frozen=True, slots=True)
class LoadTime:
    questions: int
    files: int
    median_s: float
    valid: bool


def load_time(questions: int, files: int = 10, repeat: int = 3) -> LoadTime:
    """Median time to parse, validate and index ``questions`` questions in ``files`` files."""
    with tempfile.TemporaryDirectory() as folder:
        synthetic_banks(Path(folder), questions, files=files)
        timings = []
        report = None
        for _ in range(repeat):
            started = time.perf_counter()
            report = load_banks([Path(folder)])
            timings.append(time.perf_counter() - started)
        assert report is not None
        return LoadTime(
            questions,
            files,
            statistics.median(timings),
            report.ok and len(report.catalogue.questions) == questions,
        )
