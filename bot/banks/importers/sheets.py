"""Spreadsheets: CSV (UTF-8 with or without BOM, GBK/GB18030 as Chinese Excel writes) and
XLSX, one question per row, with Chinese or English headers (see ``docs/spreadsheets.md``).

A bank's identity lives in the file: a sheet named ``bank`` (or 题库信息) in .xlsx, leading
``# id: …`` lines in CSV. FAQ entries: a sheet named ``FAQ`` or ``常见问题`` in .xlsx, the rows
after a ``# FAQ`` line in CSV. The file's name is used only for what the file does not say.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.banks.importers.common import (
    Converter,
    Imported,
    auto_id,
    column_letter,
    decode,
    header_key,
    language_of,
    node,
)
from bot.banks.importers.xlsx import open_workbook
from bot.banks.limits import Limits, refuse
from bot.banks.problems import Unit, msg
from bot.banks.schema import RowMark
from bot.csvfile import restore
from bot.domain.models import LETTERS, Bank

__all__ = [
    "META_FIELDS",
    "Previous",
    "Sheets",
    "Table",
    "import_sheets",
    "join_list",
    "read_csv",
    "read_xlsx",
    "split_list",
]

# Header synonyms → field. Compared after removing spaces and case.
_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "题号", "序号id"),
    "question": ("question", "题目", "题干", "问题", "试题"),
    "answer": ("answer", "答案", "正确答案", "参考答案"),
    "explanation": ("explanation", "解析", "答案解析", "说明"),
    "source": ("source", "依据", "法律依据", "出处", "来源"),
    "topic": ("topic", "tags", "分类", "专题", "主题", "标签"),
    "difficulty": ("difficulty", "难度"),
    "type": ("type", "题型", "类型"),
}
_FAQ_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号"),
    "questions": ("questions", "phrasings", "问法", "问题", "常见问法"),
    "answer": ("answer", "答案", "回答"),
    "source": ("source", "依据", "法律依据", "出处"),
    "keywords": ("keywords", "关键词"),
}
#: The bank's own fields, in a ``bank`` sheet or ``# field: value`` lines.
META_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "bank", "bankid", "编号", "题库编号"),
    "title": ("title", "标题", "名称", "题库名称"),
    "description": ("description", "简介", "描述", "说明"),
    "language": ("language", "语言"),
}
_BANK_SHEETS = ("bank", "题库信息")
_FAQ_SHEETS = ("faq", "常见问题", "问答")
_OPTION = re.compile(r"^(?:选项|option)?([a-f])$", re.IGNORECASE)
_TYPES = {
    "single": "single",
    "单选": "single",
    "单选题": "single",
    "单项选择": "single",
    "multiple": "multiple",
    "多选": "multiple",
    "多选题": "multiple",
    "多项选择": "multiple",
    "truefalse": "truefalse",
    "判断": "truefalse",
    "判断题": "truefalse",
    "true/false": "truefalse",
    "open": "open",
    "填空": "open",
    "填空题": "open",
    "简答": "open",
    "问答": "open",
}
_TRUE = {"对", "正确", "是", "√", "✓", "true", "t", "yes", "y", "a"}
_FALSE = {"错", "错误", "否", "×", "✗", "x", "false", "f", "no", "n", "b"}
# Answers that make a question without options true/false: A and B say so only for a
# question already typed true/false.
_TRUE_FALSE_WORDS = (_TRUE | _FALSE) - {"a", "b"}
_DIFFICULTY = {
    "1": 1,
    "2": 2,
    "3": 3,
    "易": 1,
    "简单": 1,
    "中": 2,
    "中等": 2,
    "一般": 2,
    "难": 3,
    "困难": 3,
    "easy": 1,
    "medium": 2,
    "hard": 3,
}
# A list in one cell: one item a line, or items separated by | (or ; on a single line). A
# backslash keeps the next separator (or backslash) in the item: the export writes "\\|".
_SEPARATORS = "|｜;；"
_SPLIT = re.compile(r"[|｜;；]")
_SPLIT_LINES = re.compile(r"[|｜\n]")
_LETTER_GAPS = re.compile(r"[\s,，、;；]")  # what may stand between answer letters: "A, C"
_QUESTION_COLUMNS = ("question", "answer", "explanation", "source")
_FAQ_COLUMNS = ("questions", "answer", "source")
_META_LINE = re.compile(r"#\s*([^:：]+?)\s*[:：]\s?(.*)", re.DOTALL)
_FAQ_MARK = re.compile(r"#\s*(faq|常见问题|问答)\s*", re.IGNORECASE)


def split_list(value: str, extra: str = "") -> list[str]:
    """The items of a cell: on separate lines, or separated by | (or ;), backslash escapes.

    ``extra`` are more separators for this column (the topic column also takes "，").
    """
    lines = "\n" in value
    separators = "|｜\n" + extra if lines else _SEPARATORS + extra
    if "\\" not in value:
        if extra:
            items = re.split("[" + re.escape(separators) + "]", value)
        else:
            items = (_SPLIT_LINES if lines else _SPLIT).split(value)
    else:
        items, piece, at = [], [], 0
        while at < len(value):
            ch = value[at]
            if ch == "\\" and at + 1 < len(value) and value[at + 1] in _SEPARATORS + "\\，":
                piece.append(value[at + 1])
                at += 2
                continue
            if ch in separators:
                items.append("".join(piece))
                piece = []
            else:
                piece.append(ch)
            at += 1
        items.append("".join(piece))
    return [item.strip() for item in items if item.strip()]


def join_list(items: tuple[str, ...], extra: str = "") -> str:
    """A list for one cell, as :func:`split_list` reads it back: one item a line."""
    special = _SEPARATORS + "\\" + extra
    escaped = ["".join("\\" + ch if ch in special else ch for ch in item) for item in items]
    return "\n".join(escaped)


@dataclass(slots=True)
class Table:
    """The rows of one table: a sheet, or one part of a CSV file."""

    rows: list[list[str]]
    #: The number, in the file, of ``rows[0]``.
    first: int = 1
    #: The sheet's title as problems show it ("" for the questions' sheet and for CSV).
    sheet: str = ""


@dataclass(slots=True)
class Sheets:
    """What a spreadsheet holds: its questions, FAQ and the bank's own fields."""

    questions: Table | None = None
    faq: list[Table] = field(default_factory=list)
    #: Field -> (value, row, column label).
    meta: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    meta_sheet: str = ""
    #: Lines or rows naming a field that is not one (row, name, hint).
    unknown_meta: list[tuple[int, str, str]] = field(default_factory=list)


