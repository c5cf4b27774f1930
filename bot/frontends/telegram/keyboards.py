"""Inline keyboards. Buttons carry callback data from :mod:`bot.domain.callbacks`."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain import callbacks as cb
from bot.domain.catalogue import Topic
from bot.domain.faq import FaqHit
from bot.domain.models import LETTERS, Question, QuestionType
from bot.texts import t
from bot.views import suggestion_label

__all__ = [
    "answer_keyboard",
    "daily_keyboard",
    "menu_keyboard",
    "suggestions_keyboard",
    "topics_keyboard",
]


def _button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=cb.encode(callback))


def menu_keyboard(language: str) -> InlineKeyboardMarkup:
    actions = ("quiz", "topics", "score", "leaderboard", "help")
    buttons = [_button(t(language, f"menu_{a}"), cb.MenuPick(a)) for a in actions]
    return InlineKeyboardMarkup([buttons[:2], buttons[2:4], buttons[4:]])


def topics_keyboard(topics: list[Topic]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(f"{topic.title} ({topic.count})", cb.TopicPick(topic.id))] for topic in topics]
    )


def answer_keyboard(
    question: Question,
    language: str,
    answer: type[cb.SoloAnswer] | type[cb.ContestAnswer],
    toggle: type[cb.SoloToggle] | type[cb.ContestToggle],
    ref: int,
    position: int,
    selected: str = "",
) -> InlineKeyboardMarkup | None:
    """Buttons to answer a choice question (None for an open one, which is typed).

    Multiple-choice keyboards carry the current selection in their callback data, so
    ticking options needs no state on the server: each tick button holds the selection
    it would make, and Submit holds the selection as it is.
    """
    if question.type is QuestionType.OPEN:
        return None
    if question.type is QuestionType.TRUEFALSE:
        row = [
            _button(t(language, "true"), answer(ref, position, "A")),
            _button(t(language, "false"), answer(ref, position, "B")),
        ]
        return InlineKeyboardMarkup([row])
    letters = LETTERS[: len(question.options)]
    if question.type is QuestionType.SINGLE:
        row = [_button(letter, answer(ref, position, letter)) for letter in letters]
        return InlineKeyboardMarkup([row])
    ticks = []
    for letter in letters:
        picked = set(selected) ^ {letter}
        label = ("☑ " if letter in selected else "☐ ") + letter
        ticks.append(_button(label, toggle(ref, position, "".join(sorted(picked)))))
    submit = _button(t(language, "submit"), answer(ref, position, selected))
    rows = [ticks[i : i + 3] for i in range(0, len(ticks), 3)]
    return InlineKeyboardMarkup([*rows, [submit]])


def daily_keyboard(question: Question, ordinal: int, language: str) -> InlineKeyboardMarkup:
    """Buttons under the question of day ``ordinal`` (single choice or true/false)."""
    if question.type is QuestionType.TRUEFALSE:
        labels = [(t(language, "true"), "A"), (t(language, "false"), "B")]
    else:
        labels = [(letter, letter) for letter in LETTERS[: len(question.options)]]
    return InlineKeyboardMarkup(
        [
            [
                _button(label, cb.DailyAnswer(ordinal, question.language, letter))
                for label, letter in labels
            ]
        ]
    )


def suggestions_keyboard(hits: tuple[FaqHit, ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(suggestion_label(hit), cb.FaqPick(hit.entry.id))] for hit in hits]
    )
