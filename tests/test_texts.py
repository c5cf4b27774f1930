"""User-facing text lives in one place per language, with the same keys and placeholders."""

from __future__ import annotations

import string

from bot.domain.learning import ACHIEVEMENTS
from bot.texts import en, language_for, t, zh


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_the_same_keys() -> None:
    assert set(zh.TEXTS) == set(en.TEXTS)


def test_placeholders_match_between_languages() -> None:
    for key, template in zh.TEXTS.items():
        assert fields(template) == fields(en.TEXTS[key]), key


def test_every_achievement_has_a_title_and_a_meaning() -> None:
    for code in ACHIEVEMENTS:
        assert {f"achievement_{code}_title", f"achievement_{code}_meaning"} <= set(zh.TEXTS)


def test_language_for_telegram_codes() -> None:
    assert language_for("zh-hans") == "zh"
    assert language_for(None) == "zh"
    assert language_for("en-US") == "en"
    assert language_for("ru") == "en"


def test_fill_and_fallback() -> None:
    assert (
        t("en", "topic_not_found", topic="x")
        == 'No topic called "x". Send /topics to see them all.'
    )
    assert t("fr", "lang_set") == zh.TEXTS["lang_set"]
