"""Helpers every Telegram handler uses: the runtime, the user, safe sending."""

from __future__ import annotations

import logging
from typing import Any

from telegram import MaybeInaccessibleMessage, Message, Update
from telegram import User as TgUser
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bot.domain.models import User
from bot.runtime import Runtime
from bot.texts import language_for
from bot.views import fit

__all__ = [
    "RUNTIME_KEY",
    "domain_user",
    "is_private",
    "is_stale_edit",
    "runtime_of",
    "safe_edit",
    "safe_send",
    "see_user",
]

logger = logging.getLogger(__name__)

RUNTIME_KEY = "runtime"


def runtime_of(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    """The runtime the application was built with."""
    return context.bot_data[RUNTIME_KEY]


def domain_user(user: TgUser) -> User:
    """The engine's view of a Telegram user; the language is only a first default."""
    return User(user.id, user.full_name, user.username, language_for(user.language_code))


async def see_user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> User:
    """The sender as stored (with the language they chose)."""
    assert update.effective_user is not None
    return await runtime_of(context).engine.see_user(domain_user(update.effective_user))


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def safe_send(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str, **kwargs: Any
) -> Message | None:
    """Send a message cut to Telegram's limit; a user who blocked the bot is marked and skipped."""
    try:
        return await context.bot.send_message(chat_id, fit(text), **kwargs)
    except Forbidden:
        logger.info("chat %d blocked the bot or removed it; not sending", chat_id)
        if chat_id > 0:
            await runtime_of(context).engine.mark_blocked(chat_id)
        return None


def is_stale_edit(exc: BadRequest) -> bool:
    """Whether an edit failed only because the message is unchanged, gone or too old."""
    reason = str(exc).lower()
    return any(s in reason for s in ("not modified", "not found", "can't be edited"))


async def safe_edit(message: MaybeInaccessibleMessage | None, text: str, **kwargs: Any) -> None:
    """Edit a message's text; an unchanged or vanished message is not an error.

    A message Telegram no longer shows the bot (deleted, or too old: an inaccessible
    message, without its text) is left alone.
    """
    if not isinstance(message, Message) or not message.is_accessible:
        return
    try:
        await message.edit_text(fit(text), **kwargs)
    except BadRequest as exc:
        if not is_stale_edit(exc):
            raise
        logger.debug("edit of message %s skipped: %s", message.message_id, exc)
