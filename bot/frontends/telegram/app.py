"""Wiring: one function builds the Application and knows the order of every handler."""

from __future__ import annotations

import json
import logging

from telegram import BotCommand, BotCommandScopeAllPrivateChats, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.frontends.telegram import private
from bot.frontends.telegram.common import RUNTIME_KEY
from bot.runtime import Runtime
from bot.texts import LANGUAGES, t

__all__ = ["PRIVATE_COMMANDS", "build_application", "on_error", "run_polling"]

logger = logging.getLogger(__name__)

#: Commands shown in the phone's menu of a private chat, in this order.
PRIVATE_COMMANDS = ("start", "quiz", "topics", "score", "leaderboard", "stop", "lang", "help")


def build_application(runtime: Runtime, *, updater: bool = True) -> Application:
    """The Telegram Application over ``runtime``'s engine.

    Args:
        runtime: the opened-on-start resources; ``post_init`` opens them.
        updater: False for webhook-less embedding in tests that feed updates directly.
    """
    settings = runtime.settings
    builder = (
        ApplicationBuilder()
        .token(settings.token or "")
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        # Answers of many players arrive at once; each is stored before its toast is sent.
        .concurrent_updates(64)
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
    )
    if not updater:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data[RUNTIME_KEY] = runtime
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    """Register every handler. Order matters only within a group; groups run in order."""
    private_chat = filters.ChatType.PRIVATE
    for name, callback in (
        ("start", private.on_start),
        ("help", private.on_help),
        ("topics", private.on_topics),
        ("quiz", private.on_quiz),
        ("stop", private.on_stop),
        ("score", private.on_score),
        ("leaderboard", private.on_leaderboard),
        ("lang", private.on_lang),
    ):
        application.add_handler(CommandHandler(name, callback))
    # Button presses in private chats (group buttons belong to contests).
    application.add_handler(
        CallbackQueryHandler(private.on_callback, pattern=r"^[amtuf]:")
    )
    # Plain text in a private chat: a typed answer, or a question for the FAQ. Last.
    application.add_handler(
        MessageHandler(private_chat & filters.TEXT & ~filters.COMMAND, private.on_private_text)
    )
    application.add_error_handler(on_error)


async def on_startup(application: Application) -> None:
    """Open the runtime and show the command menu on phones."""
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    await runtime.start()
    for language in LANGUAGES:
        commands = [BotCommand(name, t(language, f"cmd_{name}")) for name in PRIVATE_COMMANDS]
        await application.bot.set_my_commands(
            commands,
            scope=BotCommandScopeAllPrivateChats(),
            language_code=None if language == "zh" else language,
        )


async def on_shutdown(application: Application) -> None:
    """Close the runtime: writes in progress finish first."""
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    await runtime.stop()


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the update that failed, then the error; never the bot token."""
    described = update.to_dict() if isinstance(update, Update) else str(update)
    logger.error(
        "update failed: %s", json.dumps(described, ensure_ascii=False, default=str),
        exc_info=context.error,
    )


def run_polling(settings: Settings) -> int:
    """Run the bot by long polling until interrupted."""
    runtime = Runtime(settings)
    application = build_application(runtime)
    logger.info("starting the bot by long polling")
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0

