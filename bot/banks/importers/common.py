"""What every importer shares: the result, ids and names, and the bridge to the schema.

An importer reads its format into entries (plain values, each with the place it comes
from), and :class:`Converter` turns each entry into a small node tree that the schema
validates like any YAML bank: the same rules, with problems naming the row (or line, or
item) the entry came from. Entries are validated one by one as they are read, so a large
sheet never needs every row's tree at once. The bank, once valid, is written out as YAML by
:func:`bot.banks.writer.bank_to_yaml`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from bot.banks.limits import FileRefused, refuse
from bot.banks.problems import BankError, Msg, Unit, msg
from bot.banks.schema import BankBuilder
from bot.domain.models import Bank
from bot.domain.text import has_cjk

__all__ = [
    "Converter",
    "ImportError_",
    "Imported",
    "auto_id",
    "column_letter",
    "decode",
    "header_key",
    "language_of",
    "name_id",
    "name_title",
    "node",
    "slug",
]

#: The exception of a file that cannot be read at all (kept under its old name).
ImportError_ = FileRefused


@dataclass(slots=True)
class Imported:
    """A converted bank, or every problem found.

    ``source`` is a YAML bank's own text (kept as written, comments and all); any other
    format is written out from the bank when asked (:attr:`yaml_text`, :meth:`lines`).
    """

    source: str | None
    errors: list[BankError] = field(default_factory=list)
    questions: int = 0
    faq: int = 0
    #: The validated bank, when there is no problem.
    bank: Bank | None = None

    @property
    def ok(self) -> bool:
        return self.bank is not None and not self.errors

    @property
    def yaml_text(self) -> str | None:
        """The bank as the text of a YAML file (None when there are problems)."""
        if not self.ok:
            return None
        return self.source if self.source is not None else "".join(self.lines())

    def lines(self) -> Iterator[str]:
        """The YAML file's text, a line at a time (a large bank is never one string)."""
        from bot.banks.writer import lines

        if self.source is not None:
            yield self.source
        elif self.bank is not None:
            for line in lines(self.bank):
                yield line + "\n"

    def messages(self, language: str = "en") -> list[str]:
        """Every problem, located, in ``language``."""
        return [error.render(language) for error in self.errors]


# --- names ---------------------------------------------------------------------------------

# What office software and browsers add to a file's name when it is copied or downloaded
# again: "题库 (1)", "题库(2)", "题库 - 副本", "bank - Copy", "题库副本".
_COPY = re.compile(r"(\s*[(（]\d+[)）]|\s*[-_]?\s*(副本|copy|kopie)(\s*\d+)?)+$", re.IGNORECASE)


def name_title(stem: str) -> str:
    """A bank title made from a file name: the name without the marks of a copy."""
    cleaned = _COPY.sub("", unicodedata.normalize("NFKC", stem)).strip(" -_.")
    return cleaned or stem.strip() or "bank"


def slug(text: str) -> str:
    """Letters, digits and dashes of ``text`` (ASCII only), at most 40."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:40].strip("-")


def name_id(stem: str) -> str:
    """A bank id made from a file name, when the file does not say its own.

    A name in ASCII letters gives its slug ("consumer-rights"); any other name (a Chinese
    one, or too short to tell banks apart) gives what ASCII it has plus a short hash of the
    whole name, so "消费维权题库" and "食品安全题库" never share an id, and copies of one file
    ("题库 (1).xlsx") keep the id of the original. Never empty, never one character.
    """
    title = name_title(stem)
    ascii_part = slug(title)
    foreign = any(ch.isalpha() and not ch.isascii() for ch in title)
    if ascii_part and not foreign and len(ascii_part) >= 3:
        return ascii_part
    digest = hashlib.sha1(title.encode("utf-8")).hexdigest()[:8]
    return f"{ascii_part[:30]}-{digest}" if ascii_part else f"bank-{digest}"


def auto_id(bank_id: str, text: str, prefix: str = "") -> str:
    """A stable id for an entry without one: 64 bits of a hash of its text.

    It follows the question's text, not its row, so reordering rows keeps every id; two
    different texts share one by chance once in 2**32 pairs, and a sheet with two equal
    texts is told so (see :meth:`Converter.unique_text`).
    """
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
    return f"{prefix}{bank_id[: 31 - len(prefix)]}-{digest}"


@lru_cache(maxsize=4096)
def header_key(header: object) -> str:
    """A header or keyword as compared: no spaces, underscores, colons or stars; lower case."""
    return re.sub(r"[\s_:：*]", "", str(header or "")).lower()


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def decode(raw: bytes, name: str) -> str:
    """The text of a file in UTF-8 (with or without BOM) or GBK/GB18030, as Chinese Excel
    and Notepad write it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise refuse(name, msg("bank_not_text"))


