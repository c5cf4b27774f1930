"""Handlers for private chats: menu, solo quizzes, scores, FAQ questions."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.error import BadRequest

from bot.commands import Where
from bot.domain import callbacks as cb
from bot.domain.args import malformed_number
from bot.domain.faq import Outcome
from bot.domain.models import User
from bot.domain.quiz import letters_to_indexes
from bot.domain.refusals import Refused
from bot.engine import AnswerResult, QuestionView
from bot.faq_desk import FaqReply
from bot.frontends.telegram.common import (
    HANDLERS,
    chat_of,
    command,
    is_private,
    safe_edit,
    safe_send,
    see_user,
)
from bot.frontends.telegram.contest import on_group_stop
from bot.frontends.telegram.context import Handler, QuizContext
from bot.frontends.telegram.keyboards import (
    answer_keyboard,
    menu_keyboard,
    private_chat_keyboard,
    suggestions_keyboard,
    topics_keyboard,
    vote_keyboard,
)
from bot.frontends.telegram.permissions import is_listed_organizer
from bot.texts import t
from bot.views import (
    answered,
    render_achievements,
    render_faq,
    render_feedback,
    render_help,
    render_leaderboard,
    render_question,
    render_score,
    render_summary,
    render_verdict,
    selection_text,
    topic_sections,
)

__all__ = [
    "on_callback",
    "on_help",
    "on_lang",
    "on_leaderboard",
    "on_private_text",
    "on_quiz",
    "on_score",
    "on_start",
    "on_stop",
    "on_topics",
    "send_question",
]

logger = logging.getLogger(__name__)


#: What a deep link from a group may ask for (``/start quiz``): commands of private chats.
DEEP_LINKS = ("quiz", "topics", "review", "progress", "score", "results", "lang")


def in_private_only(name: str, handler: Handler) -> Handler:
    """``handler`` in private chats; in a group, a button that opens a private chat where
    ``/start <name>`` runs it. Solo rounds and personal pages never fill a group."""

    async def guarded(update: Update, context: QuizContext) -> None:
        if is_private(update):
            await handler(update, context)
            return
        user = await see_user(update, context)
        payload = name if name in DEEP_LINKS else ""
        await safe_send(
            context,
            chat_of(update).id,
            t(user.language, "private_only"),
            reply_markup=private_chat_keyboard(context.bot.username, payload, user.language),
        )

    return guarded


@command("start")
async def on_start(update: Update, context: QuizContext) -> None:
    """Welcome the user and show the menu; ``/start quiz`` (a deep link) runs /quiz."""
    user = await see_user(update, context)
    wanted = (context.args or [""])[0]
    if wanted in DEEP_LINKS and wanted in HANDLERS:
        context.args = []
        await HANDLERS[wanted](update, context)
        return
    await safe_send(
        context,
        chat_of(update).id,
        t(user.language, "welcome", name=user.name),
        reply_markup=menu_keyboard(user.language),
    )


@command("help")
async def on_help(update: Update, context: QuizContext) -> None:
    """Explain the commands that work here."""
    user = await see_user(update, context)
    await _send_help(context, chat_of(update).id, user, private=is_private(update))


async def _send_help(context: QuizContext, chat_id: int, user: User, private: bool) -> None:
    if private:
        where = Where.PRIVATE
        if is_listed_organizer(context, user.id):
            where |= Where.ORGANIZER
    else:
        where = Where.GROUP | Where.ADMIN
    await safe_send(context, chat_id, render_help(user.language, where), instead_to=user.id)


@command("topics")
async def on_topics(update: Update, context: QuizContext) -> None:
    """List the topics as buttons."""
    user = await see_user(update, context)
    await _send_topics(context, chat_of(update).id, user)


async def _send_topics(context: QuizContext, chat_id: int, user: User) -> None:
    topics = context.runtime.engine.topics(user.language)
    if not topics:
        await safe_send(context, chat_id, t(user.language, "no_topics"))
        return
    # The user's language first; the other languages' topics in a message of their own.
    for header, numbered in topic_sections(topics, user.language):
        await safe_send(
            context, chat_id, header, reply_markup=topics_keyboard(numbered, user.language)
        )


@command("quiz")
async def on_quiz(update: Update, context: QuizContext) -> None:
    """Start a solo round: /quiz [topic]."""
    user = await see_user(update, context)
    chat_id = chat_of(update).id
    topic = " ".join(context.args or []) or None
    if topic is not None and malformed_number(topic):
        await safe_send(context, chat_id, t(user.language, "quiz_usage"))
        return
    await _start_round(context, user, chat_id, topic)


async def _start_round(context: QuizContext, user: User, chat_id: int, topic: str | None) -> None:
    view = await context.runtime.engine.start_quiz(user, chat_id, topic)
    if view is None:
        key = "topic_not_found" if topic else "no_topics"
        await safe_send(context, chat_id, t(user.language, key, topic=topic or ""))
        return
    await send_question(context, chat_id, view, user.language)


#: chat_data: the solo question last sent to the chat (its id and message), whose buttons
#: go when it is answered by typing its letter instead (in memory: after a restart, or on
#: another worker, they stay, and a press on them is refused as answered).
_ASKED = "asked"


async def send_question(
    context: QuizContext, chat_id: int, view: QuestionView, language: str
) -> None:
    """A question of a solo round (a quiz or a review), with its answer buttons."""
    keyboard = answer_keyboard(
        view.question, language, cb.SoloAnswer, cb.SoloToggle, view.round_id, view.position
    )
    sent = await safe_send(
        context, chat_id, render_question(view, language), reply_markup=keyboard
    )
    if sent is not None and keyboard is not None and context.chat_data is not None:
        context.chat_data[_ASKED] = (view.question.id, sent)


async def _drop_buttons(context: QuizContext, question_id: str) -> None:
    """A question answered by typing loses its buttons, as one answered by a press does."""
    asked = context.chat_data.pop(_ASKED, None) if context.chat_data is not None else None
    if asked is not None and asked[0] == question_id:
        message = asked[1]
        await safe_edit(message, answered(message.text or ""))


@command("stop")
async def on_stop(update: Update, context: QuizContext) -> None:
    """End the current solo round; in a group, end its contest."""
    if not is_private(update):
        await on_group_stop(update, context)
        return
    user = await see_user(update, context)
    summary = await context.runtime.engine.stop_quiz(user.id)
    text = (
        render_summary(summary, user.language, stopped=True)
        if summary
        else t(user.language, "no_round")
    )
    await safe_send(context, chat_of(update).id, text)


@command("score")
async def on_score(update: Update, context: QuizContext) -> None:
    """Show the user's totals."""
    user = await see_user(update, context)
    await _send_score(context, chat_of(update).id, user)


