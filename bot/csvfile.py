"""Every CSV the project writes: UTF-8 with a byte-order mark, which Excel opens correctly.

Organizers open these files in a spreadsheet, and some cells hold what players typed (a
name, an FAQ question). A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return would be run as a formula (``=HYPERLINK(...)``, DDE), so such a cell
gets a leading apostrophe, as OWASP recommends: the spreadsheet shows the text, runs
nothing. Numbers (a negative score) are left as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

__all__ = ["FORMULA_STARTS", "neutralise", "to_csv"]

#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A cell that no spreadsheet runs as a formula; text only (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """A header and rows as CSV bytes, every text cell safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
