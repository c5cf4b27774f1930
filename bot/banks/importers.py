"""Importing banks from what organizers already have: spreadsheets and trivia lists.

* CSV (UTF-8 with or without BOM, GBK/GB18030 as Chinese Excel writes) and XLSX (openpyxl),
  one question per row, with Chinese or English headers (see ``docs/spreadsheets.md``). An
  XLSX sheet named ``FAQ`` or ``常见问题`` holds FAQ entries.
* Red-DiscordBot trivia lists (YAML: question → accepted answers) as open questions.
* Open Trivia DB JSON (``results`` of multiple and boolean questions).

Every importer returns the bank as YAML text plus every problem found, each naming its row
and column. The YAML is then validated like any bank, and a problem the schema finds is
reported against the spreadsheet row it came from.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.banks.loader import parse_bank
from bot.domain.models import LETTERS, Bank
from bot.domain.text import has_cjk

__all__ = ["ImportError_", "Imported", "import_bytes", "import_path", "slug"]

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
_SPLIT = re.compile(r"\s*(?:\||｜|；|;|\n)\s*")
_LETTER_GAPS = re.compile(r"[\s,，、;；]")  # what may stand between answer letters: "A, C"
_QUESTION_COLUMNS = ("question", "answer", "explanation", "source")
_FAQ_COLUMNS = ("questions", "answer", "source")


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


def _key(header: object) -> str:
    return re.sub(r"[\s_:：*]", "", str(header or "")).lower()


def _column_map(headers: Sequence[object], names: dict[str, tuple[str, ...]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = _key(header)
        for name, synonyms in names.items():
            if key in synonyms and name not in found:
                found[name] = index
    return found


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# --- reading files -------------------------------------------------------------------------


def _decode(raw: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportError_(f"{name}: not UTF-8 or GBK text; save it again as CSV UTF-8")


def read_csv(raw: bytes, name: str) -> list[list[str]]:
    text = _decode(raw, name)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return [[_cell(c) for c in row] for row in reader]
    except csv.Error as exc:
        raise ImportError_(
            f"{name}: not readable as CSV at line {reader.line_num}: {exc}"
        ) from exc


def read_xlsx(raw: bytes, name: str) -> dict[str, list[list[str]]]:
    """Every sheet's rows, by sheet title."""
    from openpyxl import load_workbook  # imported here: only spreadsheets need it

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ImportError_(
            f"{name}: not a readable .xlsx file ({exc.__class__.__name__})"
        ) from exc
    try:
        return {
            sheet.title: [[_cell(c) for c in row] for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets
        }
    finally:
        book.close()


# --- rows to a bank -------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    number: int  # as the spreadsheet shows it (header is row 1)
    data: dict[str, Any]


class _Problems:
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


def _header(
    rows: list[list[str]],
    names: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    where: str,
    problems: _Problems,
) -> tuple[int, dict[str, int]] | None:
    """The header row's index (the first non-empty row) and the column of each field it names.

    None for an empty sheet, and when a required column is missing (a problem for each).
    """
    header_at = next((i for i, row in enumerate(rows) if any(row)), None)
    if header_at is None:
        return None
    columns = _column_map(rows[header_at], names)
    missing = [name for name in required if name not in columns]
    for name in missing:
        problems.add(header_at + 1, None, f"no '{'/'.join(names[name][:3])}' column in {where}")
    return None if missing else (header_at, columns)


def _records(
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


def _question_rows(rows: list[list[str]], problems: _Problems, bank_id: str) -> list[_Row]:
    if not any(any(row) for row in rows):
        problems.add(None, None, "the sheet is empty")
        return []
    found = _header(rows, _HEADERS, _QUESTION_COLUMNS, "the header row", problems)
    if found is None:
        return []
    header_at, columns = found
    headers = rows[header_at]
    # Option columns go by their letter: get("A") is option A.
    columns |= {
        m.group(1).upper(): i for i, h in enumerate(headers) if (m := _OPTION.match(_key(h)))
    }

    def label(name: str) -> str:
        index = columns.get(name, 0)
        return f"{headers[index]} ({_column_letter(index)})"

    built: list[_Row] = []
    for offset, get in _records(rows, header_at, columns):
        text = get("question")
        before = len(problems.items)
        if not text:
            problems.add(offset, label("question"), "the question is empty")
        letters_used = [letter for letter in LETTERS if get(letter)]
        option_texts = [get(letter) for letter in letters_used]
        if letters_used and letters_used != list(LETTERS[: len(letters_used)]):
            problems.add(
                offset,
                None,
                f"options must be filled from A on without gaps, not {''.join(letters_used)}",
            )
        answer = get("answer")
        qtype = _TYPES.get(_key(get("type"))) if get("type") else None
        if get("type") and qtype is None:
            problems.add(
                offset, label("type"), f"unknown type '{get('type')}' (单选, 多选, 判断 or 填空)"
            )
        if qtype is None:
            qtype = _infer_type(answer, option_texts)
        entry: dict[str, Any] = {
            "id": get("id") or _row_id(bank_id, text),
            "type": qtype,
            "text": text,
        }
        if qtype in ("single", "multiple"):
            entry["options"] = option_texts
            picked = _LETTER_GAPS.sub("", answer).upper()
            if not picked:
                problems.add(offset, label("answer"), "the answer is empty")
            elif bad := [ch for ch in picked if ch not in LETTERS[: len(option_texts)]]:
                span = f"A-{LETTERS[len(option_texts) - 1]}" if option_texts else "none given"
                problems.add(
                    offset, label("answer"), f"'{''.join(bad)}' is not among the options ({span})"
                )
            elif qtype == "single" and len(picked) > 1:
                problems.add(
                    offset,
                    label("answer"),
                    f"'{picked}' has several letters but the type is single choice",
                )
            entry["answer"] = list(picked) if qtype == "multiple" else picked
        elif qtype == "truefalse":
            value = _key(answer)
            if value in _TRUE:
                entry["answer"] = True
            elif value in _FALSE:
                entry["answer"] = False
            else:
                problems.add(offset, label("answer"), f"'{answer}' is not 对/错 (true/false)")
        else:
            variants = [v for v in _SPLIT.split(answer) if v]
            if not variants:
                problems.add(offset, label("answer"), "the answer is empty")
            entry["answer"] = variants
        for name in ("explanation", "source"):
            if not get(name):
                problems.add(
                    offset,
                    label(name),
                    f"the {name} is empty "
                    + (
                        "(every fact needs its law and article)"
                        if name == "source"
                        else "(say why the answer is right)"
                    ),
                )
            entry[name] = get(name)
        entry["tags"] = [t for t in _SPLIT.split(get("topic").replace("，", "|")) if t] or [
            bank_id
        ]
        level = get("difficulty")
        if level and _key(level) not in _DIFFICULTY:
            problems.add(offset, label("difficulty"), f"'{level}' is not 1-3 (易/中/难)")
        entry["difficulty"] = _DIFFICULTY.get(_key(level), 2)
        if len(problems.items) == before:
            built.append(_Row(offset, entry))
    return built


def _infer_type(answer: str, options: list[str]) -> str:
    if not options:
        return "truefalse" if _key(answer) in _TRUE_FALSE_WORDS else "open"
    letters = _LETTER_GAPS.sub("", answer)
    return "multiple" if len(letters) > 1 else "single"


def _row_id(bank_id: str, text: str) -> str:
    """A stable id for a row without one: it follows the question's text, not its row."""
    return f"{bank_id[:38]}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def _faq_rows(rows: list[list[str]], problems: _Problems, bank_id: str) -> list[_Row]:
    found = _header(rows, _FAQ_HEADERS, _FAQ_COLUMNS, "the FAQ sheet", problems)
    if found is None:
        return []
    built = []
    for offset, get in _records(rows, *found):
        phrasings = [p for p in _SPLIT.split(get("questions")) if p]
        entry: dict[str, Any] = {
            "id": get("id") or "faq-" + _row_id(bank_id, get("questions")),
            "questions": phrasings,
            "answer": get("answer"),
            "source": get("source"),
        }
        keywords = [k for k in _SPLIT.split(get("keywords")) if k]
        if keywords:
            entry["keywords"] = keywords
        built.append(_Row(offset, entry))
    return built


# --- YAML out, and schema problems mapped back to rows ----------------------------------


def _dump(
    bank: dict[str, Any], questions: list[_Row], faq: list[_Row]
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


def _finish(
    name: str, bank: dict[str, Any], questions: list[_Row], faq: list[_Row], problems: _Problems
) -> Imported:
    if not questions and not faq and not problems.items:
        problems.add(None, None, "no questions or FAQ entries found")
    text, spans = _dump(bank, questions, faq)
    # Every row broken: the schema would only add that the bank is empty.
    built, errors, _ = parse_bank(text, name) if questions or faq else (None, [], None)
    for error in errors:
        row = next((r for first, last, r in spans if first <= error.line <= last), None)
        message = error.message.split(": ", 1)[-1] if row else error.message
        problems.add(row, None, message)
    if problems.items:
        return Imported(None, problems.items, len(questions), len(faq))
    return Imported(text, [], len(questions), len(faq), bank=built)


def _bank_meta(bank_id: str, title: str, samples: Iterable[str]) -> dict[str, Any]:
    language = "zh" if any(has_cjk(s) for s in samples) else "en"
    return {"id": bank_id, "title": title[:100] or bank_id, "language": language}


def import_rows(
    sheets: dict[str, list[list[str]]], name: str, bank_id: str, title: str
) -> Imported:
    """Questions from the first sheet (or one named 题库/questions) and FAQ from 'FAQ'."""
    problems = _Problems(name)
    faq_sheets = [t for t in sheets if _key(t) in ("faq", "常见问题", "问答")]
    question_sheets = [t for t in sheets if t not in faq_sheets]
    questions: list[_Row] = []
    faq: list[_Row] = []
    if question_sheets:
        questions = _question_rows(sheets[question_sheets[0]], problems, bank_id)
    for sheet in faq_sheets:
        faq += _faq_rows(sheets[sheet], problems, bank_id)
    samples = [r.data.get("text", "") for r in questions] + [r.data["answer"] for r in faq]
    return _finish(name, _bank_meta(bank_id, title, samples), questions, faq, problems)


def import_red_trivia(raw: bytes, name: str, bank_id: str, title: str) -> Imported:
    """A Red-DiscordBot trivia list: ``question: [answers]``, plus an optional AUTHOR."""
    problems = _Problems(name)
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ImportError_(f"{name}: not a readable YAML trivia list ({exc})") from exc
    if not isinstance(data, dict):
        raise ImportError_(f"{name}: a trivia list maps each question to its answers")
    author = str(data.pop("AUTHOR", "") or "")
    data.pop("CONFIG", None)
    rows = []
    for number, (question, answers) in enumerate(data.items(), start=1):
        if not isinstance(answers, list) or not answers:
            problems.add(number, None, f"'{question}' has no list of answers")
            continue
        variants = [str(a) for a in answers]
        rows.append(
            _Row(
                number,
                {
                    "id": _row_id(bank_id, str(question)),
                    "type": "open",
                    "text": str(question),
                    "answer": variants,
                    "explanation": f"Accepted answers: {', '.join(variants)}.",
                    "source": f"Red-DiscordBot trivia list '{Path(name).stem}'"
                    + (f" by {author}" if author else ""),
                    "tags": [bank_id],
                    "difficulty": 2,
                },
            )
        )
    meta = _bank_meta(bank_id, title, (r.data["text"] for r in rows))
    return _finish(name, meta, rows, [], problems)


def import_opentdb(raw: bytes, name: str, bank_id: str, title: str) -> Imported:
    """Open Trivia DB JSON: multiple-choice and boolean questions, HTML entities decoded."""
    problems = _Problems(name)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportError_(f"{name}: not Open Trivia DB JSON ({exc})") from exc
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise ImportError_(f"{name}: no 'results' list (is this Open Trivia DB JSON?)")
    rows = []
    for number, item in enumerate(results, start=1):
        try:
            text = html.unescape(item["question"])
            correct = html.unescape(item["correct_answer"])
            wrong = [html.unescape(w) for w in item.get("incorrect_answers", [])]
            level = {"easy": 1, "medium": 2, "hard": 3}.get(item.get("difficulty"), 2)
            category = html.unescape(item.get("category", "trivia"))
        except (KeyError, TypeError):
            problems.add(number, None, "not a question of Open Trivia DB's shape")
            continue
        entry: dict[str, Any] = {"id": _row_id(bank_id, text), "text": text}
        if item.get("type") == "boolean":
            entry.update(type="truefalse", answer=correct.lower() == "true")
        else:
            options = sorted([correct, *wrong])  # a stable order that does not give it away
            entry.update(type="single", options=options, answer=LETTERS[options.index(correct)])
        entry.update(
            explanation=f"The answer is {correct}.",
            source=f"Open Trivia Database ({category}), CC BY-SA 4.0",
            tags=[category[:30]],
            difficulty=level,
        )
        rows.append(_Row(number, entry))
    meta = _bank_meta(bank_id, title, (r.data["text"] for r in rows))
    return _finish(name, meta, rows, [], problems)


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
        text = _decode(raw, name)
        if re.search(r"^bank\s*:", text, re.MULTILINE):
            bank, errors, _ = parse_bank(text, name)
            if errors or bank is None:
                return Imported(None, [str(e) for e in errors])
            return Imported(text, [], len(bank.questions), len(bank.faq), bank=bank)
        return import_red_trivia(raw, name, bank_id, title)
    raise ImportError_(f"{name}: unsupported file type (use .csv, .xlsx, .yaml or .json)")


def import_path(path: Path, bank_id: str | None = None) -> Imported:
    return import_bytes(path.read_bytes(), str(path), bank_id)