async def _send_score(context: QuizContext, chat_id: int, user: User) -> None:
    card = await context.runtime.engine.score(user.id)
    await safe_send(context, chat_id, render_score(card, user.language))


@command("leaderboard")
async def on_leaderboard(update: Update, context: QuizContext) -> None:
    """Top players: everyone in a private chat, the group's players in a group."""
    user = await see_user(update, context)
    chat_id = chat_of(update).id
    await _send_leaderboard(context, chat_id, user, group=not is_private(update))


async def _send_leaderboard(
    context: QuizContext, chat_id: int, user: User, group: bool = False
) -> None:
    board = await context.runtime.engine.leaderboard(chat_id if group else None)
    text = render_leaderboard(board, user.language, group=group)
    await safe_send(context, chat_id, text, instead_to=user.id)


@command("lang")
async def on_lang(update: Update, context: QuizContext) -> None:
    """Switch the interface language: /lang zh or /lang en."""
    user = await see_user(update, context)
    wanted = (context.args or [""])[0].lower()
    changed = await context.runtime.engine.choose_language(user, wanted)
    chat_id = chat_of(update).id
    if changed is None:
        await safe_send(context, chat_id, t(user.language, "lang_usage"))
    else:
        await safe_send(context, chat_id, t(changed.language, "lang_set"))


async def on_private_text(update: Update, context: QuizContext) -> None:
    """Plain text: the answer to a typed question being asked, or else an FAQ question."""
    user = await see_user(update, context)
    chat_id = chat_of(update).id
    text = (update.effective_message.text if update.effective_message else None) or ""
    reply = await context.runtime.engine.reply_to_text(user, chat_id, text)
    if isinstance(reply, Refused):
        await safe_send(context, chat_id, t(user.language, reply.key))
    elif isinstance(reply, AnswerResult):
        await _drop_buttons(context, reply.question.id)
        await safe_send(context, chat_id, render_feedback(reply, user.language))
        await _after_answer(context, chat_id, reply, user.language)
    else:
        await _send_faq(context, chat_id, reply, user.language)