def _meta_field(name: str) -> str | None:
    key = header_key(name)
    return next((f for f, names in META_FIELDS.items() if key in names), None)


def _meta_hint(name: str) -> str | None:
    from difflib import get_close_matches

    names = [n for synonyms in META_FIELDS.values() for n in synonyms]
    found = get_close_matches(header_key(name), names, n=1, cutoff=0.75)
    return found[0] if found else None


# --- CSV ---------------------------------------------------------------------------------


def _delimiter(text: str) -> str:
    """The delimiter of the header row: the one that splits a line into a question column.

    (The first lines may be ``# field: value`` lines, quoted, spanning several lines.) A
    file without such a line gets the most frequent of , tab ; on its first line.
    """
    first = ""
    for line in text.splitlines()[:200]:
        if not line.strip():
            continue
        first = first or line
        for delimiter in (",", "\t", ";"):
            cells = [header_key(cell.strip().strip('"')) for cell in line.split(delimiter)]
            if len(cells) > 1 and any(cell in _HEADERS["question"] for cell in cells):
                return delimiter
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(
    source: Iterable[str], delimiter: str, name: str, limits: Limits
) -> Iterator[list[str]]:
    """The CSV records of the lines of ``source``, each line and record within ``limits``."""

    def lines() -> Iterator[str]:
        # Lines as csv wants them (any line end kept), each checked before csv splits it.
        for number, line in enumerate(source, start=1):
            if len(line) > limits.max_line:
                length = f"{len(line):,}"
                limit = f"{limits.max_line:,}"
                problem = msg("bank_line_too_long", length=length, limit=limit)
                raise refuse(name, problem, number, Unit.ROW)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    count = 0
    try:
        for record in reader:
            count += 1
            if count > limits.max_rows:
                raise refuse(name, msg("bank_too_many_rows", limit=f"{limits.max_rows:,}"))
            while record and not record[-1].strip():
                record.pop()
            if len(record) > limits.max_columns:
                columns = f"{len(record):,}"
                problem = msg("bank_too_many_columns", count=columns, limit=limits.max_columns)
                raise refuse(name, problem, count, Unit.ROW)
            # restore(): the apostrophe our own export puts before a formula-like text.
            yield [restore(cell.replace("\r\n", "\n").strip()) for cell in record]
    except csv.Error as exc:
        problem = msg("bank_csv_unreadable", problem=str(exc))
        raise refuse(name, problem, count + 1, Unit.ROW) from None  # the row being read


