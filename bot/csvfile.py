"""Every CSV the project writes: UTF-8 with a byte-order mark, which Excel opens correctly.

Organizers open these files in a spreadsheet, and some cells hold what players typed (a
name, an FAQ question). A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return would be run as a formula (``=HYPERLINK(...)``, DDE), so such a cell
gets a leading apostrophe, as OWASP recommends: the spreadsheet shows the text, runs
nothing. Numbers (a negative score) are left as numbers.

A bank exported as CSV comes back through the importer, which takes the apostrophe off
again (:func:`restore`); a text that itself starts with apostrophes before a formula
character gets one more, so every text comes back exactly as it was.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

__all__ = ["FORMULA_STARTS", "csv_bytes", "neutralise", "restore", "to_csv"]

#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _runs(text: str) -> bool:
    """Whether ``text``, or what follows its leading apostrophes, starts a formula."""
    return text.lstrip("'").startswith(FORMULA_STARTS)


def neutralise(value: object) -> object:
    """A cell that no spreadsheet runs as a formula; text only (numbers stay numbers)."""
    if isinstance(value, str) and _runs(value):
        return "'" + value
    return value


def restore(cell: str) -> str:
    """The text :func:`neutralise` was given (a cell read back from our CSV)."""
    if cell.startswith("'") and _runs(cell[1:]):
        return cell[1:]
    return cell


def csv_bytes(rows: Iterable[Sequence[object]], line_end: str = "\r\n") -> bytes:
    """Rows as CSV bytes (UTF-8 with BOM), every text cell safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end)
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_csv(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """A header and rows as CSV bytes, every text cell safe to open in a spreadsheet."""
    return csv_bytes([header, *rows])
