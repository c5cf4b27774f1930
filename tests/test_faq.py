"""The FAQ matcher: behaviour on the shipped FAQ, and its accuracy on the evaluation set."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.evaluate import evaluate, load_eval_set
from bot.banks.loader import load_banks
from bot.domain.catalogue import Catalogue
from bot.domain.faq import FaqMatcher, Outcome, content_size

SHIPPED = Path(__file__).resolve().parent.parent / "questions"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    report = load_banks([SHIPPED])
    assert report.ok, report.errors
    return report.catalogue


@pytest.mark.parametrize(
    ("query", "entry"),
    [
        ("网上买的衣服不喜欢了还能退吗", "faq-zh-return-no-reason"),
        ("饭店不给开发票怎么办", "faq-zh-rights-invoice"),
        ("个人信用报告一年能免费查几次", "faq-zh-credit-free-report"),
        ("96110打来的电话要不要接", "faq-zh-scam-96110"),
    ],
)
def test_typical_questions_get_their_answer(catalogue: Catalogue, query: str, entry: str) -> None:
    decision = catalogue.matcher("zh").decide(query)
    assert decision.outcome is Outcome.ANSWERED
    assert decision.best is not None and decision.best.entry.id == entry


@pytest.mark.parametrize("query", ["", "   ", "😀😀", "\u202e\u0000", "？？？", "ok", "好的"])
def test_noise_gets_no_answer(catalogue: Catalogue, query: str) -> None:
    assert catalogue.matcher("zh").decide(query).outcome is Outcome.UNANSWERED


def test_one_word_gets_suggestions_not_an_answer(catalogue: Catalogue) -> None:
    decision = catalogue.matcher("zh").decide("发票")
    assert decision.outcome is Outcome.SUGGESTED
    assert decision.suggestions[0].entry.id == "faq-zh-rights-invoice"


def test_content_size() -> None:
    assert content_size("发票") == 2 and content_size("refund") == 2
    assert content_size("征信多久") == 4 and content_size("stop spam calls") == 6


def test_empty_faq_and_long_query() -> None:
    assert FaqMatcher([]).rank("anything") == []
    assert FaqMatcher([]).decide("anything").outcome is Outcome.UNANSWERED


def test_accuracy_on_the_evaluation_set(catalogue: Catalogue) -> None:
    """The figures the README reports: a guard against a matcher or bank that gets worse."""
    cases = load_eval_set()
    for language, floor_in_scope in (("zh", 300), ("en", 60)):
        matcher = catalogue.matcher(language)
        subset = cases.language(language)
        scores = evaluate(
            subset,
            lambda q, n, m=matcher: [(h.entry.id, h.score) for h in m.rank(q, n)],
            lambda q, m=matcher: (
                lambda d: (d.outcome.value, d.best.entry.id if d.best else None)
            )(m.decide(q)),
        )
        assert scores.in_scope >= floor_in_scope
        assert scores.top1_rate >= 0.90, (language, scores.top1_rate)
        assert scores.rejection_rate >= 0.90, (language, scores.rejection_rate)
        assert scores.wrong_answer_rate <= 0.05, (language, scores.wrong_answer_rate)


def test_evaluation_set_names_only_real_entries(catalogue: Catalogue) -> None:
    cases = load_eval_set()
    out_of_scope = sum(1 for c in cases.cases if not c.ids and c.language == "zh")
    assert out_of_scope >= 60
    for case in cases.cases:
        assert case.ids <= set(catalogue.faq), case
