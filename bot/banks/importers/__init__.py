"""Importing banks from what organizers already have: spreadsheets and trivia lists.

One module per kind of file: :mod:`.sheets` (CSV and XLSX), :mod:`.trivia` (Red-DiscordBot
trivia lists and Open Trivia DB JSON); :mod:`.common` holds what they share. This module
picks the importer by the file's name.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.banks.importers.common import Imported, ImportError_, decode, slug
from bot.banks.importers.sheets import import_rows, read_csv, read_xlsx
from bot.banks.importers.trivia import import_opentdb, import_red_trivia
from bot.banks.loader import parse_bank

__all__ = ["ImportError_", "Imported", "import_bytes", "import_path", "slug"]


def import_bytes(
    raw: bytes, name: str, bank_id: str | None = None, title: str | None = None
) -> Imported:
    """Convert a file's content by its name: .csv, .xlsx, .json (Open Trivia DB), .yaml.

    A .yaml file is taken as a quizbot bank when it has a ``bank:`` key, else as a
    Red-DiscordBot trivia list.
    """
    stem = Path(name).stem
    bank_id = bank_id or slug(stem)
    title = title or stem
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        return import_rows({"questions": read_csv(raw, name)}, name, bank_id, title)
    if suffix == ".xlsx":
        return import_rows(read_xlsx(raw, name), name, bank_id, title)
    if suffix == ".json":
        return import_opentdb(raw, name, bank_id, title)
    if suffix in (".yaml", ".yml"):
        text = decode(raw, name)
        if re.search(r"^bank\s*:", text, re.MULTILINE):
            bank, errors, _ = parse_bank(text, name)
            if errors or bank is None:
                return Imported(None, [str(e) for e in errors])
            return Imported(text, [], len(bank.questions), len(bank.faq), bank=bank)
        return import_red_trivia(raw, name, bank_id, title)
    raise ImportError_(f"{name}: unsupported file type (use .csv, .xlsx, .yaml or .json)")


def import_path(path: Path, bank_id: str | None = None) -> Imported:
    return import_bytes(path.read_bytes(), str(path), bank_id)
