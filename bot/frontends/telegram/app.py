"""Wiring: one function builds the Application and knows the order of every handler."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    Update,
)
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    PollAnswerHandler,
    TypeHandler,
    filters,
)

from bot import commands as command_table
from bot.commands import Where, visible
from bot.config import Settings
from bot.domain import callbacks as cb
from bot.domain import languages
from bot.domain.flood import FloodGuard, Verdict
from bot.frontends.telegram import contest, learning, organizer, private
from bot.frontends.telegram.common import HANDLERS, domain_user, is_private, safe_send
from bot.frontends.telegram.context import CONTEXT_TYPES, QuizApplication, QuizContext
from bot.frontends.telegram.limiter import PatientRateLimiter
from bot.frontends.telegram.presenter import TelegramPoster, TelegramPresenter
from bot.frontends.telegram.scheduler import JobQueueScheduler
from bot.frontends.telegram.transport import AiohttpRequest
from bot.health import Heartbeat
from bot.logs import protect, redact
from bot.ports import LinkState, Scheduler
from bot.runtime import Runtime
from bot.texts import t

__all__ = ["build_application", "command_menus", "on_error", "run_polling"]

logger = logging.getLogger(__name__)


def build_application(
    runtime: Runtime,
    *,
    scheduler: Scheduler | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    request_timeout: float = 5.0,
) -> QuizApplication:
    """The Telegram Application over ``runtime``'s services.

    Args:
        runtime: the services; ``post_init`` starts them, ``post_shutdown`` stops them.
        scheduler: contest timers and daily deliveries (default: the JobQueue).
        rate_limiter: default PatientRateLimiter: Telegram's flood limits, RetryAfter
            waits, and retries with back-off on timeouts and network errors.
        request_timeout: seconds to wait for Telegram's answer to a request.
    """
    settings = runtime.settings
    protect([settings.token])  # before python-telegram-bot logs its URLs
    heartbeat = Heartbeat(settings.data_dir)
    link = LinkState(runtime.clock)

    def contact() -> None:
        heartbeat.beat()
        link.contact()

    builder = (
        ApplicationBuilder()
        .token(settings.token or "")
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .context_types(CONTEXT_TYPES)
        .rate_limiter(rate_limiter or PatientRateLimiter())
        # Requests over aiohttp: an eighth of httpx's CPU per call (see transport.py).
        .request(
            AiohttpRequest(
                connection_pool_size=8,
                read_timeout=request_timeout,
                on_contact=contact,
                on_failure=link.failure,
            )
        )
        .get_updates_request(
            AiohttpRequest(connection_pool_size=1, on_contact=contact, on_failure=link.failure)
        )
        # Answers of many players arrive at once: all are handled together, so their writes
        # share a transaction (bot/storage/batch.py) and each is stored before its toast.
        .concurrent_updates(512)
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
    )
    application: QuizApplication = builder.build()
    if scheduler is None:
        assert application.job_queue is not None
        scheduler = JobQueueScheduler(application.job_queue, runtime.clock)
    runtime.attach(
        TelegramPresenter(application.bot),
        scheduler,
        TelegramPoster(application.bot, runtime),
        link,
    )
    application.bot_data.runtime = runtime
    application.bot_data.flood = FloodGuard(limit=settings.flood_limit)
    application.bot_data.heartbeat = heartbeat
    add_handlers(application)
    return application


def add_handlers(application: QuizApplication) -> None:
    """Register every handler. The first matching handler of a group wins."""
    private_chat = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    # First of all: one log line per update; a user who floods the bot is told once, then
    # ignored for a while.
    application.add_handler(TypeHandler(Update, log_update), group=-2)
    application.add_handler(TypeHandler(Update, flood_guard), group=-1)
    # Every command of the table; its handler decides what it does where (bot/commands.py).
    for entry in command_table.COMMANDS:
        handler = HANDLERS.get(entry.name)
        if handler is None:
            raise LookupError(
                f"command /{entry.name} has no handler: add @command({entry.name!r})"
            )
        if entry.where & Where.PRIVATE and not entry.where & (Where.GROUP | Where.ADMIN):
            handler = private.in_private_only(entry.name, handler)
        application.add_handler(CommandHandler(entry.name, handler))
    # Buttons: solo play and menus, contests, results downloads.
    application.add_handler(CallbackQueryHandler(private.on_callback, pattern=r"^[amtufv]:"))
    application.add_handler(CallbackQueryHandler(organizer.on_review_pick, pattern=r"^q:"))
    application.add_handler(CallbackQueryHandler(contest.on_group_callback, pattern=r"^[ckjr]:"))
    application.add_handler(CallbackQueryHandler(contest.on_results_pick, pattern=r"^x:"))
    application.add_handler(CallbackQueryHandler(learning.on_daily_answer, pattern=r"^d:"))
    application.add_handler(CallbackQueryHandler(organizer.on_install_choice, pattern=r"^b:"))
    application.add_handler(PollAnswerHandler(contest.on_poll_answer))
    # A bank file sent by an organizer.
    application.add_handler(
        MessageHandler(private_chat & filters.Document.ALL, organizer.on_document)
    )
    # Plain text: a typed answer or an FAQ question in private; a typed answer in a group.
    application.add_handler(
        MessageHandler(private_chat & filters.TEXT & ~filters.COMMAND, private.on_private_text)
    )
    application.add_handler(
        MessageHandler(groups & filters.TEXT & ~filters.COMMAND, contest.on_group_text)
    )
    application.add_error_handler(on_error)


def _kind(update: Update) -> str:
    message = update.effective_message
    if update.callback_query is not None:
        return "button"
    if update.poll_answer is not None:
        return "poll answer"
    if message is not None and message.text and message.text.startswith("/"):
        return "command " + message.text.split()[0].split("@")[0]
    if message is not None and message.document is not None:
        return "document"
    return "message" if message is not None else "update"


async def log_update(update: Update, context: QuizContext) -> None:
    """One line per update: what it is and whose, never what people wrote."""
    chat = update.effective_chat
    user = update.effective_user
    logger.info(
        "update %d: %s, chat %s, user %s",
        update.update_id,
        _kind(update),
        chat.id if chat else "-",
        user.id if user else "-",
        extra={
            "update_id": update.update_id,
            "chat_id": chat.id if chat else None,
            "user_id": user.id if user else None,
        },
    )


#: Buttons of something under way (an answer, a tick, a join, a vote): taps, which the
#: flood guard counts apart from messages and commands (bot/domain/flood.py).
TAPS = (
    cb.SoloAnswer,
    cb.SoloToggle,
    cb.ContestAnswer,
    cb.ContestToggle,
    cb.ContestJoin,
    cb.ContestRank,
    cb.DailyAnswer,
    cb.FaqVote,
)


def _is_tap(update: Update) -> bool:
    if update.poll_answer is not None:
        return True
    query = update.callback_query
    return query is not None and isinstance(cb.decode(query.data), TAPS)


async def flood_guard(update: Update, context: QuizContext) -> None:
    """Stop every update of a user over the flood limit; the first one gets a notice."""
    user = update.effective_user
    if user is None:
        return
    guard = context.bot_data.flood
    runtime = context.runtime
    now = runtime.clock.now()
    verdict = guard.check(user.id, now, tap=_is_tap(update))
    if verdict is Verdict.PASS:
        return
    if verdict is Verdict.NOTICE:
        logger.warning("user %d is flooding; ignored for %.0f s", user.id, guard.quiet)
        stored = runtime.engine.meet(domain_user(user))
        notice = t(stored.language, "flood_notice", seconds=guard.resumes_in(user.id, now))
        if update.callback_query is not None:
            await update.callback_query.answer(notice)
        elif is_private(update) and update.effective_chat is not None:
            await safe_send(context, update.effective_chat.id, notice)
    elif update.callback_query is not None:
        await update.callback_query.answer()  # no spinner left turning
    raise ApplicationHandlerStop


def command_menus() -> list[tuple[BotCommandScope, list[str]]]:
    """The commands each scope of Telegram's menu lists, from the table of commands."""
    private = [c.name for c in visible(Where.PRIVATE)]
    group = [c.name for c in visible(Where.GROUP)]
    admins = [c.name for c in visible(Where.GROUP | Where.ADMIN)]
    return [
        (BotCommandScopeAllPrivateChats(), private),
        (BotCommandScopeAllGroupChats(), group),
        (BotCommandScopeAllChatAdministrators(), admins),
    ]


