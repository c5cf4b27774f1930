"""Pure domain logic: normalisation, grading, callback data."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain import callbacks as cb
from bot.domain.models import Question, QuestionType
from bot.domain.quiz import (
    choice_letters,
    grade,
    letters_to_indexes,
    match_typed,
    solo_points,
    typed_letters,
)
from bot.domain.text import has_cjk, normalise


def make_question(**changes: object) -> Question:
    values: dict[str, object] = dict(
        id="q",
        bank_id="b",
        language="zh",
        type=QuestionType.SINGLE,
        text="?",
        options=("a", "b", "c"),
        answer=frozenset({1}),
        accepted=(),
        explanation="e",
        source="s",
        tags=("t",),
        difficulty=2,
    )
    values.update(changes)
    return Question(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ｗｈａｔ’s  12315？", "what s 12315"),
        ("网购 退货！", "网购退货"),
        ("七天无理由，退货。", "七天无理由退货"),
        ("ＡＢＣ", "abc"),
        ("😀\u200f\x00", ""),
        ("", ""),
        ("Hello\nWorld", "hello world"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_has_cjk() -> None:
    assert has_cjk("abc 退货") and not has_cjk("refund please")


@pytest.mark.parametrize(
    ("typed", "accepted", "ok"),
    [
        ("12315", ("12315",), True),
        ("１２３１５", ("12315",), True),
        ("12316", ("12315",), False),  # numbers must be exact
        ("消费者协汇", ("消费者协会",), True),  # one character off in five
        ("十倍", ("三倍",), False),  # too short to forgive
        ("消费者权益日", ("消费者协会",), False),  # a different answer
        ("  Consumers International ", ("consumers international",), True),
        ("Consumer Internationl", ("consumers international",), True),  # two typos, long answer
        ("", ("x",), False),
    ],
)
def test_match_typed(typed: str, accepted: tuple[str, ...], ok: bool) -> None:
    assert match_typed(typed, accepted) is ok


def test_grade_each_type() -> None:
    single = make_question()
    assert grade(single, frozenset({1})) and not grade(single, frozenset({0}))
    multiple = make_question(type=QuestionType.MULTIPLE, answer=frozenset({0, 2}))
    assert grade(multiple, frozenset({0, 2}))
    assert not grade(multiple, frozenset({0})) and not grade(multiple, frozenset({0, 1, 2}))
    truth = make_question(type=QuestionType.TRUEFALSE, options=(), answer=frozenset({1}))
    assert grade(truth, frozenset({1})) and not grade(truth, frozenset({0}))
    typed = make_question(
        type=QuestionType.OPEN, options=(), answer=frozenset(), accepted=("12315",)
    )
    assert grade(typed, "12315") and not grade(typed, frozenset({0}))
    assert not grade(single, "B")


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_solo_points_follow_difficulty(difficulty: int) -> None:
    assert solo_points(make_question(difficulty=difficulty), True) == 100 * difficulty
    assert solo_points(make_question(difficulty=difficulty), False) == 0


def test_letters_round_trip() -> None:
    assert letters_to_indexes("AC") == frozenset({0, 2})
    assert choice_letters(frozenset({2, 0})) == "AC"
    with pytest.raises(ValueError):
        letters_to_indexes("AZ")


@pytest.mark.parametrize(
    "callback",
    [
        cb.SoloAnswer(2**53, 49, "ABCDEF"),
        cb.SoloToggle(1, 0, ""),
        cb.ContestAnswer(10**15, 99, "B"),
        cb.ContestToggle(3, 4, "AF"),
        cb.ContestJoin(77),
        cb.FaqPick(10**15, 2),
        cb.FaqVote(7, 0),
        cb.ReviewPick(12, "a2"),
        cb.TopicPick("zh-online-shopping"),
        cb.MenuPick("leaderboard"),
        # A daily button with the longest id (48 characters).
        cb.DailyAnswer(date(2738, 12, 31).toordinal(), "zh", "q" * 48, "B"),
    ],
)
def test_callback_round_trip_within_64_bytes(callback: cb.Callback) -> None:
    data = cb.encode(callback)
    assert len(data.encode()) <= 64
    assert cb.decode(data) == callback


def test_a_daily_button_fits_with_a_three_letter_language() -> None:
    """Language codes may have three letters (bot/domain/languages.py): still 64 bytes."""
    longest = cb.DailyAnswer(date(2738, 12, 31).toordinal(), "yue", "q" * 48, "B")
    assert len(cb.encode(longest).encode()) <= 64
    assert cb.decode(cb.encode(longest)) is None  # not a registered language here


@pytest.mark.parametrize(
    "data",
    [
        "",
        "a:1:2",
        "a:1:2:G",
        "a:1:2:BA",
        "a:1:2:AA",
        "a:-1:0:A",
        "a:01:0:A",
        "z:1",
        "u:drop table",
        "f:" + "x" * 49,
        "a:1:2:A:extra",
        None,
        42,
        "j:" + "9" * 17,
        "t:" + "é" * 10,
        "d:739000:zh:A",  # a daily button without its question (an older version's)
        "d:739000:zh:t-single:AB",
        "d:739000:zh:t:single:A",
    ],
)
def test_forged_callback_data_decodes_to_nothing(data: object) -> None:
    assert cb.decode(data) is None


@pytest.mark.parametrize(
    ("text", "kind", "picked"),
    [
        ("B", QuestionType.SINGLE, {1}),
        (" c ", QuestionType.SINGLE, {2}),
        ("Ｂ", QuestionType.SINGLE, {1}),  # full width, as Chinese keyboards type it
        ("AB", QuestionType.SINGLE, None),  # two for a question that takes one
        ("D", QuestionType.SINGLE, None),  # it has three options
        ("A, c", QuestionType.MULTIPLE, {0, 2}),
        ("A、C", QuestionType.MULTIPLE, {0, 2}),
        ("AA", QuestionType.MULTIPLE, None),
        ("ABCD", QuestionType.MULTIPLE, None),
        ("", QuestionType.SINGLE, None),
        ("好", QuestionType.SINGLE, None),
        ("Bank", QuestionType.SINGLE, None),  # a word, not a letter: a question for the FAQ
        ("A", QuestionType.TRUEFALSE, None),  # 对/错 buttons carry no letters
        ("A", QuestionType.OPEN, None),
    ],
)
def test_typed_letters(text: str, kind: QuestionType, picked: set[int] | None) -> None:
    question = make_question(type=kind)
    assert typed_letters(text, question) == (frozenset(picked) if picked is not None else None)
