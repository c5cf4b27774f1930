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


@pytest.mark.parametrize("query", ["", "   ", "😀😀", "\u202e\u0000", "？？？", "啊"])
def test_noise_gets_no_answer(catalogue: Catalogue, query: str) -> None:
    assert catalogue.matcher("zh").decide(query).outcome is Outcome.UNANSWERED


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("你好", "greeting"),
        ("谢谢啦！", "thanks"),
        ("你是谁", "who"),
        ("好的", "ok"),
        ("退货", None),
    ],
)
def test_small_talk_is_recognised_in_its_language(
    catalogue: Catalogue, query: str, kind: str | None
) -> None:
    decision = catalogue.matcher("zh").decide(query)
    assert decision.smalltalk == kind
    assert (decision.outcome is Outcome.SMALLTALK) == (kind is not None)
    assert catalogue.matcher("en").decide("thank you!").smalltalk == "thanks"


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


#: What the matcher reaches on the blind set's test half (docs/faq-matching.md), a little
#: under the figures measured, so that a worse matcher or bank fails here. These are not the
#: issue's targets (90% right at once), which the matcher does not reach.
BLIND_FLOORS = {
    "zh": {"right": 0.60, "wrong": 0.04, "one_tap": 0.78, "declined": 0.95},
    "en": {"right": 0.55, "wrong": 0.11, "one_tap": 0.70, "declined": 0.95},
}


def test_accuracy_on_the_blind_test_half(catalogue: Catalogue) -> None:
    from bench.blind import decider, load_blind, score

    cases = load_blind()
    for language, floor in BLIND_FLOORS.items():
        decide = decider(catalogue.matcher(language))
        test = score([c for c in cases if c.language == language and c.half == "test"], decide)
        assert test.covered >= 40 and test.out_of_scope >= 20
        assert test.right_rate >= floor["right"], (language, test.row())
        assert test.wrong_rate <= floor["wrong"], (language, test.row())
        assert test.one_tap_rate >= floor["one_tap"], (language, test.row())
        assert test.declined_rate >= floor["declined"], (language, test.row())


def test_the_benchmark_measures_the_bots_own_decisions(catalogue: Catalogue) -> None:
    """bench/faq_bench.py's blind figures for ours are the bot's, in each language (its
    tuning included: English answers above its own threshold)."""
    from bench.blind import decider, load_blind, score
    from bench.faq_bench import Ours, blind_accuracy

    cases = load_blind()
    by_language = {
        language: [e for e in catalogue.faq.values() if e.language == language]
        for language in ("zh", "en")
    }
    vocabularies = {language: catalogue.vocabulary(language) for language in by_language}
    benched = {
        (r.language, r.half): r.scores
        for r in blind_accuracy(by_language, vocabularies, cases, (Ours,))
    }
    for language in by_language:
        decide = decider(catalogue.matcher(language))
        for half in ("dev", "test"):
            mine = [c for c in cases if c.language == language and c.half == half]
            assert benched[language, half].row() == score(mine, decide).row(), (language, half)


def test_the_blind_set_names_only_real_entries_and_splits_by_situation(
    catalogue: Catalogue,
) -> None:
    from bench.blind import load_blind

    cases = load_blind()
    assert sum(1 for c in cases if c.language == "zh" and not c.out_of_scope) >= 400
    assert sum(1 for c in cases if c.language == "en" and not c.out_of_scope) >= 100
    halves: dict[str, set[str]] = {}
    for case in cases:
        assert case.ids <= set(catalogue.faq), case
        if case.situations:
            halves.setdefault(case.situations[0], set()).add(case.half)
    assert all(len(found) == 1 for found in halves.values())  # a situation in one half only
