"""Reading .xlsx files within limits, a row at a time.

An .xlsx file is a zip of XML parts. Before anything is unpacked, the zip's directory is
checked: how many parts, how large each unpacks, how many times larger than packed (a zip
bomb unpacks a thousand times). Then the parts that are needed (the workbook, its shared
strings, the sheets a bank reads) are parsed by expat as a stream: a declared dimension
past the limits, a row or column past them, too many cells or strings, or a DTD (entity
expansion) stop the file at once, with one message. Nothing is built beyond the rows
themselves, so the cost of a refused file is what it takes to notice, never what the file
asks for. openpyxl, which builds a cell object per cell and pads rows to the declared
dimension, is used only to write spreadsheets.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from posixpath import dirname, join, normpath
from xml.parsers import expat

from bot.banks.importers.common import column_letter
from bot.banks.limits import FileRefused, Limits, megabytes, refuse
from bot.banks.problems import Msg, msg

__all__ = ["Workbook", "open_workbook"]

_CHUNK = 256 * 1024
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
# An element's start in bytes, with any namespace prefix: a cell, a shared string.
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")


class _State:
    """Where a sheet's parse is: the row and column, the cell's type, inside a value."""

    __slots__ = ("column", "inline", "row", "type", "value")

    def __init__(self) -> None:
        self.row = 0
        self.column = 0
        self.type = "n"
        self.value = False
        self.inline = False


class _Stop(Exception):
    """Raised by a handler to stop parsing a part early."""


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


@dataclass(slots=True)
class Workbook:
    """The sheets of an .xlsx file by title, read on demand within limits."""

    name: str
    limits: Limits
    archive: zipfile.ZipFile
    #: Sheet title -> the part holding it, in the workbook's order.
    sheets: dict[str, str] = field(default_factory=dict)
    strings: list[str] = field(default_factory=list)
    strings_part: str = ""
    strings_loaded: bool = False
    cells: int = 0

    def refuse(self, problem: Msg, sheet: str = "") -> FileRefused:
        return refuse(self.name, problem, sheet=sheet)

    def _parse(
        self,
        part: str,
        start: Callable[[str, dict[str, str]], None] | None = None,
        end: Callable[[str], None] | None = None,
        text: Callable[[str], None] | None = None,
    ) -> None:
        """Stream ``part`` through expat with the given handlers; a DTD is refused."""
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

        def no_dtd(*_args: object) -> None:
            raise self.refuse(msg("bank_xlsx_dtd", part=part))

        parser.StartDoctypeDeclHandler = no_dtd
        parser.EntityDeclHandler = no_dtd
        if start:
            parser.StartElementHandler = start
        if end:
            parser.EndElementHandler = end
        if text:
            parser.CharacterDataHandler = text
            parser.buffer_text = True
        try:
            with self.archive.open(part) as stream:
                while chunk := stream.read(_CHUNK):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _Stop:
            return
        except expat.ExpatError as exc:
            problem = msg("bank_xlsx_damaged", problem=f"{part}: {expat.ErrorString(exc.code)}")
            raise self.refuse(problem) from None
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise self.refuse(msg("bank_xlsx_damaged", problem=f"{part}: {exc}")) from None

    # --- the workbook ----------------------------------------------------------------

    def _relationships(self, part: str) -> dict[str, str]:
        """Relationship id -> target part, from the ``_rels`` part of ``part``."""
        rels = join(dirname(part), "_rels", part.rsplit("/", 1)[-1] + ".rels")
        found: dict[str, str] = {}
        if rels not in self.archive.NameToInfo:
            return found

        def start(name: str, attrs: dict[str, str]) -> None:
            if _local(name) == "Relationship" and "Id" in attrs and "Target" in attrs:
                target = attrs["Target"]
                if target.startswith("/"):
                    found[attrs["Id"]] = target.lstrip("/")
                else:
                    found[attrs["Id"]] = normpath(join(dirname(part), target))

        self._parse(rels, start)
        return found

    def _read_structure(self) -> None:
        main = self._relationships("").get("rId1", "xl/workbook.xml")
        for target in self._relationships("").values():
            if target.endswith("workbook.xml"):
                main = target
        if main not in self.archive.NameToInfo:
            raise self.refuse(msg("bank_xlsx_damaged", problem="no workbook"))
        targets = self._relationships(main)
        titles: list[tuple[str, str]] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            if _local(name) == "sheet":  # r:id, in the transitional or the strict namespace
                rid = next((v for k, v in attrs.items() if k.endswith("relationships id")), "")
                titles.append((attrs.get("name", ""), rid))

        self._parse(main, start)
        for title, rid in titles:
            part = targets.get(rid)
            if part and part in self.archive.NameToInfo:
                self.sheets[title] = part
        strings = next((p for p in targets.values() if p.endswith("sharedStrings.xml")), None)
        if strings and strings in self.archive.NameToInfo:
            self.strings_part = strings  # read when a cell first refers to one

    def _count(self, part: str, pattern: re.Pattern[bytes], limit: int) -> None:
        """Refuse ``part`` when it holds more than ``limit`` matches of ``pattern``.

        A count of bytes in C, before any element is built: a file of a million tiny cells
        is refused in the time it takes to unpack it.
        """
        count = 0
        tail = b""
        try:
            with self.archive.open(part) as stream:
                while chunk := stream.read(_CHUNK):
                    data = tail + chunk
                    count += len(
                        pattern.findall(
                            data, 0, len(data) - 16 if len(chunk) == _CHUNK else len(data)
                        )
                    )
                    tail = data[-16:] if len(chunk) == _CHUNK else b""
                    if count > limit:
                        raise self.refuse(msg("bank_xlsx_cells", limit=f"{limit:,}"))
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise self.refuse(msg("bank_xlsx_damaged", problem=f"{part}: {exc}")) from None

    def shared(self) -> list[str]:
        """The shared strings, read the first time a cell needs them."""
        if self.strings_part and not self.strings_loaded:
            self.strings_loaded = True
            self._count(self.strings_part, _SI, self.limits.max_cells)
            self._read_strings(self.strings_part)
        return self.strings

    def _read_strings(self, part: str) -> None:
        """The shared strings: the text of each ``si``, phonetic runs (rPh) left out."""
        strings = self.strings
        pieces: list[str] = []
        depth = {"si": 0, "t": 0, "rPh": 0}
        limit = self.limits.max_cells

        def start(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            if local in depth:
                depth[local] += 1

        def end(name: str) -> None:
            local = _local(name)
            if local in depth:
                depth[local] -= 1
            if local == "si":
                strings.append("".join(pieces))
                pieces.clear()
                if len(strings) > limit:
                    raise self.refuse(msg("bank_xlsx_cells", limit=f"{limit:,}"))

        def text(data: str) -> None:
            if depth["t"] and not depth["rPh"]:
                pieces.append(data)

        self._parse(part, start, end, text)

    # --- a sheet -----------------------------------------------------------------------

    def rows(self, title: str) -> list[list[str]]:
        """Every row of the sheet ``title`` (a gap is an empty row), as texts.

        Raises:
            FileRefused: a declared dimension, a row, a column or a cell count past the
                limits.
        """
        limits = self.limits
        rows: list[list[str]] = []
        current: list[str] = []
        state = _State()
        pieces: list[str] = []

        def too_far(ref: str) -> FileRefused:
            problem = msg(
                "bank_xlsx_far",
                ref=ref,
                rows=f"{limits.max_rows:,}",
                columns=limits.max_columns,
            )
            return self.refuse(problem, sheet=title)

        def start(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            if local == "c":
                self.cells += 1
                if self.cells > limits.max_cells:
                    raise self.refuse(msg("bank_xlsx_cells", limit=f"{limits.max_cells:,}"))
                ref = attrs.get("r", "")
                found = _REF.fullmatch(ref)
                column = _column_number(found.group(1)) if found else state.column + 1
                if column > limits.max_columns:
                    raise too_far(ref or f"{column_letter(column - 1)}{state.row}")
                state.column = column
                state.type = attrs.get("t", "n")
                pieces.clear()
            elif local == "v":
                state.value = True
            elif local == "is":
                state.inline = True
            elif local == "row":
                number = attrs.get("r", "")
                row = int(number) if number.isdigit() else state.row + 1
                if row > limits.max_rows:
                    raise too_far(f"A{row}")
                if row <= state.row:
                    problem = msg("bank_xlsx_damaged", problem=f"{part}: rows out of order")
                    raise self.refuse(problem)
                while len(rows) < row - 1:
                    rows.append([])
                state.row = row
                state.column = 0
                current.clear()
            elif local == "dimension":
                self._check_dimension(attrs.get("ref", ""), title)

        def end(name: str) -> None:
            local = _local(name)
            if local == "v":
                state.value = False
            elif local == "is":
                state.inline = False
            elif local == "c":
                kind = state.type
                value = _value(kind, "".join(pieces), self.shared() if kind == "s" else [])
                column = state.column
                if value:
                    while len(current) < column - 1:
                        current.append("")
                    if len(current) >= column:
                        current[column - 1] = value
                    else:
                        current.append(value)
            elif local == "row":
                rows.append(list(current))

        def text(data: str) -> None:
            if state.value or state.inline:
                pieces.append(data)

        part = self.sheets[title]
        self._count(part, _CELL, limits.max_cells - self.cells)
        self._parse(part, start, end, text)
        return rows

    def _check_dimension(self, ref: str, title: str) -> None:
        last = ref.split(":")[-1]
        found = _REF.fullmatch(last)
        if not found:
            return
        columns, rows = _column_number(found.group(1)), int(found.group(2))
        if rows > self.limits.max_rows or columns > self.limits.max_columns:
            problem = msg(
                "bank_xlsx_dimension",
                ref=ref,
                rows=f"{rows:,}",
                columns=f"{columns:,}",
                max_rows=f"{self.limits.max_rows:,}",
                max_columns=self.limits.max_columns,
            )
            raise self.refuse(problem, sheet=title)


def _value(kind: str, raw: str, strings: list[str]) -> str:
    """A cell's value as text, as a spreadsheet shows it (numbers without a needless .0)."""
    if kind == "s":
        index = int(raw) if raw.strip().isdigit() else -1
        return strings[index].strip() if 0 <= index < len(strings) else ""
    if kind == "b":
        return "True" if raw.strip() == "1" else "False"
    if kind in ("inlineStr", "str", "e"):
        return raw.strip()
    raw = raw.strip()
    try:
        number = float(raw)
    except ValueError:
        return raw
    if number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    return str(number)


