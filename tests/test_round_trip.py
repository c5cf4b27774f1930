"""Export, edit, import: the same bank back, for random valid banks, through .xlsx and .csv.

Also through YAML: the writer used for every imported bank reads back as the same bank.
"""

from __future__ import annotations

import io
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from bot.banks.exporter import bank_to_csv, bank_to_xlsx
from bot.banks.importers import import_bytes
from bot.banks.loader import parse_bank
from bot.banks.schema import canonical_text
from bot.banks.writer import bank_to_yaml, scalar
from bot.domain.models import Bank, FaqEntry, Question, QuestionType
from bot.domain.text import normalise

# Characters that break naive spreadsheet and YAML handling: list separators, escapes,
# formula starts, YAML indicators, quotes, full-width punctuation, Chinese.
ALPHABET = list("aZ09 消费者权益，。；：！？|｜;\\=#:-'\"[]{}&*!%@`>~") + ["\u3000", "😀"]


def texts(limit: int, one_line: bool = True) -> st.SearchStrategy[str]:
    alphabet = ALPHABET if one_line else [*ALPHABET, "\n"]
    return (
        st.text(st.sampled_from(alphabet), min_size=1, max_size=min(limit, 24))
        .map(canonical_text)
        .filter(bool)
    )


ids = st.from_regex(r"[A-Za-z0-9_.-]{1,20}", fullmatch=True)


def unique(strategy: st.SearchStrategy[str], low: int, high: int, loose: bool = False):  # type: ignore[no-untyped-def]
    key = normalise if loose else str.casefold
    return st.lists(strategy, min_size=low, max_size=high, unique_by=key).map(tuple)


@st.composite
def questions(draw: st.DrawFn, bank_id: str, language: str, ident: str) -> Question:
    kind = draw(st.sampled_from(list(QuestionType)))
    options: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()
    if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        options = draw(unique(texts(100), 2, 6))
        if kind is QuestionType.SINGLE:
            answer = frozenset({draw(st.integers(0, len(options) - 1))})
        else:
            picked = st.sets(st.integers(0, len(options) - 1), min_size=1)
            answer = frozenset(draw(picked))
    elif kind is QuestionType.TRUEFALSE:
        answer = frozenset({draw(st.integers(0, 1))})
    else:
        answer = frozenset()
        accepted = draw(unique(texts(100), 1, 3))
    return Question(
        id=ident,
        bank_id=bank_id,
        language=language,
        type=kind,
        text=draw(texts(300, one_line=False)),
        options=options,
        answer=answer,
        accepted=accepted,
        explanation=draw(texts(1000, one_line=False)),
        source=draw(texts(300, one_line=False)),
        tags=draw(unique(texts(30), 1, 3)),
        difficulty=draw(st.integers(1, 3)),
    )


@st.composite
def banks(draw: st.DrawFn) -> Bank:
    bank_id = draw(ids)
    language = draw(st.sampled_from(["zh", "en"]))
    question_ids = draw(st.lists(ids, max_size=4, unique=True))
    faq_ids = draw(st.lists(ids, min_size=0 if question_ids else 1, max_size=3, unique=True))
    faq = tuple(
        FaqEntry(
            id=ident,
            bank_id=bank_id,
            language=language,
            questions=draw(unique(texts(200), 4, 6, loose=True)),
            answer=draw(texts(3000, one_line=False)),
            source=draw(texts(300, one_line=False)),
            keywords=draw(unique(texts(30), 0, 3)),
        )
        for ident in faq_ids
    )
    return Bank(
        id=bank_id,
        title=draw(texts(100)),
        language=language,
        path="",
        description=draw(st.one_of(st.just(""), texts(500, one_line=False))),
        questions=tuple(draw(questions(bank_id, language, ident)) for ident in question_ids),
        faq=faq,
    )


def same(bank: Bank, again: Bank | None) -> None:
    assert again is not None
    assert replace(again, path="") == bank


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(banks())
def test_xlsx_round_trip_is_exact(bank: Bank) -> None:
    result = import_bytes(bank_to_xlsx(bank), "whatever-name.xlsx")
    assert result.ok, result.messages()
    same(bank, result.bank)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(banks())
def test_csv_round_trip_is_exact(bank: Bank) -> None:
    result = import_bytes(bank_to_csv(bank), "whatever-name.csv")
    assert result.ok, result.messages()
    same(bank, result.bank)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(banks())
def test_yaml_writer_round_trip_is_exact(bank: Bank) -> None:
    parsed, errors, _ = parse_bank(bank_to_yaml(bank), "b.yaml")
    assert not errors, [str(e) for e in errors]
    same(bank, parsed)


@settings(max_examples=500, deadline=None)
@given(st.text(min_size=1))
def test_any_text_the_writer_quotes_reads_back(value: str) -> None:
    import yaml

    assert yaml.safe_load(f"k: {scalar(value, '')}") == {"k": value}


def test_export_writes_the_banks_identity() -> None:
    bank = Bank("zh-credit", "征信", "zh", "", "征信与个人信息", faq=(), questions=())
    book = load_workbook(io.BytesIO(bank_to_xlsx(bank)))
    meta = {row[0]: row[1] for row in book["bank"].iter_rows(values_only=True)}
    assert meta["id"] == "zh-credit" and meta["title"] == "征信"
    assert meta["description"] == "征信与个人信息" and meta["language"] == "zh"
    lines = bank_to_csv(bank).decode("utf-8-sig").splitlines()
    assert lines[:4] == [
        "# id: zh-credit",
        "# title: 征信",
        "# description: 征信与个人信息",
        "# language: zh",
    ]