async def _send_faq(context: QuizContext, chat_id: int, reply: FaqReply, language: str) -> None:
    decision = reply.decision
    if decision.outcome is Outcome.ANSWERED and decision.best:
        await safe_send(
            context,
            chat_id,
            render_faq(decision.best.entry, language),
            reply_markup=vote_keyboard(reply.query_id, language),
        )
    elif decision.outcome is Outcome.SUGGESTED:
        await safe_send(
            context,
            chat_id,
            t(language, "faq_suggest"),
            reply_markup=suggestions_keyboard(decision.suggestions, reply.query_id),
        )
    elif decision.outcome is Outcome.SMALLTALK:
        await safe_send(
            context,
            chat_id,
            t(language, f"smalltalk_{decision.smalltalk}"),
            reply_markup=menu_keyboard(language),
        )
    else:
        await safe_send(context, chat_id, t(language, "faq_none"))


async def _after_answer(
    context: QuizContext, chat_id: int, result: AnswerResult, language: str
) -> None:
    for line in render_achievements(result.earned, language):
        await safe_send(context, chat_id, line)
    if result.next is not None:
        await send_question(context, chat_id, result.next, language)
    elif result.summary is not None:
        await safe_send(context, chat_id, render_summary(result.summary, language))


async def on_callback(update: Update, context: QuizContext) -> None:
    """Button presses of private chats: answers, ticks, topics, menu, FAQ suggestions."""
    query = update.callback_query
    assert query is not None
    data = cb.decode(query.data)
    user = await see_user(update, context)
    chat_id = chat_of(update).id
    if not is_private(update):  # a solo button in a group (an old message, or forged)
        await query.answer(t(user.language, "private_only_toast"))
        return
    if isinstance(data, cb.SoloAnswer):
        await _answer_pressed(query, context, user, data)
    elif isinstance(data, cb.SoloToggle):
        await _toggle_pressed(query, context, user, data)
    elif isinstance(data, cb.TopicPick):
        await query.answer()
        await _start_round(context, user, chat_id, data.topic_id)
    elif isinstance(data, cb.MenuPick):
        await query.answer()
        await _menu_pressed(context, user, chat_id, data.action)
    elif isinstance(data, cb.FaqPick):
        await query.answer()
        picked = await context.runtime.faq.pick(user, data.query_id, data.position)
        text = (
            t(user.language, "faq_gone")
            if isinstance(picked, Refused)
            else render_faq(picked, user.language)
        )
        await safe_send(context, chat_id, text)
    elif isinstance(data, cb.FaqVote):
        refused = await context.runtime.faq.vote(user, data.query_id, bool(data.helpful))
        if refused is not None:
            await query.answer(t(user.language, refused.key))
        else:
            await query.answer(
                t(user.language, "toast_vote_thanks" if data.helpful else "toast_vote_sorry")
            )
    else:
        await query.answer()


async def _answer_pressed(
    query: CallbackQuery, context: QuizContext, user: User, data: cb.SoloAnswer
) -> None:
    if not data.letters:
        await query.answer(t(user.language, "refused_empty"))
        return
    engine = context.runtime.engine
    result = await engine.answer(
        user.id, data.round_id, data.position, letters_to_indexes(data.letters)
    )
    if isinstance(result, Refused):
        await query.answer(t(user.language, result.key))
        return
    await query.answer(render_verdict(result, user.language))
    shown = answered(getattr(query.message, "text", None) or result.question.text)
    await safe_edit(query.message, f"{shown}\n\n{render_feedback(result, user.language)}")
    assert query.message is not None
    await _after_answer(context, query.message.chat.id, result, user.language)


async def _toggle_pressed(
    query: CallbackQuery, context: QuizContext, user: User, data: cb.SoloToggle
) -> None:
    view = await context.runtime.engine.current(user.id)
    if view is None or (view.round_id, view.position) != (data.round_id, data.position):
        await query.answer(t(user.language, "refused_answered"))
        return
    if not all(view.question.is_option(letter) for letter in data.letters):
        await query.answer(t(user.language, "refused_invalid"))
        return
    await query.answer(t(user.language, "selected", letters=selection_text(data.letters)))
    keyboard = answer_keyboard(
        view.question,
        user.language,
        cb.SoloAnswer,
        cb.SoloToggle,
        view.round_id,
        view.position,
        selected=data.letters,
    )
    try:
        await query.edit_message_reply_markup(keyboard)
    except BadRequest as exc:  # pressed twice quickly: the keyboard is already so
        logger.debug("keyboard not updated: %s", exc)


async def _menu_pressed(context: QuizContext, user: User, chat_id: int, action: str) -> None:
    if action == "quiz":
        await _start_round(context, user, chat_id, None)
    elif action == "topics":
        await _send_topics(context, chat_id, user)
    elif action == "score":
        await _send_score(context, chat_id, user)
    elif action == "leaderboard":
        await _send_leaderboard(context, chat_id, user)
    else:
        await _send_help(context, chat_id, user, private=chat_id > 0)