def open_workbook(raw: bytes, name: str, limits: Limits) -> Workbook:
    """An .xlsx file's workbook, its directory and structure checked against ``limits``.

    Raises:
        FileRefused: not an .xlsx file, or one past the limits.
    """
    try:
        archive = zipfile.ZipFile(BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise refuse(name, msg("bank_xlsx_unreadable")) from None
    if len(infos) > limits.max_parts:
        count = f"{len(infos):,}"
        raise refuse(name, msg("bank_xlsx_parts", count=count, limit=limits.max_parts))
    total = 0
    for info in infos:
        size = info.file_size
        total += size
        if info.flag_bits & 0x1:
            raise refuse(name, msg("bank_xlsx_encrypted"))
        if size > limits.max_part_bytes or total > limits.max_total_bytes:
            limit = (
                limits.max_part_bytes if size > limits.max_part_bytes else limits.max_total_bytes
            )
            problem = msg(
                "bank_xlsx_big", part=info.filename, size=megabytes(size), limit=megabytes(limit)
            )
            raise refuse(name, problem)
        if size > 1024 * 1024 and size > limits.max_ratio * max(info.compress_size, 1):
            ratio = size // max(info.compress_size, 1)
            problem = msg(
                "bank_xlsx_ratio", part=info.filename, ratio=f"{ratio:,}", limit=limits.max_ratio
            )
            raise refuse(name, problem)
    book = Workbook(name, limits, archive)
    book._read_structure()
    if not book.sheets:
        raise refuse(name, msg("bank_xlsx_unreadable"))
    return book
