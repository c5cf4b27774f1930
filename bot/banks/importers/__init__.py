"""Importing banks from what organizers already have: spreadsheets and trivia lists.

One module per kind of file: :mod:`.sheets` (CSV and XLSX, read within limits by
:mod:`.xlsx`), :mod:`.trivia` (Red-DiscordBot trivia lists and Open Trivia DB JSON);
:mod:`.common` holds what they share. This module reads a file in the format its name
declares, and no other.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.banks.importers.common import (
    Imported,
    ImportError_,
    decode,
    name_id,
    name_title,
    slug,
)
from bot.banks.importers.sheets import Previous, import_sheets, read_csv, read_xlsx
from bot.banks.importers.trivia import import_opentdb, import_red_trivia
from bot.banks.limits import LOCAL, FileRefused, Limits, check_size, refuse
from bot.banks.loader import compose
from bot.banks.problems import msg
from bot.banks.schema import validate_document
from bot.perf import cyclic_gc_paused

__all__ = [
    "SUFFIXES",
    "ImportError_",
    "Imported",
    "import_bytes",
    "import_path",
    "name_id",
    "name_title",
    "slug",
]

SUFFIXES = (".yaml", ".yml", ".csv", ".xlsx", ".json")
_BANK_KEYS = ("bank", "questions", "faq")


def import_bytes(
    raw: bytes,
    name: str,
    bank_id: str | None = None,
    title: str | None = None,
    limits: Limits = LOCAL,
    previous: Previous = None,
) -> Imported:
    """Convert a file's content by its name: .csv, .xlsx, .json (Open Trivia DB), .yaml.

    A .yaml file is a quizbot bank when it has a ``bank:``, ``questions:`` or ``faq:`` key
    (and is validated as one), else it must be a Red-DiscordBot trivia list exactly.

    Args:
        bank_id, title: the bank's id and title when the file does not say them (default:
            from the file's name, see :func:`name_id`).
        limits: what the file may hold (:data:`bot.banks.limits.UPLOAD` for uploads).
        previous: the installed version of the bank (or a look-up by bank id): a row
            without an id keeps the id that version gives the same text.

    Raises:
        FileRefused: the file breaks a limit or cannot be read at all.
    """
    with cyclic_gc_paused():  # hundreds of thousands of small objects, no cycles
        return _import(raw, name, bank_id, title, limits, previous)


def _import(
    raw: bytes,
    name: str,
    bank_id: str | None,
    title: str | None,
    limits: Limits,
    previous: Previous,
) -> Imported:
    check_size(name, len(raw), limits)
    stem = Path(name).stem
    bank_id = bank_id or name_id(stem)
    title = title or name_title(stem)
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        return import_sheets(read_csv(raw, name, limits), name, bank_id, title, previous)
    if suffix == ".xlsx":
        return import_sheets(read_xlsx(raw, name, limits), name, bank_id, title, previous)
    if suffix == ".json":
        return import_opentdb(raw, name, bank_id, title)
    if suffix in (".yaml", ".yml"):
        text = decode(raw, name)
        try:
            root = compose(text, name, limits)
        except FileRefused as exc:
            return Imported(None, [exc.error])
        if isinstance(root, yaml.MappingNode) and any(
            isinstance(key, yaml.ScalarNode) and key.value in _BANK_KEYS for key, _ in root.value
        ):
            bank, errors = validate_document(name, root)
            if errors or bank is None:
                return Imported(None, errors)
            return Imported(text, [], len(bank.questions), len(bank.faq), bank=bank)
        if root is None:
            bank, errors = validate_document(name, root)
            return Imported(None, errors)
        return import_red_trivia(root, name, bank_id, title)
    raise refuse(name, msg("bank_unsupported"))


def import_path(
    path: Path,
    bank_id: str | None = None,
    limits: Limits = LOCAL,
    previous: Previous = None,
) -> Imported:
    """Convert the file at ``path`` (its size checked before it is read)."""
    name = str(path)
    check_size(name, path.stat().st_size, limits)
    if path.suffix.lower() == ".csv":  # read as a stream: a large sheet is never held twice
        stem = path.stem
        with cyclic_gc_paused():
            sheets = read_csv(path, name, limits)
            title = name_title(stem)
            return import_sheets(sheets, name, bank_id or name_id(stem), title, previous)
    return import_bytes(path.read_bytes(), name, bank_id, limits=limits, previous=previous)
