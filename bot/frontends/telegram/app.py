"""Wiring: one function builds the Application and knows the order of every handler."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from urllib.parse import urlsplit

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    TypeHandler,
    filters,
)

from bot.config import Settings
from bot.contests import ContestRunner, Scheduler
from bot.domain.flood import FloodGuard, Verdict
from bot.frontends.telegram import contest, learning, organizer, private
from bot.frontends.telegram.common import (
    RUNTIME_KEY,
    domain_user,
    is_private,
    runtime_of,
    safe_send,
)
from bot.frontends.telegram.contest import CONTEST_KEY, TelegramPresenter
from bot.frontends.telegram.learning import LEARNING_KEY, SCHEDULER_KEY
from bot.frontends.telegram.limiter import PatientRateLimiter
from bot.frontends.telegram.scheduler import JobQueueScheduler
from bot.frontends.telegram.transport import AiohttpRequest
from bot.health import Heartbeat
from bot.learning import Learning
from bot.logs import protect, redact
from bot.runtime import Runtime
from bot.texts import LANGUAGES, t

__all__ = ["PRIVATE_COMMANDS", "build_application", "on_error", "run_polling"]

logger = logging.getLogger(__name__)

#: Commands shown in the phone's menu, in this order.
PRIVATE_COMMANDS = (
    "start",
    "quiz",
    "topics",
    "review",
    "daily",
    "progress",
    "score",
    "leaderboard",
    "stop",
    "subscribe",
    "myrank",
    "results",
    "lang",
    "help",
)
GROUP_COMMANDS = ("daily", "leaderboard", "myrank", "help")
FLOOD_KEY = "flood"
GROUP_ADMIN_COMMANDS = (
    "contest",
    "go",
    "pause",
    "resume",
    "skip",
    "stop",
    "daily",
    "subscribe",
    "leaderboard",
    "myrank",
    "help",
)


def build_application(
    runtime: Runtime,
    *,
    scheduler: Scheduler | None = None,
    rate_limiter: BaseRateLimiter | None = None,
    request_timeout: float = 5.0,
) -> Application:
    """The Telegram Application over ``runtime``'s engine.

    Args:
        runtime: the resources; ``post_init`` opens them, ``post_shutdown`` closes them.
        scheduler: contest timers and daily deliveries (default: the JobQueue).
        rate_limiter: default PatientRateLimiter: Telegram's flood limits, RetryAfter
            waits, and retries with back-off on timeouts and network errors.
        request_timeout: seconds to wait for Telegram's answer to a request.
    """
    settings = runtime.settings
    protect([settings.token])  # before python-telegram-bot logs its URLs
    heartbeat = Heartbeat(settings.data_dir)
    builder = (
        ApplicationBuilder()
        .token(settings.token or "")
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .rate_limiter(rate_limiter or PatientRateLimiter())
        # Requests over aiohttp: an eighth of httpx's CPU per call (see transport.py).
        .request(
            AiohttpRequest(
                connection_pool_size=8, read_timeout=request_timeout, on_contact=heartbeat.beat
            )
        )
        .get_updates_request(AiohttpRequest(connection_pool_size=1, on_contact=heartbeat.beat))
        # Answers of many players arrive at once: all are handled together, so their writes
        # share a transaction (bot/storage/batch.py) and each is stored before its toast.
        .concurrent_updates(512)
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
    )
    application = builder.build()
    presenter = TelegramPresenter(application.bot, application.bot_data, settings.timezone)
    scheduler = scheduler or JobQueueScheduler(application.job_queue, runtime.engine.clock)
    runner = ContestRunner(
        runtime.store,
        runtime.engine.clock,
        scheduler,
        presenter,
        catalogue=lambda: runtime.engine.catalogue,
        rng=runtime.engine.rng,
    )
    application.bot_data[RUNTIME_KEY] = runtime
    application.bot_data[CONTEST_KEY] = runner
    application.bot_data[SCHEDULER_KEY] = scheduler
    application.bot_data[LEARNING_KEY] = Learning(runtime.engine)
    application.bot_data[FLOOD_KEY] = FloodGuard(limit=settings.flood_limit)
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    """Register every handler. The first matching handler of a group wins."""
    private_chat = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    # First of all: one log line per update; a user who floods the bot is told once, then
    # ignored for a while.
    application.add_handler(TypeHandler(Update, log_update), group=-2)
    application.add_handler(TypeHandler(Update, flood_guard), group=-1)
    for name, callback in (
        ("start", private.on_start),
        ("help", private.on_help),
        ("topics", private.on_topics),
        ("quiz", private.on_quiz),
        ("score", private.on_score),
        ("leaderboard", private.on_leaderboard),
        ("lang", private.on_lang),
        ("contest", contest.on_contest),
        ("go", contest.on_go),
        ("pause", contest.on_pause),
        ("resume", contest.on_resume),
        ("skip", contest.on_skip),
        ("timezone", contest.on_timezone),
        ("myrank", contest.on_myrank),
        ("results", contest.on_results),
        ("reload", organizer.on_reload),
        ("stats", organizer.on_stats),
        ("chart", organizer.on_chart),
        ("review", learning.on_review),
        ("daily", learning.on_daily),
        ("progress", learning.on_progress),
        ("subscribe", learning.on_subscribe),
    ):
        application.add_handler(CommandHandler(name, callback))
    # /stop ends a solo round in a private chat and the contest in a group.
    application.add_handler(CommandHandler("stop", private.on_stop, filters=private_chat))
    application.add_handler(CommandHandler("stop", contest.on_group_stop, filters=groups))
    # Buttons: solo play and menus, contests, results downloads.
    application.add_handler(CallbackQueryHandler(private.on_callback, pattern=r"^[amtuf]:"))
    application.add_handler(CallbackQueryHandler(contest.on_group_callback, pattern=r"^[ckjr]:"))
    application.add_handler(CallbackQueryHandler(contest.on_results_pick, pattern=r"^x:"))
    application.add_handler(CallbackQueryHandler(learning.on_daily_answer, pattern=r"^d:"))
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


async def log_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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


async def flood_guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop every update of a user over the flood limit; the first one gets a notice."""
    user = update.effective_user
    if user is None:
        return
    guard: FloodGuard = context.bot_data[FLOOD_KEY]
    runtime = runtime_of(context)
    verdict = guard.check(user.id, runtime.engine.clock.now())
    if verdict is Verdict.PASS:
        return
    if verdict is Verdict.NOTICE:
        logger.warning("user %d is flooding; ignored for %.0f s", user.id, guard.quiet)
        stored = runtime.engine.meet(domain_user(user))
        notice = t(stored.language, "flood_notice")
        if update.callback_query is not None:
            await update.callback_query.answer(notice)
        elif is_private(update):
            await safe_send(context, update.effective_chat.id, notice)
    elif update.callback_query is not None:
        await update.callback_query.answer()  # no spinner left turning
    raise ApplicationHandlerStop


async def on_startup(application: Application) -> None:
    """Open the runtime and show the command menu on phones."""
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    await runtime.start()
    for language in LANGUAGES:
        code = None if language == "zh" else language
        for scope, names in (
            (BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS),
            (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
            (BotCommandScopeAllChatAdministrators(), GROUP_ADMIN_COMMANDS),
        ):
            commands = [BotCommand(name, t(language, f"cmd_{name}")) for name in names]
            await application.bot.set_my_commands(commands, scope=scope, language_code=code)
    runner: ContestRunner = application.bot_data[CONTEST_KEY]
    await runner.recover()
    await learning.schedule_subscriptions(application)
    _reload_on_sighup(runtime)
    if application.job_queue is not None:  # contact even when idle (webhook mode)
        application.job_queue.run_repeating(
            _check_in, interval=CHECK_IN, first=CHECK_IN, name="check-in"
        )


#: Seconds between calls that keep the heartbeat fresh when nothing else happens.
CHECK_IN = 60


async def _check_in(context: ContextTypes.DEFAULT_TYPE) -> None:
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


async def on_shutdown(application: Application) -> None:
    """Close the runtime: writes in progress finish first."""
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    await runtime.stop()


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
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