async def on_startup(application: QuizApplication) -> None:
    """Start the services and show the command menus on phones, in every language."""
    runtime = application.bot_data.runtime
    await runtime.start()
    if application.bot_data.heartbeat is not None:
        application.bot_data.heartbeat.start()
    organizer_menu = [c.name for c in visible(Where.PRIVATE | Where.ORGANIZER)]
    for language in languages.codes():
        code = None if language == languages.DEFAULT else language
        menus = command_menus()
        for scope, names in menus:
            commands = [BotCommand(name, t(language, f"cmd_{name}")) for name in names]
            await application.bot.set_my_commands(commands, scope=scope, language_code=code)
    for organizer_id in sorted(runtime.settings.admins):
        # Listed organizers see their own commands too, in the language of the default.
        commands = [BotCommand(n, t(languages.DEFAULT, f"cmd_{n}")) for n in organizer_menu]
        try:
            await application.bot.set_my_commands(
                commands, scope=BotCommandScopeChat(organizer_id)
            )
        except TelegramError as exc:  # an organizer who never opened a chat with the bot
            logger.info("no command menu for organizer %d: %s", organizer_id, exc)
    _reload_on_sighup(runtime)
    if application.job_queue is not None:  # contact even when idle (webhook mode)
        application.job_queue.run_repeating(
            _check_in, interval=CHECK_IN, first=CHECK_IN, name="check-in"
        )


