"""The shipped content: floors per topic and language, sources everywhere, every type used."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench.evaluate import load_eval_set
from bot.banks.loader import load_banks
from bot.domain.catalogue import Catalogue
from bot.domain.models import QuestionType

SHIPPED = Path(__file__).resolve().parent.parent / "questions"

# The Chinese topics the content issue asks for: one bank each, and the least each holds.
TOPICS = {
    "zh-rights-duties": 30,  # 消费者的九项权利与经营者义务
    "zh-online-shopping": 30,  # 网购与七日无理由退货
    "zh-fraud-compensation": 25,  # 欺诈与惩罚性赔偿
    "zh-food-safety": 25,  # 食品安全
    "zh-disputes": 25,  # 纠纷解决、消协与12315
    "zh-regulations-2024": 30,  # 预付卡、个人信息、自动续费、大数据杀熟
    "zh-financial-rights": 20,  # 金融消费者八项权利
    "zh-credit": 20,  # 征信
    "zh-anti-fraud": 20,  # 反诈骗与非法集资
    "zh-deposit-insurance": 20,  # 存款保险与保险
    "zh-history-315": 25,  # 3·15 的由来与历年主题
}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    report = load_banks([SHIPPED])
    assert report.ok, [str(e) for e in report.errors]
    return report.catalogue


def test_floors_per_topic_and_language(catalogue: Catalogue) -> None:
    per_bank = Counter(q.bank_id for q in catalogue.questions.values())
    for bank, floor in TOPICS.items():
        assert per_bank[bank] >= floor, (bank, per_bank[bank])
    per_language = Counter(q.language for q in catalogue.questions.values())
    # The content issue's floors: 600 Chinese questions and 260 FAQ entries; English 80 and 50.
    assert per_language["zh"] >= 600 and per_language["en"] >= 80
    faq = Counter(f.language for f in catalogue.faq.values())
    assert faq["zh"] >= 260 and faq["en"] >= 50


def test_every_type_and_difficulty_is_used(catalogue: Catalogue) -> None:
    for language in ("zh", "en"):
        questions = [q for q in catalogue.questions.values() if q.language == language]
        assert {q.type for q in questions} == set(QuestionType)
        assert {q.difficulty for q in questions} == {1, 2, 3}


def test_every_fact_has_its_source(catalogue: Catalogue) -> None:
    for question in catalogue.questions.values():
        assert question.source.strip() and question.explanation.strip(), question.id
    for entry in catalogue.faq.values():
        assert entry.source.strip() and entry.answer.strip(), entry.id


def test_every_faq_entry_has_ten_phrasings(catalogue: Catalogue) -> None:
    for entry in catalogue.faq.values():
        assert len(entry.questions) >= 10, entry.id


def test_every_faq_entry_answers_a_blind_message(catalogue: Catalogue) -> None:
    """Each entry is the answer to at least one message of the blind set, written by people
    who never saw the entries (tests/faq_eval/blind/LABELLING.md)."""
    from bench.blind import load_blind

    labelled = {entry for case in load_blind() for entry in case.ids}
    assert [e for e in catalogue.faq if e not in labelled] == []


def test_evaluation_set_is_big_enough() -> None:
    cases = load_eval_set()
    zh = cases.language("zh")
    assert sum(1 for c in zh if c.ids) >= 300
    assert sum(1 for c in zh if not c.ids) >= 60
    en = cases.language("en")
    assert sum(1 for c in en if c.ids) >= 60 and sum(1 for c in en if not c.ids) >= 20


def test_known_traps_are_not_in_the_banks(catalogue: Catalogue) -> None:
    """Mistakes facts.md lists: 3·15 is no statutory day; the 2022 gala theme is not CCA's."""
    for question in catalogue.questions.values():
        if "公平守正" in question.text + " ".join(question.options):
            assert "晚会" in question.text + question.explanation, question.id
    for entry in catalogue.faq.values():
        assert "法定节日" not in entry.answer.replace("不是法定", ""), entry.id
