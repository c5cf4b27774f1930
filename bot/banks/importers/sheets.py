"""Spreadsheets: CSV (UTF-8 with or without BOM, GBK/GB18030 as Chinese Excel writes) and
XLSX (openpyxl), one question per row, with Chinese or English headers (see
``docs/spreadsheets.md``). An XLSX sheet named ``FAQ`` or ``常见问题`` holds FAQ entries.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from bot.banks.importers.common import (
    Imported,
    ImportError_,
    Problems,
    Row,
    bank_meta,
    cell,
    column_letter,
    decode,
    find_header,
    finish,
    header_key,
    records,
    row_id,
)
from bot.domain.models import LETTERS

__all__ = ["import_rows", "read_csv", "read_xlsx"]

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


def read_csv(raw: bytes, name: str) -> list[list[str]]:
    text = decode(raw, name)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return [[cell(c) for c in row] for row in reader]
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
            sheet.title: [[cell(c) for c in row] for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets
        }
    finally:
        book.close()


def _question_rows(rows: list[list[str]], problems: Problems, bank_id: str) -> list[Row]:
    if not any(any(row) for row in rows):
        problems.add(None, None, "the sheet is empty")
        return []
    found = find_header(rows, _HEADERS, _QUESTION_COLUMNS, "the header row", problems)
    if found is None:
        return []
    header_at, columns = found
    headers = rows[header_at]
    # Option columns go by their letter: get("A") is option A.
    columns |= {
        m.group(1).upper(): i for i, h in enumerate(headers) if (m := _OPTION.match(header_key(h)))
    }

    def label(name: str) -> str:
        index = columns.get(name, 0)
        return f"{headers[index]} ({column_letter(index)})"

    built: list[Row] = []
    for offset, get in records(rows, header_at, columns):
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
        qtype = _TYPES.get(header_key(get("type"))) if get("type") else None
        if get("type") and qtype is None:
            problems.add(
                offset, label("type"), f"unknown type '{get('type')}' (单选, 多选, 判断 or 填空)"
            )
        if qtype is None:
            qtype = _infer_type(answer, option_texts)
        entry: dict[str, Any] = {
            "id": get("id") or row_id(bank_id, text),
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
            value = header_key(answer)
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
        if level and header_key(level) not in _DIFFICULTY:
            problems.add(offset, label("difficulty"), f"'{level}' is not 1-3 (易/中/难)")
        entry["difficulty"] = _DIFFICULTY.get(header_key(level), 2)
        if len(problems.items) == before:
            built.append(Row(offset, entry))
    return built


def _infer_type(answer: str, options: list[str]) -> str:
    if not options:
        return "truefalse" if header_key(answer) in _TRUE_FALSE_WORDS else "open"
    letters = _LETTER_GAPS.sub("", answer)
    return "multiple" if len(letters) > 1 else "single"


def _faq_rows(rows: list[list[str]], problems: Problems, bank_id: str) -> list[Row]:
    found = find_header(rows, _FAQ_HEADERS, _FAQ_COLUMNS, "the FAQ sheet", problems)
    if found is None:
        return []
    built = []
    for offset, get in records(rows, *found):
        phrasings = [p for p in _SPLIT.split(get("questions")) if p]
        entry: dict[str, Any] = {
            "id": get("id") or "faq-" + row_id(bank_id, get("questions")),
            "questions": phrasings,
            "answer": get("answer"),
            "source": get("source"),
        }
        keywords = [k for k in _SPLIT.split(get("keywords")) if k]
        if keywords:
            entry["keywords"] = keywords
        built.append(Row(offset, entry))
    return built


def import_rows(
    sheets: dict[str, list[list[str]]], name: str, bank_id: str, title: str
) -> Imported:
    """Questions from the first sheet (or one named 题库/questions) and FAQ from 'FAQ'."""
    problems = Problems(name)
    faq_sheets = [t for t in sheets if header_key(t) in ("faq", "常见问题", "问答")]
    question_sheets = [t for t in sheets if t not in faq_sheets]
    questions: list[Row] = []
    faq: list[Row] = []
    if question_sheets:
        questions = _question_rows(sheets[question_sheets[0]], problems, bank_id)
    for sheet in faq_sheets:
        faq += _faq_rows(sheets[sheet], problems, bank_id)
    samples = [r.data.get("text", "") for r in questions] + [r.data["answer"] for r in faq]
    return finish(name, bank_meta(bank_id, title, samples), questions, faq, problems)