#: Seconds between calls that keep the heartbeat fresh when nothing else happens.
CHECK_IN = 60


async def _check_in(context: QuizContext) -> None:
    """Ask Telegram who we are: a successful answer refreshes the heartbeat."""
    try:
        await context.bot.get_me()
    except TelegramError as exc:
        logger.warning("check-in with Telegram failed: %s", exc)


def _reload_on_sighup(runtime: Runtime) -> None:
    """SIGHUP rescans the banks, as /reload does (where the platform has the signal)."""
    running: set[asyncio.Task[object]] = set()

    def reload() -> None:
        task = loop.create_task(runtime.reload())
        running.add(task)  # held until done, or the loop may drop it
        task.add_done_callback(running.discard)

    try:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, reload)
    except (AttributeError, NotImplementedError, RuntimeError, ValueError):
        logger.debug("no SIGHUP here: reload with /reload instead")


async def on_shutdown(application: QuizApplication) -> None:
    """Stop the services: writes in progress finish first."""
    await application.bot_data.runtime.stop()


async def on_error(update: object, context: QuizContext) -> None:
    """Log the update that failed, then the error; never the bot token.

    What people wrote in private chats stays out of the log unless it is at DEBUG level.
    """
    described: object = str(update)
    if isinstance(update, Update):
        described = update.to_dict()
        in_private = update.effective_chat is not None and update.effective_chat.type == "private"
        if in_private and not logger.isEnabledFor(logging.DEBUG):
            message = described.get("message") or described.get("edited_message")
            if isinstance(message, dict) and "text" in message:
                message["text"] = f"<{len(message['text'])} characters>"
    logger.error(
        "update failed: %s",
        json.dumps(described, ensure_ascii=False, default=str),
        exc_info=context.error,
    )


async def _reach_telegram(settings: Settings) -> str | None:
    """Why the bot cannot talk to Telegram with these settings, or None when it can."""
    request = AiohttpRequest(connection_pool_size=1)
    bot = Bot(
        settings.token or "",
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        request=request,
        get_updates_request=request,
    )
    try:
        await bot.initialize()  # getMe
    except InvalidToken:
        return "Telegram refused the token: check TELEGRAM_BOT_TOKEN (from @BotFather)"
    except (NetworkError, TimedOut) as exc:
        return f"cannot reach Telegram at {redact(settings.base_url)}: {redact(str(exc))}"
    finally:
        await request.shutdown()
    return None


def _preflight(settings: Settings) -> bool:
    problem = asyncio.run(_reach_telegram(settings))
    if problem:
        logger.error("%s", problem)
        return False
    return True


def run_polling(settings: Settings) -> int:
    """Run the bot by long polling until interrupted (SIGINT or SIGTERM)."""
    if not _preflight(settings):
        return 1
    runtime = Runtime(settings)
    application = build_application(runtime)
    logger.info("starting the bot by long polling")
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def webhook_path(url: str) -> str:
    """The path Telegram will post to, from the public webhook URL."""
    return urlsplit(url).path.strip("/")


def run_webhook(settings: Settings, url: str, listen: str, port: int, secret: str) -> int:
    """Run the bot behind a webhook: Telegram posts updates to ``url``, proven by ``secret``.

    Requests without the secret header are refused (403) by python-telegram-bot's server.
    """
    protect([secret], "<secret>")  # python-telegram-bot logs it at DEBUG (setWebhook)
    if not _preflight(settings):
        return 1
    runtime = Runtime(settings)
    application = build_application(runtime)
    logger.info("starting the bot on a webhook at %s (listening on %s:%d)", url, listen, port)
    application.run_webhook(
        listen=listen,
        port=port,
        url_path=webhook_path(url),
        webhook_url=url,
        secret_token=secret,
        allowed_updates=Update.ALL_TYPES,
    )
    return 0
