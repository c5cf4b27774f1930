"""Our hostile corpus: bank files made to hurt, each with what the bot must answer.

Each case is built here, byte for byte, by a function (the large ones would weigh
megabytes in the repository and are cheap to make). ``python -m tests.data.hostile DIR``
writes every file into DIR to try them by hand (``quizbot banks validate DIR/*``).
docs/reliability.md lists the cases and the answers; tests/test_hostile.py checks them on
every path (validate, import, upload, reload), with a bound on time and memory for the
bombs.
"""

from __future__ import annotations

import io
import struct
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CASES", "Case", "by_name", "workbook"]


@dataclass(frozen=True, slots=True)
class Case:
    name: str  # the file's name: its suffix says how it is read
    what: str  # what it is, for docs/reliability.md
    make: Callable[[], bytes]
    #: The text key of the problem the bot must answer (for the first, or only, problem).
    expect: str
    #: A bomb: refused within 2 s and 100 MB on every path (tests/test_hostile.py).
    bomb: bool = False
    #: What the command line answers instead, when its larger limits let the file pass one
    #: check and fail another ("" for the same as an upload).
    expect_local: str = ""
    #: Still a bomb under the command line's larger limits (else only for uploads).
    local_bomb: bool = True


# --- YAML ----------------------------------------------------------------------------------


def billion_laughs(header: bool) -> bytes:
    """Nine levels of nine aliases: 9**9 "lol"s when expanded, a few hundred bytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join(["*" + previous] * 9) + "]")
        previous = name
    if header:
        return (
            "bank: {id: laughs, title: Laughs, language: en}\n"
            "questions:\n"
            "  - id: q1\n    type: open\n    text: laugh\n    answer: &a [lol, lol2]\n"
            "    explanation: " + "x" + "\n    source: y\n    tags: *a\n    difficulty: 1\n"
            "faq:\n  - &big [" + ",".join(["*a"] * 9) + "]\n"
        ).encode()
    return ("\n".join(lines) + "\n").encode()


def deep_flow() -> bytes:
    return ("x: " + "[" * 5000 + "]" * 5000 + "\n").encode()


def deep_block() -> bytes:
    """900 levels of block lists: within libyaml's own cap (1000), past ours."""
    return ("- " * 900 + "x\n").encode()


GARBAGE_NO_HEADER = """\
questions:
  - id: dup
    type: single
    text: "Bell \\a character and a right-to-left override \\u202e here"
    options: [a, b]
    answer: E
    explanation: [not, text]
    source: 12
    source: 13
    tags: yes
    difficulty: 9
  - id: dup
    type: single
    text: The same id again
    options: [a]
    answer: A
    explanation: e
    source: s
    tags: [t]
    difficulty: 1
"""

RED_LOOKALIKE = """\
AUTHOR: someone
What is 12315?:
  answer: the complaints line
  extra: {nested: [1, 2]}
Second question:
  - null
  - [a list, not an answer]
CONFIG:
  delay: soon
  launch_missiles: true
"""

PYTHON_TAG = """\
bank: {id: evil, title: !!python/object/apply:os.system ["echo pwned"], language: en}
questions:
  - !!python/object/new:subprocess.Popen [["echo", "pwned"]]
"""

TWO_DOCUMENTS = """\
bank: {id: one, title: One, language: en}
---
bank: {id: two, title: Two, language: en}
"""

MERGE_KEY = """\
base: &base {type: open, explanation: e, source: s, tags: [t], difficulty: 1}
bank: {id: merge, title: Merge, language: en}
questions:
  - <<: *base
    id: m1
    text: A question built by a merge key
    answer: [x]
"""

CONTROL_CHARACTERS = """\
bank: {id: ctrl, title: "Ctrl\\x07", language: en}
questions:
  - id: c1
    type: single
    text: "Which is right? \\u202eevil\\u202c"
    options: ["yes\\u0000", "no"]
    answer: A
    explanation: "a C1 control \\x9b here"
    source: s
    tags: [t]
    difficulty: 1
"""


