"""A bank back to a spreadsheet an organizer can edit and import again, unchanged.

Everything a bank is goes into the file: its id, title, description and language (a
``bank`` sheet in .xlsx, leading ``# field: value`` lines in CSV), every question and FAQ
entry with its id. Lists in one cell are written one item a line, with a backslash before
a separator that belongs to an item, so that import gives back exactly the same bank (a
property test checks it for .xlsx and .csv).
"""

from __future__ import annotations

import io
from typing import Any

from bot.banks.importers.sheets import join_list
from bot.csvfile import csv_bytes
from bot.domain.models import LETTERS, Bank, FaqEntry, Question, QuestionType

__all__ = ["FAQ_HEADERS", "QUESTION_HEADERS", "bank_to_csv", "bank_to_xlsx"]

QUESTION_HEADERS = [
    "编号",
    "题型",
    "题目",
    *(f"选项{letter}" for letter in LETTERS),
    "答案",
    "解析",
    "依据",
    "分类",
    "难度",
]
FAQ_HEADERS = ["编号", "问法", "答案", "依据", "关键词"]
_TYPE_NAMES = {
    QuestionType.SINGLE: "单选",
    QuestionType.MULTIPLE: "多选",
    QuestionType.TRUEFALSE: "判断",
    QuestionType.OPEN: "填空",
}
#: The ``bank`` sheet: field, value, and a word on what goes there.
_META_NOTES = {
    "id": "题库编号：字母、数字、-、_ 或 .；同一编号的题库会被替换",
    "title": "标题：在 /topics 里显示",
    "description": "简介（可不填）",
    "language": "语言：zh 或 en",
}


def _meta(bank: Bank) -> list[tuple[str, str]]:
    return [
        ("id", bank.id),
        ("title", bank.title),
        ("description", bank.description),
        ("language", bank.language),
    ]


def _question_row(question: Question) -> list[str]:
    options = list(question.options) + [""] * (len(LETTERS) - len(question.options))
    if question.type is QuestionType.TRUEFALSE:
        answer = "对" if 0 in question.answer else "错"
    elif question.type is QuestionType.OPEN:
        answer = join_list(question.accepted)
    else:
        answer = "".join(LETTERS[i] for i in sorted(question.answer))
    return [
        question.id,
        _TYPE_NAMES[question.type],
        question.text,
        *options,
        answer,
        question.explanation,
        question.source,
        join_list(question.tags, "，"),
        str(question.difficulty),
    ]


def _faq_row(entry: FaqEntry) -> list[str]:
    return [
        entry.id,
        join_list(entry.questions),
        entry.answer,
        entry.source,
        join_list(entry.keywords),
    ]


def bank_to_xlsx(bank: Bank) -> bytes:
    """The bank as .xlsx: a 题库 sheet, a 常见问题 sheet when it has FAQ, and a bank sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "题库"
    _write(sheet, [QUESTION_HEADERS, *map(_question_row, bank.questions)])
    if bank.faq:
        faq = book.create_sheet("常见问题")
        _write(faq, [FAQ_HEADERS, *map(_faq_row, bank.faq)])
    meta = book.create_sheet("bank")
    _write(meta, [[field, value, _META_NOTES[field]] for field, value in _meta(bank)])
    for ws in book.worksheets:
        if ws is not meta:
            for cell in ws[1]:
                cell.font = Font(bold=True)
            ws.freeze_panes = "A2"
        for column in ws.columns:
            ws.column_dimensions[column[0].column_letter].width = 18
            for cell in column:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    meta.column_dimensions["B"].width = 40
    meta.column_dimensions["C"].width = 50
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write(sheet: Any, rows: list[list[str]]) -> None:
    """Rows of texts, each cell kept as text (openpyxl would take "=…" for a formula)."""
    for number, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            if value:
                cell = sheet.cell(row=number, column=column)
                cell.value = value
                cell.data_type = "s"


def bank_to_csv(bank: Bank) -> bytes:
    """The bank as CSV (UTF-8 with BOM, as Excel opens it): ``# field: value`` lines, the
    questions, then a ``# FAQ`` line and the FAQ entries."""
    rows: list[list[str]] = [[f"# {field}: {value}"] for field, value in _meta(bank)]
    rows += [QUESTION_HEADERS, *map(_question_row, bank.questions)]
    if bank.faq:
        rows += [["# FAQ"], FAQ_HEADERS, *map(_faq_row, bank.faq)]
    return csv_bytes(rows)  # texts that would run as formulas are kept behind an apostrophe
