"""Inline keyboards. Buttons carry callback data from :mod:`bot.domain.callbacks`."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain import callbacks as cb
from bot.domain.catalogue import Topic
from bot.domain.faq import FaqHit
from bot.domain.models import LETTERS, Question
from bot.faq_desk import ReviewCase
from bot.texts import t
from bot.views import suggestion_label, topic_label

__all__ = [
    "answer_keyboard",
    "contest_keyboard",
    "daily_keyboard",
    "menu_keyboard",
    "review_keyboard",
    "suggestions_keyboard",
    "topics_keyboard",
    "vote_keyboard",
]


def _button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=cb.encode(callback))


def private_chat_keyboard(bot_username: str, payload: str, language: str) -> InlineKeyboardMarkup:
    """One button that opens a private chat with the bot and sends it ``/start payload``."""
    url = f"https://t.me/{bot_username}?start={payload}"
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(language, "private_only_button"), url=url)]]
    )


def menu_keyboard(language: str) -> InlineKeyboardMarkup:
    actions = ("quiz", "topics", "score", "leaderboard", "help")
    buttons = [_button(t(language, f"menu_{a}"), cb.MenuPick(a)) for a in actions]
    return InlineKeyboardMarkup([buttons[:2], buttons[2:4], buttons[4:]])


def topics_keyboard(topics: list[tuple[int, Topic]], language: str) -> InlineKeyboardMarkup:
    """One button a topic, labelled with its number for ``/quiz N``."""
    return InlineKeyboardMarkup(
        [
            [_button(topic_label(index, topic, language), cb.TopicPick(topic.id))]
            for index, topic in topics
        ]
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
    if question.rules.typed:
        return None
    if not question.rules.many:
        row = [
            _button(label, answer(ref, position, letter))
            for label, letter in _labels(question, language)
        ]
        return InlineKeyboardMarkup([row])
    letters = LETTERS[: question.option_count]
    ticks = []
    for letter in letters:
        picked = set(selected) ^ {letter}
        label = ("☑ " if letter in selected else "☐ ") + letter
        ticks.append(_button(label, toggle(ref, position, "".join(sorted(picked)))))
    submit = _button(t(language, "submit"), answer(ref, position, selected))
    rows = [ticks[i : i + 3] for i in range(0, len(ticks), 3)]
    return InlineKeyboardMarkup([*rows, [submit]])


def _labels(question: Question, language: str) -> list[tuple[str, str]]:
    """(button label, option letter) of each option: the letter, or a fixed option's name."""
    letters = LETTERS[: question.option_count]
    if question.rules.fixed:
        return [
            (t(language, key), letter)
            for key, letter in zip(question.rules.fixed, letters, strict=True)
        ]
    return [(letter, letter) for letter in letters]


def contest_keyboard(
    question: Question, language: str, contest_id: int, position: int
) -> InlineKeyboardMarkup | None:
    """Buttons under a contest question: a press answers; for several answers, tick then submit.

    The ticks of a contest live on the server (everyone shares one message), so unlike
    :func:`answer_keyboard` the buttons carry only the letter pressed.
    """
    if question.rules.typed:
        return None
    labels = _labels(question, language)
    if question.rules.many:
        row = [
            _button(label, cb.ContestToggle(contest_id, position, letter))
            for label, letter in labels
        ]
        submit = _button(t(language, "submit"), cb.ContestAnswer(contest_id, position, ""))
        return InlineKeyboardMarkup([row, [submit]])
    row = [
        _button(label, cb.ContestAnswer(contest_id, position, letter)) for label, letter in labels
    ]
    return InlineKeyboardMarkup([row])


def daily_keyboard(question: Question, ordinal: int, language: str) -> InlineKeyboardMarkup:
    """Buttons under the question of day ``ordinal`` (a question answered with one press).

    Each carries the question's id: a press is graded on the question it was under."""
    return InlineKeyboardMarkup(
        [
            [
                _button(label, cb.DailyAnswer(ordinal, question.language, question.id, letter))
                for label, letter in _labels(question, language)
            ]
        ]
    )


def suggestions_keyboard(hits: tuple[FaqHit, ...], query_id: int) -> InlineKeyboardMarkup:
    """ "Did you mean" buttons: each carries the query and its place, never the entry's id."""
    return InlineKeyboardMarkup(
        [
            [_button(suggestion_label(hit), cb.FaqPick(query_id, position))]
            for position, hit in enumerate(hits)
        ]
    )


def vote_keyboard(query_id: int, language: str) -> InlineKeyboardMarkup:
    """👍 / 👎 under an FAQ answer."""
    return InlineKeyboardMarkup(
        [
            [
                _button(t(language, "faq_vote_up"), cb.FaqVote(query_id, 1)),
                _button(t(language, "faq_vote_down"), cb.FaqVote(query_id, 0)),
            ]
        ]
    )


def review_keyboard(case: ReviewCase, language: str) -> InlineKeyboardMarkup:
    """An organizer's choices for one review item: add to an entry, not helpful, skip."""
    item = case.item.id
    rows = [
        [
            _button(
                t(language, "review_add_button", question=entry.questions[0])[:60],
                cb.ReviewPick(item, f"a{index}"),
            )
        ]
        for index, entry in enumerate(case.choices)
    ]
    rows.append(
        [
            _button(t(language, "review_not_helpful"), cb.ReviewPick(item, "n")),
            _button(t(language, "review_ignore"), cb.ReviewPick(item, "i")),
        ]
    )
    return InlineKeyboardMarkup(rows)