def nul_bytes() -> bytes:
    return b"bank: {id: nul, title: Nul, language: en}\nquestions:\n  - id: \x00\x00\n"


def long_scalar() -> bytes:
    return ("bank: {id: long, title: '" + "长" * 300_000 + "', language: zh}\n").encode()


def gbk_trivia() -> bytes:
    """A Red trivia list saved in GBK by Notepad: read, not refused as 'utf-8' codec."""
    return "AUTHOR: 消协\n全国消费者投诉举报电话是多少？:\n- 12315\n".encode("gbk")


# --- CSV -----------------------------------------------------------------------------------

HEADER = "题目,选项A,选项B,答案,解析,依据\n"


def csv_many_rows() -> bytes:
    return (HEADER + "\n" * 1_000_000).encode()[: 1024 * 1024]


def csv_wide_line() -> bytes:
    return (HEADER + "," * 300_000 + "\n").encode()


def csv_many_columns() -> bytes:
    return (HEADER + "x," * 5_000 + "x\n").encode()


def csv_huge_field() -> bytes:
    """One quoted field of 183,000 characters over 3,000 short lines."""
    return (HEADER + '"' + ("字" * 60 + "\n") * 3_000 + '",b,c,A,e,s\n').encode()


def csv_quotes() -> bytes:
    """Quotes everywhere: the kind of text that slows a regular-expression sniffer."""
    return (HEADER + ',"' * 3000 + "\n" + '"' * 8000 + "\n").encode()


def csv_same_text() -> bytes:
    row = "经营者可以单方面规定最终解释权吗？,可以,不可以,B,格式条款无效。,《消费者权益保护法》第二十六条\n"
    return (HEADER + row * 3).encode()


def csv_formula() -> bytes:
    """Cells Excel would run as formulas: read as plain text, never evaluated."""
    row = "=cmd|' /C calc'!A0,=1+1,@SUM(A1),B,=HYPERLINK(\"x\"),《消费者权益保护法》第二条\n"
    return (HEADER + row).encode()


# --- XLSX ----------------------------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="题库" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def workbook(
    sheet: bytes | Callable[[zipfile.ZipFile], None],
    strings: bytes | None = None,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """A minimal .xlsx whose first sheet is ``sheet`` (bytes, or a writer of the part)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        if callable(sheet):
            sheet(archive)
        else:
            archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if strings is not None:
            archive.writestr("xl/sharedStrings.xml", strings)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return out.getvalue()


def _rows(count: int) -> str:
    return "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>q{n}</t></is></c></row>'
        for n in range(1, count + 1)
    )


def dimension_bomb() -> bytes:
    """Declares every cell Excel allows (A1:XFD1048576) and holds three."""
    sheet = SHEET_START + '<dimension ref="A1:XFD1048576"/><sheetData>'
    return workbook((sheet + _rows(3) + "</sheetData></worksheet>").encode())


def cells_bomb() -> bytes:
    """8 million inline cells: a few hundred kilobytes packed, a quarter of a GB unpacked."""

    def write(archive: zipfile.ZipFile) -> None:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(SHEET_START.encode() + b"<sheetData>")
            row = b"<row>" + b'<c t="inlineStr"><is><t>x</t></is></c>' * 1000 + b"</row>"
            for _ in range(8000):
                part.write(row)
            part.write(b"</sheetData></worksheet>")

    return workbook(write)


def zip_bomb() -> bytes:
    """A sheet part of 300 MB of spaces: about 300 KB packed."""

    def write(archive: zipfile.ZipFile) -> None:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(SHEET_START.encode())
            block = b" " * (1024 * 1024)
            for _ in range(300):
                part.write(block)
            part.write(b"<sheetData/></worksheet>")

    return workbook(write)


def lying_zip() -> bytes:
    """The zip's directory says the sheet unpacks to 100 bytes; it unpacks to 50 MB."""
    sheet = SHEET_START.encode() + b"<sheetData>" + b" " * (50 * 1024 * 1024)
    sheet += b"</sheetData></worksheet>"
    raw = bytearray(workbook(sheet))
    declared = 100
    # Rewrite the sheet's uncompressed size in its local header and its directory entry.
    name = b"xl/worksheets/sheet1.xml"
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := raw.find(signature, at)) >= 0:
            name_length = struct.unpack_from("<H", raw, at + (26 if offset == 22 else 28))[0]
            start = at + (30 if offset == 22 else 46)
            if raw[start : start + name_length] == name:
                struct.pack_into("<I", raw, at + offset, declared)
            at += 4
    return bytes(raw)


