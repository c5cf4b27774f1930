"""A bank back to a spreadsheet an organizer can edit (and import again)."""

from __future__ import annotations

import io

from bot.domain.models import LETTERS, Bank, QuestionType

__all__ = ["QUESTION_HEADERS", "FAQ_HEADERS", "bank_to_xlsx"]

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


def bank_to_xlsx(bank: Bank) -> bytes:
    """The bank as .xlsx: a 题库 sheet, and a 常见问题 sheet when it has FAQ entries."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "题库"
    sheet.append(QUESTION_HEADERS)
    for question in bank.questions:
        options = list(question.options) + [""] * (len(LETTERS) - len(question.options))
        if question.type is QuestionType.TRUEFALSE:
            answer = "对" if 0 in question.answer else "错"
        elif question.type is QuestionType.OPEN:
            answer = " | ".join(question.accepted)
        else:
            answer = "".join(LETTERS[i] for i in sorted(question.answer))
        sheet.append(
            [
                question.id,
                _TYPE_NAMES[question.type],
                question.text,
                *options,
                answer,
                question.explanation,
                question.source,
                " | ".join(question.tags),
                question.difficulty,
            ]
        )
    if bank.faq:
        faq = book.create_sheet("常见问题")
        faq.append(FAQ_HEADERS)
        for entry in bank.faq:
            faq.append(
                [
                    entry.id,
                    "\n".join(entry.questions),
                    entry.answer,
                    entry.source,
                    " | ".join(entry.keywords),
                ]
            )
    for ws in book.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for column in ws.columns:
            ws.column_dimensions[column[0].column_letter].width = 18
            for cell in column[1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                if cell.data_type == "f":
                    # openpyxl stores text starting with "=" as a formula; an XLSX text cell
                    # is never run, and imports back as the same text.
                    cell.data_type = "s"
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