def language_of(samples: Iterable[str]) -> str:
    """'zh' when any sample has a Chinese character, else 'en'."""
    return "zh" if any(has_cjk(s) for s in samples) else "en"


# --- entries to nodes ----------------------------------------------------------------------

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"


_Scalar = yaml.ScalarNode
_KEYS: dict[str, yaml.ScalarNode] = {}


def _key(name: str) -> yaml.ScalarNode:
    """One node per key name, shared: a built entry has no key a problem could be about."""
    found = _KEYS.get(name)
    if found is None:
        found = _KEYS[name] = yaml.ScalarNode(_STR, name, None, None)
    return found


def node(value: Any, mark: Any) -> yaml.Node:
    """A node tree for a plain value (text, number, true/false, list, dict) at ``mark``."""
    kind = type(value)
    if kind is str:  # most values: the fast way first
        return _Scalar(_STR, value, mark, mark)
    if kind is dict:
        keys = _KEYS
        pairs = [
            (
                keys.get(k) or _key(k),
                _Scalar(_STR, v, mark, mark) if type(v) is str else node(v, mark),
            )
            for k, v in value.items()
        ]
        return yaml.MappingNode("tag:yaml.org,2002:map", pairs, mark, mark)
    if kind is list or kind is tuple:
        items = [_Scalar(_STR, v, mark, mark) if type(v) is str else node(v, mark) for v in value]
        return yaml.SequenceNode("tag:yaml.org,2002:seq", items, mark, mark)
    if isinstance(value, yaml.Node):
        return value
    if kind is bool:
        return _Scalar(_BOOL, "true" if value else "false", mark, mark)
    if kind is int:
        return _Scalar(_INT, str(value), mark, mark)
    return _Scalar(_STR, str(value), mark, mark)


_PLACES = {Unit.LINE: "bank_place_line", Unit.ROW: "bank_place_row", Unit.ITEM: "bank_place_item"}


class Converter:
    """Entries of one file in, a validated bank (or every problem) out.

    ``problems`` are the importer's own (a cell it cannot read); the schema's are added by
    the builder. An entry with a problem of the importer's is not given to the schema, so
    one mistake is reported once.
    """

    def __init__(self, name: str, unit: Unit = Unit.ROW) -> None:
        self.name = name
        self.unit = unit
        self.builder = BankBuilder(name)
        self.problems: list[BankError] = []
        self._texts: dict[tuple[str, str], int] = {}

    def problem(self, place: int, problem: Msg, column: str = "", sheet: str = "") -> None:
        self.problems.append(BankError(self.name, place, problem, self.unit, column, sheet))

    def bank(self, head: dict[str, Any], mark: Any) -> None:
        self.builder.bank(node(head, mark))

    def unique_text(
        self, kind: str, text: str, number: int, column: str = "", sheet: str = ""
    ) -> bool:
        """False (and a problem) for a second entry of the same text and no id of its own."""
        key = (kind, text)
        first = self._texts.get(key)
        if first is None:
            self._texts[key] = number
            return True
        place = msg(_PLACES[self.unit], number=first)
        self.problem(number, msg("bank_same_text", place=place), column, sheet)
        return False

    def question(self, entry: dict[str, Any], mark: Any) -> None:
        self.builder.question(node(entry, mark))

    def faq(self, entry: dict[str, Any], mark: Any) -> None:
        self.builder.faq_entry(node(entry, mark))

    def finish(self) -> Imported:
        """The bank as YAML, or every problem found (the importer's and the schema's)."""
        builder = self.builder
        if not builder.entries and not self.problems:
            self.problem(0, msg("bank_nothing_found"))
        bank, errors = builder.build()
        if builder.entries == 0:
            errors = [e for e in errors if e.problem.key != "bank_bank_empty"]
        problems = sorted(self.problems + errors, key=BankError.sort_key)
        if problems or bank is None:
            return Imported(None, problems, builder.entries)
        return Imported(None, [], len(bank.questions), len(bank.faq), bank=bank)
