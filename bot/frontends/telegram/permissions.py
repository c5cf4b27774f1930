"""Who may do what in a group: organizers, group administrators, and what the bot can see."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, Forbidden

from bot.frontends.telegram.common import chat_of, safe_send, see_user
from bot.frontends.telegram.context import QuizContext
from bot.texts import t

__all__ = ["is_listed_organizer", "is_organizer", "reads_group_messages", "refuse_non_admin"]

_ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


def is_listed_organizer(context: QuizContext, user_id: int) -> bool:
    """An organizer named in QUIZBOT_ADMINS."""
    return user_id in context.runtime.settings.admins


async def is_organizer(context: QuizContext, chat_id: int, user_id: int) -> bool:
    """A listed organizer (QUIZBOT_ADMINS), or an administrator of the group."""
    if is_listed_organizer(context, user_id):
        return True
    if chat_id > 0:
        return False
    cache = context.bot_data.admins
    cached = cache.get(chat_id, user_id)
    if cached is not None:
        return cached
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
        allowed = member.status in _ADMINS
    except (BadRequest, Forbidden):
        allowed = False
    cache.put(chat_id, user_id, allowed)
    return allowed


async def reads_group_messages(context: QuizContext, chat_id: int) -> bool:
    """Whether the bot sees ordinary group messages: privacy mode off, or an admin."""
    me = await context.bot.get_me()
    if me.can_read_all_group_messages:
        return True
    try:
        member = await context.bot.get_chat_member(chat_id, me.id)
    except (BadRequest, Forbidden):
        return False
    return member.status in _ADMINS


async def refuse_non_admin(update: Update, context: QuizContext) -> bool:
    """True (and a polite word, budget allowing) when the sender may not control contests."""
    user = await see_user(update, context)
    chat_id = chat_of(update).id
    if await is_organizer(context, chat_id, user.id):
        return False
    await safe_send(context, chat_id, t(user.language, "contest_admins_only"))  # budget allowing
    return True
