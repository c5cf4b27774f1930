"""Every CSV the project writes: UTF-8 with a byte-order mark, which Excel opens correctly."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

__all__ = ["to_csv"]


def to_csv(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """A header and rows as CSV bytes."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
