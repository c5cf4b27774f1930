"""What every importer shares: the result, problems that name their row, and YAML out.

Every importer returns the bank as YAML text plus every problem found, each naming its row
and column. The YAML is then validated like any bank, and a problem the schema finds is
reported against the row it came from.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.banks.loader import parse_bank
from bot.domain.models import Bank
from bot.domain.text import has_cjk

__all__ = [
    "ImportError_",
    "Imported",
    "Problems",
    "Row",
    "bank_meta",
    "cell",
    "column_letter",
    "column_map",
    "decode",
    "finish",
    "find_header",
    "header_key",
    "records",
    "row_id",
    "slug",
]


class ImportError_(ValueError):  # noqa: N801 - the builtin name is taken
    """The file cannot be read at all (a wrong format, not UTF-8/GBK, no header row)."""


@dataclass(slots=True)
class Imported:
    """A converted bank: YAML text (None when nothing could be made) and every problem."""

    yaml_text: str | None
    errors: list[str] = field(default_factory=list)
    questions: int = 0
    faq: int = 0
    #: The validated bank the YAML holds, when there is no problem.
    bank: Bank | None = None

    @property
    def ok(self) -> bool:
        return self.yaml_text is not None and not self.errors


def slug(text: str) -> str:
    """A bank id made from a file name: letters, digits and dashes."""
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return cleaned[:40] or "bank-" + hashlib.sha1(text.encode()).hexdigest()[:8]


def header_key(header: object) -> str:
    return re.sub(r"[\s_:：*]", "", str(header or "")).lower()


def column_map(headers: Sequence[object], names: dict[str, tuple[str, ...]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        found_key = header_key(header)
        for name, synonyms in names.items():
            if found_key in synonyms and name not in found:
                found[name] = index
    return found


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def decode(raw: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportError_(f"{name}: not UTF-8 or GBK text; save it again as CSV UTF-8")


@dataclass(slots=True)
class Row:
    number: int  # as the spreadsheet shows it (header is row 1)
    data: dict[str, Any]


class Problems:
    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[str] = []

    def add(self, row: int | None, column: str | None, message: str) -> None:
        where = [self.name]
        if row is not None:
            where.append(f"row {row}")
        if column:
            where.append(f"column {column}")
        self.items.append(": ".join([", ".join(where), message]))


def find_header(
    rows: list[list[str]],
    names: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    where: str,
    problems: Problems,
) -> tuple[int, dict[str, int]] | None:
    """The header row's index (the first non-empty row) and the column of each field it names.

    None for an empty sheet, and when a required column is missing (a problem for each).
    """
    header_at = next((i for i, row in enumerate(rows) if any(row)), None)
    if header_at is None:
        return None
    columns = column_map(rows[header_at], names)
    missing = [name for name in required if name not in columns]
    for name in missing:
        problems.add(header_at + 1, None, f"no '{'/'.join(names[name][:3])}' column in {where}")
    return None if missing else (header_at, columns)


def records(
    rows: list[list[str]], header_at: int, columns: dict[str, int]
) -> Iterator[tuple[int, Callable[[str], str]]]:
    """Each non-empty row under the header: its number in the sheet, and its cells by name."""
    width = len(rows[header_at])
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(row):
            continue
        padded = row + [""] * (width - len(row))

        def get(name: str, row: list[str] = padded) -> str:
            return row[columns[name]] if name in columns else ""

        yield number, get


def row_id(bank_id: str, text: str) -> str:
    """A stable id for a row without one: it follows the question's text, not its row."""
    return f"{bank_id[:38]}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def dump(
    bank: dict[str, Any], questions: list[Row], faq: list[Row]
) -> tuple[str, list[tuple[int, int, int]]]:
    """The bank as YAML, and (first line, last line, row) of each entry."""
    lines = [
        "# Imported by quizbot; edit freely.",
        yaml.safe_dump({"bank": bank}, allow_unicode=True, sort_keys=False).rstrip(),
    ]
    spans: list[tuple[int, int, int]] = []
    written = sum(part.count("\n") + 1 for part in lines)  # lines so far
    for section, rows in (("questions", questions), ("faq", faq)):
        if not rows:
            continue
        lines.append(f"{section}:")
        written += 1
        for row in rows:
            start = written + 1
            chunk = yaml.safe_dump([row.data], allow_unicode=True, sort_keys=False, width=1000)
            chunk = "\n".join("  " + line for line in chunk.rstrip().splitlines())
            lines.append(chunk)
            written += chunk.count("\n") + 1
            spans.append((start, written, row.number))
    return "\n".join(lines) + "\n", spans


def finish(
    name: str, bank: dict[str, Any], questions: list[Row], faq: list[Row], problems: Problems
) -> Imported:
    if not questions and not faq and not problems.items:
        problems.add(None, None, "no questions or FAQ entries found")
    text, spans = dump(bank, questions, faq)
    # Every row broken: the schema would only add that the bank is empty.
    built, errors, _ = parse_bank(text, name) if questions or faq else (None, [], None)
    for error in errors:
        row = next((r for first, last, r in spans if first <= error.line <= last), None)
        message = error.message.split(": ", 1)[-1] if row else error.message
        problems.add(row, None, message)
    if problems.items:
        return Imported(None, problems.items, len(questions), len(faq))
    return Imported(text, [], len(questions), len(faq), bank=built)


def bank_meta(bank_id: str, title: str, samples: Iterable[str]) -> dict[str, Any]:
    language = "zh" if any(has_cjk(s) for s in samples) else "en"
    return {"id": bank_id, "title": title[:100] or bank_id, "language": language}