def read_csv(raw: bytes | Path, name: str, limits: Limits) -> Sheets:
    """A CSV file: ``# field: value`` lines, the questions, then ``# FAQ`` and the FAQ.

    Given a path, the file is read as a stream: neither its bytes nor its whole text are
    ever held at once (a large sheet's rows are what memory is for).
    """
    if isinstance(raw, Path):
        encoding = _encoding(raw, name)
        with open(raw, encoding=encoding, newline="") as head:
            delimiter = _delimiter("".join(itertools.islice(head, 200)))
        with open(raw, encoding=encoding, newline="") as stream:
            return _read_records(_csv_rows(stream, delimiter, name, limits))
    text = decode(raw, name)
    lines = io.StringIO(text, newline="")
    return _read_records(_csv_rows(lines, _delimiter(text[:100_000]), name, limits))


def _encoding(path: Path, name: str) -> str:
    """UTF-8 (with or without BOM) or GB18030, checked over the whole file a chunk at a time."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as stream:
                while chunk := stream.read(1024 * 1024):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise refuse(name, msg("bank_not_text"))


def _read_records(records: Iterator[list[str]]) -> Sheets:
    sheets = Sheets()
    current: Table | None = None
    number = 0
    for record in records:
        number += 1
        first = record[0] if record else ""
        if current is None and first.startswith("#"):  # the bank's fields, or a comment
            found = _META_LINE.fullmatch(",".join(record))
            field_name = _meta_field(found.group(1)) if found else None
            if found and field_name:
                sheets.meta[field_name] = (found.group(2).strip(), number, "")
                continue
            if found and (hint := _meta_hint(found.group(1))):
                sheets.unknown_meta.append((number, found.group(1), hint))
                continue
            if sum(1 for cell in record if cell) == 1:
                continue  # a comment
            # several cells: a header whose first column is called "#"
        if first.startswith("#") and _FAQ_MARK.fullmatch(first) and len(record) == 1:
            current = Table([], number + 1, "")
            sheets.faq.append(current)
            continue
        if current is None:
            if not record:
                continue
            current = sheets.questions = Table([], number, "")
        current.rows.append(record)
    return sheets


# --- XLSX --------------------------------------------------------------------------------


def read_xlsx(raw: bytes, name: str, limits: Limits) -> Sheets:
    """An .xlsx file: the first sheet of questions, FAQ sheets, and a ``bank`` sheet."""
    book = open_workbook(raw, name, limits)
    sheets = Sheets()
    for title in book.sheets:
        key = header_key(title)
        if key in _BANK_SHEETS:
            sheets.meta_sheet = title
            for number, row in enumerate(book.rows(title), start=1):
                if not row or not row[0]:
                    continue
                field_name = _meta_field(row[0])
                value = row[1] if len(row) > 1 else ""
                if field_name:
                    sheets.meta[field_name] = (value, number, "B")
                elif number > 1 or _meta_hint(row[0]):  # the first row may be a header
                    sheets.unknown_meta.append((number, row[0], _meta_hint(row[0]) or ""))
        elif key in _FAQ_SHEETS:
            sheets.faq.append(Table(book.rows(title), 1, title))
        elif sheets.questions is None:
            sheets.questions = Table(book.rows(title), 1, "")
    return sheets


# --- rows to entries ---------------------------------------------------------------------


@dataclass(slots=True)
class _Columns:
    """The header row of a table: where each field is, and how problems name its column."""

    at: int  # index of the header in the table's rows
    index: dict[str, int]
    labels: dict[str, str]


def _header(
    table: Table,
    names: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    convert: Converter,
    options: bool = False,
) -> _Columns | None:
    """The header row (the first non-empty one) and the column of each field it names."""
    rows = table.rows
    at = next((i for i, row in enumerate(rows) if any(row)), None)
    if at is None:
        convert.problem(0, msg("bank_sheet_empty"), sheet=table.sheet)
        return None
    headers = rows[at]
    index: dict[str, int] = {}
    for position, header in enumerate(headers):
        key = header_key(header)
        for name, synonyms in names.items():
            if key in synonyms and name not in index:
                index[name] = position
        if options and (found := _OPTION.match(key)):
            index.setdefault(found.group(1).upper(), position)
    missing = [name for name in required if name not in index]
    for name in missing:
        names_shown = "/".join(names[name][:3])
        convert.problem(
            table.first + at, msg("bank_no_column", names=names_shown), "", table.sheet
        )
    if missing:
        return None
    labels = {name: f"{headers[i]} ({column_letter(i)})" for name, i in index.items()}
    return _Columns(at, index, labels)


def _records(table: Table, columns: _Columns) -> Iterator[tuple[int, list[str]]]:
    """Each non-empty row under the header, with its number in the file."""
    for offset, row in enumerate(table.rows[columns.at + 1 :], start=columns.at + 1):
        if any(row):
            yield table.first + offset, row


# The schema's fields, and the sheet's columns they come from (for problems).
_FIELD_COLUMNS = {
    "id": "id",
    "type": "type",
    "text": "question",
    "answer": "answer",
    "explanation": "explanation",
    "source": "source",
    "tags": "topic",
    "difficulty": "difficulty",
}


def _questions(
    table: Table,
    convert: Converter,
    bank_id: str,
    known: dict[str, str],
    columns: _Columns,
) -> None:
    index, label = columns.index, columns.labels
    field_labels = {f: label[c] for f, c in _FIELD_COLUMNS.items() if c in label}
    width = max(index.values()) + 1

    for number, row in _records(table, columns):
        if len(row) < width:
            row = row + [""] * (width - len(row))

        def get(name: str, row: list[str] = row) -> str:
            return row[index[name]] if name in index else ""

        mark = RowMark(number, field_labels, table.sheet)
        before = len(convert.problems)
        text = get("question")
        if not text:
            convert.problem(number, msg("bank_question_empty"), label["question"], table.sheet)
        letters_used = [letter for letter in LETTERS if get(letter)]
        option_texts = [get(letter) for letter in letters_used]
        if letters_used and letters_used != list(LETTERS[: len(letters_used)]):
            convert.problem(
                number, msg("bank_option_gaps", letters="".join(letters_used)), "", table.sheet
            )
        answer = get("answer")
        kind = get("type")
        qtype = _TYPES.get(header_key(kind)) if kind else None
        if kind and qtype is None:
            convert.problem(
                number, msg("bank_unknown_type", value=kind), label["type"], table.sheet
            )
        if qtype is None:
            qtype = _infer_type(answer, option_texts)
        entry: dict[str, Any] = {"id": "", "type": qtype, "text": text}
        where = label["answer"]
        if qtype in ("single", "multiple"):
            entry["options"] = option_texts
            picked = _LETTER_GAPS.sub("", answer).upper()
            if not picked:
                convert.problem(number, msg("bank_answer_empty"), where, table.sheet)
            elif bad := [ch for ch in picked if ch not in LETTERS[: len(option_texts)]]:
                span = (
                    f"A-{LETTERS[len(option_texts) - 1]}"
                    if option_texts
                    else msg("bank_no_options_given")
                )
                problem = msg("bank_answer_not_option", value="".join(bad), span=span)
                convert.problem(number, problem, where, table.sheet)
            elif qtype == "single" and len(picked) > 1:
                convert.problem(number, msg("bank_single_many", value=picked), where, table.sheet)
            entry["answer"] = list(picked) if qtype == "multiple" else picked
        elif qtype == "truefalse":
            value = header_key(answer)
            if value in _TRUE:
                entry["answer"] = True
            elif value in _FALSE:
                entry["answer"] = False
            else:
                convert.problem(
                    number, msg("bank_not_truefalse", value=answer), where, table.sheet
                )
        else:
            variants = split_list(answer)
            if not variants:
                convert.problem(number, msg("bank_answer_empty"), where, table.sheet)
            entry["answer"] = variants
        for name, key in (
            ("explanation", "bank_explanation_empty"),
            ("source", "bank_source_empty"),
        ):
            if not get(name):
                convert.problem(number, msg(key), label[name], table.sheet)
            entry[name] = get(name)
        entry["tags"] = split_list(get("topic"), "，") or [bank_id]
        level = get("difficulty")
        if level and header_key(level) not in _DIFFICULTY:
            convert.problem(
                number, msg("bank_bad_level", value=level), label["difficulty"], table.sheet
            )
        entry["difficulty"] = _DIFFICULTY.get(header_key(level), 2)
        ident = get("id")
        if (
            not ident
            and text
            and not convert.unique_text("q", text, number, label["question"], table.sheet)
        ):
            continue
        entry["id"] = ident or known.get(text) or auto_id(bank_id, text)
        if len(convert.problems) == before:
            convert.question(entry, mark)


def _infer_type(answer: str, options: list[str]) -> str:
    if not options:
        return "truefalse" if header_key(answer) in _TRUE_FALSE_WORDS else "open"
    letters = _LETTER_GAPS.sub("", answer)
    return "multiple" if len(letters) > 1 else "single"


_FAQ_FIELD_COLUMNS = {f: f for f in ("id", "questions", "answer", "source", "keywords")}


def _faq(
    table: Table, convert: Converter, bank_id: str, known: dict[str, str], columns: _Columns
) -> None:
    index, label = columns.index, columns.labels
    field_labels = {f: label[c] for f, c in _FAQ_FIELD_COLUMNS.items() if c in label}
    for number, row in _records(table, columns):

        def get(name: str, row: list[str] = row) -> str:
            at = index.get(name)
            return row[at] if at is not None and at < len(row) else ""

        mark = RowMark(number, field_labels, table.sheet)
        phrasings = split_list(get("questions"))
        entry: dict[str, Any] = {
            "id": get("id"),
            "questions": phrasings,
            "answer": get("answer"),
            "source": get("source"),
        }
        keywords = split_list(get("keywords"))
        if keywords:
            entry["keywords"] = keywords
        if not entry["id"]:
            first = phrasings[0] if phrasings else ""
            if first and not convert.unique_text(
                "f", first, number, label["questions"], table.sheet
            ):
                continue
            entry["id"] = known.get(first) or auto_id(bank_id, first, "faq-")
        convert.faq(entry, mark)


#: The installed version of a bank, or how to find it by the bank's id.
Previous = Bank | Callable[[str], Bank | None] | None


def import_sheets(
    sheets: Sheets,
    name: str,
    bank_id: str,
    title: str,
    previous: Previous = None,
) -> Imported:
    """The bank a spreadsheet holds: its fields from the file, else ``bank_id`` and ``title``.

    Args:
        previous: the version of this bank now installed, if any: a row without an id keeps
            the id that version gives the same text.
    """
    convert = Converter(name)
    question_columns = None
    if sheets.questions is not None:
        question_columns = _header(sheets.questions, _HEADERS, _QUESTION_COLUMNS, convert, True)
    faq_tables = []
    for table in sheets.faq:
        found = _header(table, _FAQ_HEADERS, _FAQ_COLUMNS, convert)
        if found is not None:
            faq_tables.append((table, found))
    for row, field_name, hint in sheets.unknown_meta:
        known_names = hint or "id, title, description, language"
        problem = msg("bank_meta_unknown", key=field_name, hint=known_names)
        convert.problem(row, problem, "A" if sheets.meta_sheet else "", sheets.meta_sheet)
    meta = sheets.meta
    head: dict[str, str] = {
        "id": meta["id"][0] if "id" in meta else bank_id,
        "title": meta["title"][0] if "title" in meta else title[:100],
        "language": meta["language"][0] if "language" in meta else "",
    }
    if not head["language"]:
        head["language"] = language_of(_samples(sheets, question_columns, faq_tables))
    if meta.get("description", ("",))[0]:
        head["description"] = meta["description"][0]
    convert.builder.bank(_head_node(head, meta, sheets.meta_sheet))
    final_id = head["id"]
    known: dict[str, str] = {}
    if callable(previous):
        previous = previous(final_id)
    if previous is not None:
        known = {q.text: q.id for q in previous.questions}
        known |= {f.questions[0]: f.id for f in previous.faq}
    if question_columns is not None and sheets.questions is not None:
        _questions(sheets.questions, convert, final_id, known, question_columns)
    for table, found in faq_tables:
        _faq(table, convert, final_id, known, found)
    return convert.finish()


def _head_node(head: dict[str, str], meta: dict[str, tuple[str, int, str]], sheet: str) -> Any:
    """The bank's fields as a node; each field's problem names the row it was written on."""
    fallback = RowMark(0, {}, "")  # a value made from the file's name: no row to name
    pairs = []
    for key, value in head.items():
        place = meta.get(key)
        mark = RowMark(place[1], {key: place[2]} if place[2] else {}, sheet) if place else fallback
        pairs.append((node(key, mark), node(value, mark)))
    first = min((p[1] for p in meta.values()), default=0)
    where: Any = RowMark(first, {}, sheet)
    return yaml.MappingNode("tag:yaml.org,2002:map", pairs, where, where)


def _samples(
    sheets: Sheets, columns: Any, faq_tables: list[tuple[Table, _Columns]]
) -> Iterator[str]:
    if columns is not None and sheets.questions is not None:
        at = columns.index["question"]
        for row in sheets.questions.rows[columns.at + 1 :]:
            if at < len(row):
                yield row[at]
    for table, found in faq_tables:
        at = found.index["answer"]
        for row in table.rows[found.at + 1 :]:
            if at < len(row):
                yield row[at]