def far_cell() -> bytes:
    """One cell at XFD1048576, no dimension: a reader that pads rows builds a billion."""
    sheet = SHEET_START + '<sheetData><row r="1048576"><c r="XFD1048576" t="inlineStr">'
    return workbook((sheet + "<is><t>x</t></is></c></row></sheetData></worksheet>").encode())


def wide_row() -> bytes:
    """One row with a cell at column XFD (16,384): a reader that pads rows fills them."""
    sheet = SHEET_START + '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>题目</t></is>'
    sheet += '</c><c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>'
    return workbook((sheet + "</sheetData></worksheet>").encode())


def entity_bomb() -> bytes:
    """An XML entity expansion ("billion laughs") inside the sheet."""
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + n)} "' + f"&{chr(97 + n)};" * 10 + '">' for n in range(8)
    )
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&i;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    return workbook(sheet.encode())


def many_parts() -> bytes:
    extra = {f"xl/media/image{n}.png": b"" for n in range(5_000)}
    return workbook((SHEET_START + "<sheetData/></worksheet>").encode(), extra=extra)


def strings_bomb() -> bytes:
    """510,000 shared strings, varied enough to pack only ten times smaller."""
    import random

    draw = random.Random(13)
    body = b"".join(b"<si><t>%d</t></si>" % draw.randrange(1000) for _ in range(510_000))
    strings = (
        b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main">' + body + b"</sst>"
    )
    cells = "".join(f'<c t="s"><v>{n}</v></c>' for n in range(6))
    sheet = f'{SHEET_START}<sheetData><row r="1">{cells}</row></sheetData></worksheet>'
    return workbook(sheet.encode(), strings=strings)


def not_a_zip() -> bytes:
    return b"PK\x03\x04" + bytes(range(256)) * 8


def encrypted() -> bytes:
    raw = bytearray(workbook((SHEET_START + "<sheetData/></worksheet>").encode()))
    at = raw.find(b"PK\x01\x02")
    while at >= 0:  # set the "encrypted" flag of every directory entry
        raw[at + 8] |= 1
        at = raw.find(b"PK\x01\x02", at + 4)
    return bytes(raw)


def _text(value: str) -> Callable[[], bytes]:
    return lambda: value.encode()


