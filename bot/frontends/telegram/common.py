"""Helpers every Telegram handler uses: the user, the chat, safe sending, the command registry."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram import Bot, Chat, MaybeInaccessibleMessage, Message, Update
from telegram import User as TgUser
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TimedOut

from bot.domain.models import User
from bot.frontends.telegram.context import Handler, QuizContext
from bot.runtime import Runtime
from bot.texts import language_for
from bot.views import fit

__all__ = [
    "HANDLERS",
    "chat_of",
    "command",
    "domain_user",
    "is_private",
    "is_stale_edit",
    "safe_edit",
    "safe_send",
    "see_user",
    "send",
]

logger = logging.getLogger(__name__)

#: The handler of each command of :data:`bot.commands.COMMANDS`, by name.
HANDLERS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of the command ``name``."""

    def register(handler: Handler) -> Handler:
        HANDLERS[name] = handler
        return handler

    return register


def domain_user(user: TgUser) -> User:
    """The engine's view of a Telegram user; the language is only a first default."""
    return User(user.id, user.full_name, user.username, language_for(user.language_code))


async def see_user(update: Update, context: QuizContext) -> User:
    """The sender as stored (with the language they chose)."""
    assert update.effective_user is not None
    return await context.runtime.engine.see_user(domain_user(update.effective_user))


def chat_of(update: Update) -> Chat:
    """The chat an update happened in (every update a handler here gets has one)."""
    assert update.effective_chat is not None
    return update.effective_chat


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def send(
    bot: Bot,
    runtime: Runtime,
    chat_id: int,
    text: str,
    *,
    instead_to: int | None = None,
    **kwargs: Any,
) -> Message | None:
    """Send a message cut to Telegram's limit; a user who blocked the bot is marked and skipped.

    Into a group, a message takes a place in the group's budget (20 a minute, shared with a
    running contest, which always keeps room for its own messages: ContestRunner.may_reply).
    With no place left, it goes privately to ``instead_to`` (the user who asked), or is
    dropped. A message Telegram was too slow to confirm may well be posted: it is not sent
    again (bot/frontends/telegram/limiter.py), and None is returned as for one not sent.
    """
    if chat_id < 0 and not await runtime.contests.may_reply(chat_id):
        logger.info("group %d: no room in its message budget for a reply", chat_id)
        if instead_to is None:
            return None
        chat_id = instead_to
    try:
        return await bot.send_message(chat_id, fit(text), **kwargs)
    except Forbidden:
        logger.info("chat %d blocked the bot or removed it; not sending", chat_id)
        if chat_id > 0:
            await runtime.engine.mark_blocked(chat_id)
        return None
    except TimedOut:
        logger.warning("a message to chat %d timed out; taken as posted", chat_id)
        return None


async def safe_send(
    context: QuizContext, chat_id: int, text: str, **kwargs: Any
) -> Message | None:
    """:func:`send` from a handler."""
    return await send(context.bot, context.runtime, chat_id, text, **kwargs)


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
