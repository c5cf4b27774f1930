"""Learning in Telegram: /review, /daily and its subscriptions, /progress with a chart."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import InputFile, Update
from telegram.ext import Application, ContextTypes

from bot.charts import bar_chart
from bot.domain import callbacks as cb
from bot.domain.models import Question
from bot.domain.quiz import letters_to_indexes
from bot.engine import Rejected
from bot.frontends.telegram.common import is_private, runtime_of, safe_edit, safe_send, see_user
from bot.frontends.telegram.contest import is_organizer
from bot.frontends.telegram.keyboards import daily_keyboard
from bot.frontends.telegram.private import send_question
from bot.learning import Learning, NothingDue
from bot.scheduling import Scheduler
from bot.storage.learning_store import Subscription
from bot.texts import t
from bot.views import (
    render_achievements,
    render_daily,
    render_daily_toast,
    render_feedback,
    render_nothing_due,
    render_progress,
)

__all__ = [
    "LEARNING_KEY",
    "SCHEDULER_KEY",
    "on_daily",
    "on_daily_answer",
    "on_progress",
    "on_review",
    "on_subscribe",
    "schedule_subscriptions",
]

logger = logging.getLogger(__name__)

LEARNING_KEY = "learning"
SCHEDULER_KEY = "scheduler"


def learning_of(context: ContextTypes.DEFAULT_TYPE) -> Learning:
    return context.bot_data[LEARNING_KEY]


async def on_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A round of the questions this user missed that are due again."""
    user = await see_user(update, context)
    chat_id = update.effective_chat.id
    if not is_private(update):
        await safe_send(context, chat_id, t(user.language, "quiz_private_only"))
        return
    result = await learning_of(context).start_review(user, chat_id)
    if isinstance(result, NothingDue):
        zone = runtime_of(context).engine.tz
        await safe_send(context, chat_id, render_nothing_due(result, user.language, zone))
        return
    await send_question(
        context, chat_id, result, user.language, header=t(user.language, "review_header")
    )


def _job_key(chat_id: int) -> str:
    """The scheduler key of a chat's daily delivery."""
    return f"daily:{chat_id}"


async def _post_daily(
    context: ContextTypes.DEFAULT_TYPE | Application,
    chat_id: int,
    day: date,
    question: Question,
    language: str,
) -> bool:
    """Post a day's question to a chat; False if the chat is gone (blocked, kicked)."""
    sent = await safe_send(
        context,  # type: ignore[arg-type]  # an Application has the bot and bot_data too
        chat_id,
        render_daily(question, day.isoformat(), language),
        reply_markup=daily_keyboard(question, day.toordinal(), language),
    )
    return sent is not None


async def on_daily(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Today's question: the same for everyone today."""
    user = await see_user(update, context)
    chat_id = update.effective_chat.id
    daily = await learning_of(context).daily(user)
    if daily is None:
        await safe_send(context, chat_id, t(user.language, "daily_none"))
    elif daily.answered and is_private(update):
        await safe_send(context, chat_id, t(user.language, "daily_done"))
    else:
        await _post_daily(context, chat_id, daily.day, daily.question, user.language)


async def on_daily_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press under a daily question: once a day, today's only; feedback in the toast."""
    query = update.callback_query
    data = cb.decode(query.data)
    assert isinstance(data, cb.DailyAnswer)
    user = await see_user(update, context)
    result = await learning_of(context).answer_daily(
        user,
        query.message.chat.id,
        data.ordinal,
        data.language,
        letters_to_indexes(data.letters),
    )
    if isinstance(result, Rejected):
        await query.answer(t(user.language, f"rejected_{result.reason}"))
        return
    await query.answer(render_daily_toast(result, user.language))
    if is_private(update):  # a group sees no per-answer messages
        await safe_edit(
            query.message, f"{query.message.text}\n\n{render_feedback(result, user.language)}"
        )
        for line in render_achievements(result.earned, user.language):
            await safe_send(context, query.message.chat.id, line)


async def on_progress(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Per topic: questions seen, share right, review boxes; as text and as a chart."""
    user = await see_user(update, context)
    chat_id = update.effective_chat.id
    topics, earned = await learning_of(context).progress_report(user)
    await safe_send(context, chat_id, render_progress(topics, earned, user.language))
    if not topics:
        return
    png = await asyncio.to_thread(
        bar_chart,
        "Share of right answers per topic",
        [f"T{i}" for i in range(1, len(topics) + 1)],
        [topic.share_right for topic in topics],
    )
    await context.bot.send_photo(
        chat_id,
        InputFile(png, filename="progress.png"),
        caption=t(user.language, "progress_caption"),
    )


async def on_subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/subscribe HH:MM [Area/City] or /subscribe off: the daily question, every day."""
    user = await see_user(update, context)
    chat_id = update.effective_chat.id
    runtime = runtime_of(context)
    if not is_private(update) and not await is_organizer(context, chat_id, user.id):
        await safe_send(context, chat_id, t(user.language, "contest_admins_only"))
        return
    args = context.args or []
    learning = learning_of(context)
    scheduler: Scheduler = context.bot_data[SCHEDULER_KEY]
    if args and args[0].lower() in ("off", "stop", "取消"):
        stopped = await learning.unsubscribe(chat_id)
        scheduler.cancel(_job_key(chat_id))
        await safe_send(
            context, chat_id, t(user.language, "subscribe_off" if stopped else "subscribe_none")
        )
        return
    parsed = _parse_time(args, runtime.settings.timezone)
    if parsed is None:
        await safe_send(context, chat_id, t(user.language, "subscribe_usage"))
        return
    hour, minute, zone = parsed
    subscription = Subscription(chat_id, user.id, hour, minute, zone, user.language)
    await learning.subscribe(subscription)
    schedule(context.application, subscription)
    await safe_send(
        context,
        chat_id,
        t(user.language, "subscribe_done", time=f"{hour:02d}:{minute:02d}", timezone=zone),
    )


def _parse_time(args: list[str], default_zone: str) -> tuple[int, int, str] | None:
    if not args:
        return None
    hour_text, _, minute_text = args[0].replace("：", ":").partition(":")
    if not (hour_text.isdigit() and minute_text.isdigit()):
        return None
    hour, minute = int(hour_text), int(minute_text)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        return None
    zone = args[1] if len(args) > 1 else default_zone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return hour, minute, zone


def schedule(application: Application, subscription: Subscription) -> None:
    """Deliver the daily question to a chat every day at its time."""
    scheduler: Scheduler = application.bot_data[SCHEDULER_KEY]

    async def deliver() -> None:
        learning: Learning = application.bot_data[LEARNING_KEY]
        found = learning.today(subscription.language)
        if found is None:
            return
        day, question = found
        if not await _post_daily(
            application, subscription.chat_id, day, question, subscription.language
        ):
            # The user blocked the bot (safe_send marked them) or it left the group: stop.
            await learning.unsubscribe(subscription.chat_id)
            scheduler.cancel(_job_key(subscription.chat_id))
            logger.info("chat %d unsubscribed: the bot may not post there", subscription.chat_id)

    scheduler.call_daily(
        subscription.hour,
        subscription.minute,
        subscription.timezone,
        _job_key(subscription.chat_id),
        deliver,
    )


async def schedule_subscriptions(application: Application) -> int:
    """At start-up: every subscription's daily delivery again (they live in SQLite)."""
    learning: Learning = application.bot_data[LEARNING_KEY]
    subscriptions = await learning.subscriptions()
    for subscription in subscriptions:
        schedule(application, subscription)
    return len(subscriptions)