CASES = [
    Case("laughs.yaml", "YAML billion laughs (9 levels of 9 aliases), no `bank:`", lambda: billion_laughs(False), "bank_alias", bomb=True),
    Case("laughs-bank.yaml", "The same aliases inside a bank with its `bank:` header", lambda: billion_laughs(True), "bank_alias", bomb=True),
    Case("deep-flow.yaml", "5,000 nested `[`", deep_flow, "bank_yaml_deep", bomb=True),
    Case("deep-block.yaml", "900 nested block lists (under libyaml's own cap of 1,000)", deep_block, "bank_too_deep", bomb=True),
    Case("long-scalar.yaml", "A title of 300,000 characters", long_scalar, "bank_too_long"),
    Case("garbage.yaml", "Answers not among the options, control characters, duplicate ids and keys, wrong types, and no `bank:` header", _text(GARBAGE_NO_HEADER), "bank_missing_key"),
    Case("red-lookalike.yaml", "Looks like a Red trivia list but is not one: answers as mappings, nulls, unknown CONFIG", _text(RED_LOOKALIKE), "bank_not_a_bank"),
    Case("python-tag.yaml", "`!!python/object/apply:os.system` and `!!python/object/new` tags", _text(PYTHON_TAG), "bank_must_be_text"),
    Case("two-documents.yaml", "Two YAML documents in one file", _text(TWO_DOCUMENTS), "bank_yaml_documents"),
    Case("merge-key.yaml", "A merge key (`<<: *base`) reusing a mapping", _text(MERGE_KEY), "bank_alias"),
    Case("control.yaml", "Escaped BEL, NUL, a right-to-left override and a lone surrogate in texts", _text(CONTROL_CHARACTERS), "bank_invisible"),
    Case("nul.yaml", "Raw NUL bytes", nul_bytes, "bank_yaml_character"),
    Case("gbk-trivia.yaml", "A Red trivia list saved in GBK (not hostile: it must be read)", gbk_trivia, ""),
    Case("many-rows.csv", "1 MB of empty lines (a million rows)", csv_many_rows, "bank_too_many_rows", bomb=True),
    Case("wide-line.csv", "One line of 300,000 commas", csv_wide_line, "bank_line_too_long", bomb=True),
    Case("many-columns.csv", "One row of 5,001 columns", csv_many_columns, "bank_too_many_columns", bomb=True),
    Case("huge-field.csv", "One quoted field of 183,000 characters over 3,000 lines", csv_huge_field, "bank_csv_unreadable", bomb=True),
    Case("quotes.csv", "Thousands of quotes (what slows a regular-expression sniffer)", csv_quotes, "bank_too_many_columns"),
    Case("same-text.csv", "The same question three times, no ids (one automatic id)", csv_same_text, "bank_same_text"),
    Case("formula.csv", "Cells Excel would run as formulas (`=cmd|…`, `@SUM`)", csv_formula, ""),
    Case("dimension.xlsx", "Declares `A1:XFD1048576` and holds 3 cells", dimension_bomb, "bank_xlsx_dimension", bomb=True),
    Case("cells.xlsx", "8 million inline cells", cells_bomb, "bank_xlsx_big", bomb=True),
    Case("zip-bomb.xlsx", "A sheet part of 300 MB of spaces", zip_bomb, "bank_xlsx_big", bomb=True),
    Case("lying-zip.xlsx", "The zip says 100 bytes, the part unpacks to 50 MB", lying_zip, "bank_xlsx_damaged", bomb=True),
    Case("far-cell.xlsx", "One cell at XFD1048576, no dimension", far_cell, "bank_xlsx_far", bomb=True),
    Case("wide-row.xlsx", "A header row with a cell at column XFD", wide_row, "bank_xlsx_far", bomb=True),
    Case("entities.xlsx", "An XML entity expansion inside the sheet", entity_bomb, "bank_xlsx_dtd", bomb=True),
    Case("many-parts.xlsx", "5,000 parts in the zip", many_parts, "bank_xlsx_parts", bomb=True),
    Case("strings.xlsx", "510,000 shared strings (past an upload's 500,000 cells)", strings_bomb, "bank_xlsx_cells", bomb=True, expect_local="bank_no_column", local_bomb=False),
    Case("laughs-ratio.xlsx", "A million identical shared strings (packed 400 times)", lambda: workbook((SHEET_START + "<sheetData/></worksheet>").encode(), strings=b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + b"<si><t>x</t></si>" * 1_000_000 + b"</sst>"), "bank_xlsx_ratio", bomb=True),
    Case("not-a-zip.xlsx", "Bytes that only start like a zip", not_a_zip, "bank_xlsx_unreadable"),
    Case("encrypted.xlsx", "Every part marked encrypted", encrypted, "bank_xlsx_encrypted"),
]  # fmt: skip


def by_name(name: str) -> Case:
    return next(case for case in CASES if case.name == name)


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")
    folder.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        (folder / case.name).write_bytes(case.make())
        print(folder / case.name)
