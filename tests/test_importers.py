"""Importing spreadsheets and trivia lists; exporting a bank back to a spreadsheet."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from bot.banks.exporter import bank_to_xlsx
from bot.banks.importers import ImportError_, import_bytes
from bot.banks.loader import load_banks, parse_bank

HEADER = "题目,选项A,选项B,选项C,选项D,答案,解析,依据,分类,难度,题型"
ROWS = [
    "消费者协会受理投诉后可以进行什么？,调解,判决,罚款,吊销执照,A,消协不是行政机关也不是法院。,"
    "《消费者权益保护法》第三十七条,消协,1,单选",
    "下列属于争议解决途径的有,协商和解,调解,投诉,打人,ABC,第三十九条列明五种途径。,"
    "《消费者权益保护法》第三十九条,纠纷|投诉,2,",
    "经营者可以搜查消费者随身物品。,,,,,错,法律禁止搜查消费者的身体及其携带的物品。,"
    "《消费者权益保护法》第二十七条,,易,",
    "全国统一的投诉举报电话,,,,,12315,12315是投诉举报专用电话。,"
    "《市场监督管理投诉举报处理暂行办法》第三十六条,投诉,1,填空",
]
CSV = "\n".join([HEADER, *ROWS]) + "\n"


def bank_of(text: str):
    bank, errors, _ = parse_bank(text, "imported.yaml")
    assert not errors, errors
    return bank


@pytest.mark.parametrize(
    "raw",
    [CSV.encode("utf-8"), CSV.encode("utf-8-sig"), CSV.encode("gbk"), CSV.encode("gb18030")],
    ids=["utf-8", "utf-8-bom", "gbk", "gb18030"],
)
def test_csv_in_every_encoding_excel_writes(raw: bytes) -> None:
    result = import_bytes(raw, "消协题库.csv", bank_id="coop")
    assert result.ok, result.messages()
    bank = bank_of(result.yaml_text)
    kinds = [q.type.value for q in bank.questions]
    assert kinds == ["single", "multiple", "truefalse", "open"]
    assert bank.language == "zh" and bank.title == "消协题库"
    assert bank.questions[1].answer == frozenset({0, 1, 2})
    assert bank.questions[1].tags == ("纠纷", "投诉")
    assert bank.questions[2].answer == frozenset({1})  # 错
    assert bank.questions[2].difficulty == 1  # 易
    assert bank.questions[3].accepted == ("12315",)


def test_ids_follow_the_question_not_the_row() -> None:
    first = bank_of(import_bytes(CSV.encode(), "a.csv", bank_id="b").yaml_text)
    moved = "\n".join([HEADER, ROWS[3], ROWS[0], ROWS[1], ROWS[2]]) + "\n"
    second = bank_of(import_bytes(moved.encode(), "a.csv", bank_id="b").yaml_text)
    assert {q.id: q.text for q in first.questions} == {q.id: q.text for q in second.questions}


def test_spreadsheet_errors_name_row_and_column() -> None:
    broken = (
        "\n".join(
            [
                HEADER,
                ROWS[0].replace(",A,消协", ",E,消协"),
                "空依据,是,否,,,A,解析,,x,9,单选",
                ROWS[2].replace(",错,", ",也许,").replace(",易,", ",易,判断"),
                "类型不明,a,b,,,A,解析,依据,x,1,问卷",
            ]
        )
        + "\n"
    )
    result = import_bytes(broken.encode(), "bad.csv", bank_id="bad")
    assert not result.ok and result.yaml_text is None
    assert result.messages() == [
        "bad.csv, row 2, column 答案 (F): 'E' is not among the options (A-D)",
        "bad.csv, row 3, column 依据 (H): the source is empty (every fact needs its law and "
        "article)",
        "bad.csv, row 3, column 难度 (J): '9' is not 1-3 (易/中/难)",
        "bad.csv, row 4, column 答案 (F): '也许' is not 对/错 (true/false)",
        "bad.csv, row 5, column 题型 (K): unknown type '问卷' (单选, 多选, 判断 or 填空)",
    ]


def test_schema_limits_are_reported_against_the_row() -> None:
    long = "\n".join([HEADER, ROWS[0], ROWS[1].replace("下列属于", "问" * 300)]) + "\n"
    result = import_bytes(long.encode(), "long.csv", bank_id="long")
    assert result.messages() == [
        "long.csv, row 3, column 题目 (A): the cell is 308 characters long; the limit is 300"
    ]


def test_missing_columns_are_named() -> None:
    result = import_bytes(b"question,A,B\nq,a,b\n", "x.csv")
    assert "no 'answer/答案/正确答案' column in the header row" in result.messages()[0]


def workbook(rows: list[list[object]], faq: list[list[object]] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "题库"
    for row in rows:
        sheet.append(row)
    if faq:
        page = book.create_sheet("常见问题")
        for row in faq:
            page.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_english_headers_and_a_faq_sheet() -> None:
    raw = workbook(
        [
            ["Question", "A", "B", "C", "Answer", "Explanation", "Source", "Topic", "Difficulty"],
            [
                "Which number takes consumer complaints in China?",
                "110",
                "12315",
                "120",
                "B",
                "12315 is the complaints line of market regulators.",
                "市场监督管理投诉举报处理暂行办法 第三十六条",
                "complaints",
                1,
            ],
        ],
        [
            ["问法", "答案", "依据", "关键词"],
            [
                "商家不给开发票怎么办\n饭店说不开发票|买东西能要发票吗|店家拒开发票合法吗",
                "经营者必须出具发票。",
                "《消费者权益保护法》第二十二条",
                "开发票",
            ],
        ],
    )
    result = import_bytes(raw, "mixed.xlsx")
    assert result.ok, result.messages()
    bank = bank_of(result.yaml_text)
    assert bank.questions[0].answer == frozenset({1})
    assert bank.faq[0].questions[:2] == ("商家不给开发票怎么办", "饭店说不开发票")
    assert bank.faq[0].keywords == ("开发票",)


def test_problems_in_both_sheets_are_reported_together() -> None:
    raw = workbook(
        [
            ["题目", "选项A", "选项B", "答案", "解析", "依据"],
            ["全国统一的投诉举报电话是？", "110", "12315", "B", "12315 是投诉举报电话。", ""],
        ],
        [
            ["问法", "答案", "依据"],
            [
                "商家不给开发票怎么办|饭店说不开发票",
                "经营者必须出具发票。",
                "《消费者权益保护法》第二十二条",
            ],
        ],
    )
    result = import_bytes(raw, "both.xlsx")
    assert result.messages() == [
        "both.xlsx, row 2, column 依据 (F): the source is empty (every fact needs its law and "
        "article)",
        "both.xlsx, sheet 常见问题, row 2, column 问法 (A): the cell must list at least 4, not 2",
    ]


def test_export_and_import_round_trip() -> None:
    source = bank_of(import_bytes(CSV.encode(), "round.csv", bank_id="round").yaml_text)
    raw = bank_to_xlsx(source)
    sheet = load_workbook(io.BytesIO(raw)).active
    assert [c.value for c in sheet[1]][:3] == ["编号", "题型", "题目"]
    again = bank_of(import_bytes(raw, "round.xlsx", bank_id="round").yaml_text)
    assert again.questions == source.questions


def test_red_trivia_list_becomes_open_questions() -> None:
    raw = "AUTHOR: someone\nWhat hotline takes complaints in China?:\n- '12315'\n- 12315 hotline\n"
    result = import_bytes(raw.encode(), "hotlines.yaml")
    assert result.ok, result.messages()
    (question,) = bank_of(result.yaml_text).questions
    assert question.type.value == "open"
    assert question.accepted == ("12315", "12315 hotline")
    assert "by someone" in question.source


def test_open_trivia_db_json() -> None:
    raw = json.dumps(
        {
            "response_code": 0,
            "results": [
                {
                    "type": "multiple",
                    "difficulty": "hard",
                    "category": "General Knowledge",
                    "question": "What does &quot;CI&quot; stand for?",
                    "correct_answer": "Consumers International",
                    "incorrect_answers": ["Consumer Inc", "Citizens Index", "Credit Institute"],
                },
                {
                    "type": "boolean",
                    "difficulty": "easy",
                    "category": "General Knowledge",
                    "question": "World Consumer Rights Day is on 15 March.",
                    "correct_answer": "True",
                    "incorrect_answers": ["False"],
                },
            ],
        }
    ).encode()
    result = import_bytes(raw, "otdb.json")
    assert result.ok, result.messages()
    first, second = bank_of(result.yaml_text).questions
    assert first.text == 'What does "CI" stand for?' and first.difficulty == 3
    assert first.options[min(first.answer)] == "Consumers International"
    assert second.answer == frozenset({0})


def test_unreadable_files_are_refused_clearly() -> None:
    with pytest.raises(ImportError_, match="not a readable .xlsx"):
        import_bytes(b"not a zip", "broken.xlsx")
    with pytest.raises(ImportError_, match="unsupported file type"):
        import_bytes(b"x", "bank.docx")


def test_sample_files_for_organizers_import_cleanly() -> None:
    folder = Path(__file__).resolve().parent.parent / "questions" / "examples"
    for path in sorted(folder.iterdir()):
        result = import_bytes(path.read_bytes(), path.name)
        assert result.ok, (path, result.messages())
        assert yaml.safe_load(result.yaml_text)["questions"]


def test_examples_folder_is_not_loaded_as_banks() -> None:
    shipped = Path(__file__).resolve().parent.parent / "questions"
    report = load_banks([shipped])
    assert not any("examples" in b.path for b in report.catalogue.banks)
