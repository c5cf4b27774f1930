"""The engine with a fake clock and a real SQLite file: no Telegram, no sleeping."""

from __future__ import annotations

from dataclasses import replace

from bot.banks.loader import load_banks
from bot.domain.faq import Outcome
from bot.domain.models import User
from bot.domain.refusals import Refusal, Refused
from bot.engine import AnswerResult
from bot.runtime import Runtime
from tests.conftest import SAMPLE_BANKS, FakeClock

ANN = User(11, "Ann", "ann", "zh")
BEN = User(12, "Ben", None, "en")


async def play_right(runtime: Runtime, user: User, topic: str | None = None) -> list[AnswerResult]:
    engine = runtime.engine
    view = await engine.start_quiz(user, user.id, topic)
    results = []
    while view is not None:
        q = view.question
        response = q.accepted[0] if q.accepted else q.answer
        result = await engine.answer(user.id, view.round_id, view.position, response)
        assert isinstance(result, AnswerResult)
        results.append(result)
        view = result.next
    return results


async def test_round_of_every_question_in_order(runtime: Runtime) -> None:
    await runtime.engine.see_user(ANN)
    results = await play_right(runtime, ANN)
    assert len(results) == 4 and all(r.correct for r in results)
    assert results[-1].summary is not None and results[-1].summary.correct == 4
    card = await runtime.engine.score(ANN.id)
    assert (card.answered, card.correct, card.best_streak, card.rank) == (4, 4, 4, 1)


async def test_stale_and_foreign_answers_are_rejected(runtime: Runtime) -> None:
    engine = runtime.engine
    await engine.see_user(ANN)
    await engine.see_user(BEN)
    view = await engine.start_quiz(ANN, ANN.id)
    assert view is not None
    assert await engine.answer(BEN.id, view.round_id, 0, frozenset({0})) == Refused(
        Refusal.NOT_YOURS
    )
    assert await engine.answer(ANN.id, view.round_id, 1, frozenset({0})) == Refused(
        Refusal.ANSWERED
    )
    assert await engine.answer(ANN.id, view.round_id + 100, 0, "x") == Refused(Refusal.GONE)
    first = await engine.answer(ANN.id, view.round_id, 0, frozenset({0}))
    assert isinstance(first, AnswerResult)
    assert await engine.answer(ANN.id, view.round_id, 0, frozenset({1})) == Refused(
        Refusal.ANSWERED
    )
    summary = await engine.stop_quiz(ANN.id)
    assert summary is not None and summary.total == 1
    assert await engine.answer(ANN.id, view.round_id, 1, frozenset({0})) == Refused(
        Refusal.ROUND_OVER
    )


async def test_elapsed_time_comes_from_the_clock(runtime: Runtime, clock: FakeClock) -> None:
    engine = runtime.engine
    await engine.see_user(ANN)
    view = await engine.start_quiz(ANN, ANN.id)
    assert view is not None
    clock.advance(12.5)
    await engine.answer(ANN.id, view.round_id, 0, frozenset({0}))
    row = await runtime.db.fetchone("SELECT elapsed_ms FROM answers")
    assert row["elapsed_ms"] == 12500


async def test_topic_by_tag_title_and_number(runtime: Runtime) -> None:
    engine = runtime.engine
    await engine.see_user(ANN)
    by_tag = await engine.start_quiz(ANN, ANN.id, "投诉")
    assert by_tag is not None and by_tag.question.id == "t-open" and by_tag.total == 1
    assert await engine.start_quiz(ANN, ANN.id, "测试题库") is not None
    assert await engine.start_quiz(ANN, ANN.id, "1") is not None
    assert await engine.start_quiz(ANN, ANN.id, "没有这个专题") is None


def test_a_number_names_a_topic_by_its_place_or_as_a_whole_word_of_a_title() -> None:
    from bot.domain.catalogue import Catalogue
    from bot.domain.models import Bank, Question, QuestionType

    def bank(bank_id: str, title: str, language: str) -> Bank:
        question = Question(
            f"{bank_id}-1", bank_id, language, QuestionType.SINGLE, "?", ("a", "b"),
            frozenset({0}), (), "", "", (), 1,
        )  # fmt: skip
        return Bank(bank_id, title, language, f"{bank_id}.yaml", questions=(question,))

    catalogue = Catalogue(
        (bank("rules", "消保法实施条例（2024）", "zh"), bank("scams", "Scams", "en"))
    )

    def found(query: str, language: str) -> str | None:
        questions = catalogue.find_topic(query, language)
        return questions[0].bank_id if questions else None

    assert [found(n, "zh") for n in ("1", "2", "3")] == ["rules", "scams", None]
    assert [found(n, "en") for n in ("1", "2")] == ["scams", "rules"]
    assert found("2024", "en") == "rules"  # a whole word of a title
    assert [found(n, "zh") for n in ("0", "20", "24")] == [None, None, None]  # pieces of one


async def test_a_question_removed_by_reload_is_skipped(runtime: Runtime, tmp_path) -> None:
    engine = runtime.engine
    await engine.see_user(ANN)
    view = await engine.start_quiz(ANN, ANN.id)
    assert view is not None
    source = (SAMPLE_BANKS / "sample.yaml").read_text(encoding="utf-8")
    trimmed = tmp_path / "sample.yaml"
    trimmed.write_text(source.replace(f"id: {view.question.id}\n", "id: renamed-q\n"), "utf-8")
    engine.catalogue = load_banks([trimmed]).catalogue
    current = await engine.current(ANN.id)
    assert current is not None and current.position == 1


async def test_weekly_leaderboard_counts_this_week_only(runtime: Runtime, clock: FakeClock):
    engine = runtime.engine
    await engine.see_user(ANN)
    await engine.see_user(BEN)
    await play_right(runtime, ANN)
    clock.advance(8 * 24 * 3600)  # next week
    await play_right(runtime, BEN, "投诉")
    board = await engine.leaderboard()
    assert [s.name for s in board.all_time] == ["Ann", "Ben"]
    assert [s.name for s in board.this_week] == ["Ben"]


async def test_language_choice_survives_a_new_name(runtime: Runtime) -> None:
    engine = runtime.engine
    await engine.see_user(ANN)
    await engine.set_language(ANN, "en")
    renamed = await engine.see_user(replace(ANN, name="Annie"))
    assert renamed.language == "en"


async def test_faq_queries_are_recorded_with_outcome(runtime: Runtime) -> None:
    engine = runtime.engine
    await engine.see_user(ANN)
    answered = (await runtime.faq.ask(ANN, ANN.id, "饭店不给开发票怎么办")).decision
    unknown = (await runtime.faq.ask(ANN, ANN.id, "明天会下雨吗")).decision
    assert answered.outcome is Outcome.ANSWERED and answered.best is not None
    assert answered.best.entry.id == "faq-test-invoice"
    assert unknown.outcome is Outcome.UNANSWERED
    rows = await runtime.db.fetchall("SELECT outcome FROM faq_queries ORDER BY id")
    assert [r["outcome"] for r in rows] == ["answered", "unanswered"]
