"""Learning in Telegram: /review, /daily and its subscriptions, /progress with a chart."""

from __future__ import annotations

import asyncio
import logging

from telegram import InputFile, Update

from bot.charts import bar_chart
from bot.domain import callbacks as cb
from bot.domain.args import UsageError, parse_subscribe
from bot.domain.learning import Subscription
from bot.domain.quiz import letters_to_indexes
from bot.domain.refusals import Refused
from bot.frontends.telegram.common import (
    chat_of,
    command,
    is_private,
    safe_edit,
    safe_send,
    see_user,
)
from bot.frontends.telegram.context import QuizContext
from bot.frontends.telegram.keyboards import daily_keyboard
from bot.frontends.telegram.permissions import is_organizer
from bot.frontends.telegram.private import send_question
from bot.learning import NothingDue
from bot.texts import t
from bot.views import (
    render_achievements,
    render_daily,
    render_daily_toast,
    render_feedback,
    render_nothing_due,
    render_progress,
    render_usage,
)

__all__ = ["on_daily", "on_daily_answer", "on_progress", "on_review", "on_subscribe"]

logger = logging.getLogger(__name__)


@command("review")
async def on_review(update: Update, context: QuizContext) -> None:
    """A round of the questions this user missed that are due again."""
    user = await see_user(update, context)
    chat_id = chat_of(update).id
    result = await context.runtime.learning.start_review(user, chat_id)
    if isinstance(result, NothingDue):
        zone = context.runtime.engine.tz
        await safe_send(context, chat_id, render_nothing_due(result, user.language, zone))
        return
    await send_question(context, chat_id, result, user.language)


@command("daily")
async def on_daily(update: Update, context: QuizContext) -> None:
    """Today's question: the same for everyone today."""
    user = await see_user(update, context)
    chat_id = chat_of(update).id
    daily = await context.runtime.learning.daily(user)
    if daily is None:
        await safe_send(context, chat_id, t(user.language, "daily_none"))
    elif daily.answered and is_private(update):
        await safe_send(context, chat_id, t(user.language, "daily_done"))
    else:
        await safe_send(
            context,
            chat_id,
            render_daily(daily.question, daily.day.isoformat(), user.language),
            reply_markup=daily_keyboard(daily.question, daily.day.toordinal(), user.language),
            instead_to=user.id,
        )


async def on_daily_answer(update: Update, context: QuizContext) -> None:
    """A press under a daily question: once a day, today's only; feedback in the toast."""
    query = update.callback_query
    assert query is not None and query.message is not None
    data = cb.decode(query.data)
    user = await see_user(update, context)
    if not isinstance(data, cb.DailyAnswer):  # a button of an older version, or forged
        await query.answer(t(user.language, "refused_gone"))
        return
    chat_id = query.message.chat.id
    result = await context.runtime.learning.answer_daily(
        user,
        chat_id,
        data.ordinal,
        data.language,
        data.question_id,
        letters_to_indexes(data.letters),
    )
    if isinstance(result, Refused):
        await query.answer(t(user.language, result.key))
        return
    await query.answer(render_daily_toast(result, user.language))
    if is_private(update):  # a group sees no per-answer messages
        text = getattr(query.message, "text", None) or ""
        await safe_edit(query.message, f"{text}\n\n{render_feedback(result, user.language)}")
        for line in render_achievements(result.earned, user.language):
            await safe_send(context, chat_id, line)


@command("progress")
async def on_progress(update: Update, context: QuizContext) -> None:
    """Per topic: questions seen, share right, review boxes; as text and as a chart."""
    user = await see_user(update, context)
    chat_id = chat_of(update).id
    topics, earned = await context.runtime.learning.progress_report(user)
    await safe_send(context, chat_id, render_progress(topics, earned, user.language))
    if not topics:
        return
    png = await asyncio.to_thread(
        bar_chart,
        t(user.language, "progress_chart_title"),
        [f"T{i}" for i in range(1, len(topics) + 1)],
        [topic.share_right for topic in topics],
    )
    await context.bot.send_photo(
        chat_id,
        InputFile(png, filename="progress.png"),
        caption=t(user.language, "progress_caption"),
    )


@command("subscribe")
async def on_subscribe(update: Update, context: QuizContext) -> None:
    """/subscribe HH:MM [Area/City] or /subscribe off: the daily question, every day."""
    user = await see_user(update, context)
    chat_id = chat_of(update).id
    if not is_private(update) and not await is_organizer(context, chat_id, user.id):
        await safe_send(context, chat_id, t(user.language, "contest_admins_only"))
        return
    learning = context.runtime.learning
    try:
        wanted = parse_subscribe(context.args or [], context.runtime.settings.timezone)
    except UsageError as exc:
        await safe_send(context, chat_id, render_usage(exc, user.language, "subscribe_usage"))
        return
    if wanted is None:
        stopped = await learning.unsubscribe(chat_id)
        key = "subscribe_off" if stopped else "subscribe_none"
        await safe_send(context, chat_id, t(user.language, key))
        return
    hour, minute, zone = wanted.hour, wanted.minute, wanted.timezone
    await learning.subscribe(Subscription(chat_id, user.id, hour, minute, zone, user.language))
    await safe_send(
        context,
        chat_id,
        t(user.language, "subscribe_done", time=f"{hour:02d}:{minute:02d}", timezone=zone),
    )
