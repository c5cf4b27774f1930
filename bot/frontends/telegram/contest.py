"""Contests in Telegram groups: the presenter (what each step looks like) and the handlers.

Feedback to a player goes in the toast of the button they pressed, never in a new group
message: a bot may send only about 20 messages a minute into one group, and the runner
spends that budget on the questions, their reveals and the podium.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, PollType
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bot.charts import contest_chart
from bot.contest_views import (
    poll_explanation,
    render_announce,
    render_contest_question,
    render_lobby,
    render_podium,
    render_reveal,
    results_csv,
)
from bot.contests import Ack, ContestRunner, Live, Refused, Reveal
from bot.domain import callbacks as cb
from bot.domain.contest import (
    ContestSettings,
    ParseError,
    PlayerScore,
    parse_contest_args,
)
from bot.domain.models import LETTERS, QuestionType
from bot.domain.quiz import letters_to_indexes
from bot.frontends.telegram.common import (
    domain_user,
    is_private,
    is_stale_edit,
    runtime_of,
    safe_send,
    see_user,
)
from bot.texts import t
from bot.views import fit, selection_text

__all__ = ["CONTEST_KEY", "TelegramPresenter", "runner_of"]

logger = logging.getLogger(__name__)

CONTEST_KEY = "contests"
ADMIN_CACHE_KEY = "admin_cache"
#: How long a group admin check is trusted.
ADMIN_TTL = 300.0


def runner_of(context: ContextTypes.DEFAULT_TYPE) -> ContestRunner:
    return context.bot_data[CONTEST_KEY]


class TelegramPresenter:
    """Shows a contest in its group. Each method sends or edits one message."""

    def __init__(self, bot: Bot, bot_data: dict, default_timezone: str) -> None:
        self.bot = bot
        self.bot_data = bot_data
        self.default_timezone = default_timezone

    async def _send(self, live: Live, text: str, **kwargs: object) -> Message | None:
        try:
            return await self.bot.send_message(live.chat_id, fit(text), **kwargs)
        except Forbidden:
            logger.warning(
                "removed from chat %d: contest %d cannot be shown", live.chat_id, live.id
            )
            return None

    async def _edit(self, live: Live, text: str, **kwargs: object) -> None:
        if live.message_id is None:
            return
        try:
            await self.bot.edit_message_text(fit(text), live.chat_id, live.message_id, **kwargs)
        except BadRequest as exc:
            if not is_stale_edit(exc):
                raise
        except Forbidden:
            logger.warning("cannot edit in chat %d", live.chat_id)

    async def announce(self, live: Live, starts_at: float) -> None:
        runner: ContestRunner = self.bot_data[CONTEST_KEY]
        zone = await runner.contests.group_timezone(live.chat_id) or self.default_timezone
        await self._send(live, render_announce(live, starts_at, zone))

    async def lobby(self, live: Live, players: int, seconds_left: int, first: bool) -> None:
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t(live.settings.language, "contest_join"),
                        callback_data=cb.encode(cb.ContestJoin(live.id)),
                    )
                ]
            ]
        )
        text = render_lobby(live, players, seconds_left, live.notes)
        if first:
            message = await self._send(live, text, reply_markup=keyboard)
            live.message_id = message.message_id if message else None
        else:
            await self._edit(live, text, reply_markup=keyboard)

    def _keyboard(self, live: Live) -> InlineKeyboardMarkup | None:
        question = live.question
        assert question is not None
        lang = live.settings.language
        if question.type is QuestionType.OPEN:
            return None
        if question.type is QuestionType.TRUEFALSE:
            labels = [(t(lang, "true"), "A"), (t(lang, "false"), "B")]
        else:
            labels = [(letter, letter) for letter in LETTERS[: len(question.options)]]
        if question.type is QuestionType.MULTIPLE:
            row = [
                InlineKeyboardButton(
                    label,
                    callback_data=cb.encode(cb.ContestToggle(live.id, live.position, letter)),
                )
                for label, letter in labels
            ]
            submit = InlineKeyboardButton(
                t(lang, "submit"),
                callback_data=cb.encode(cb.ContestAnswer(live.id, live.position, "")),
            )
            return InlineKeyboardMarkup([row, [submit]])
        row = [
            InlineKeyboardButton(
                label, callback_data=cb.encode(cb.ContestAnswer(live.id, live.position, letter))
            )
            for label, letter in labels
        ]
        return InlineKeyboardMarkup([row])

    async def ask(self, live: Live) -> None:
        question = live.question
        assert question is not None
        lang = live.settings.language
        if live.settings.polls and question.type is not QuestionType.OPEN:
            options = (
                [t(lang, "true"), t(lang, "false")]
                if question.type is QuestionType.TRUEFALSE
                else list(question.options)
            )
            prefix = f"{live.position + 1}/{live.total} "
            text = prefix + question.text if len(prefix + question.text) <= 300 else question.text
            message = await self.bot.send_poll(
                live.chat_id,
                text,
                options,
                is_anonymous=False,
                type=PollType.QUIZ,
                allows_multiple_answers=question.type is QuestionType.MULTIPLE,
                correct_option_ids=sorted(question.answer),
                explanation=poll_explanation(live),
                open_period=live.settings.seconds,
            )
            live.message_id = message.message_id
            live.poll_id = message.poll.id if message.poll else None
            return
        message = await self._send(
            live, render_contest_question(live), reply_markup=self._keyboard(live)
        )
        live.message_id = message.message_id if message else None

    async def count(self, live: Live, answered: int, seconds_left: int) -> None:
        status = t(live.settings.language, "contest_count", answered=answered, left=seconds_left)
        await self._edit(
            live, render_contest_question(live, status), reply_markup=self._keyboard(live)
        )

    async def reveal(self, live: Live, reveal: Reveal) -> None:
        if live.settings.polls and reveal.question.type is not QuestionType.OPEN:
            await self._send(live, render_reveal(live, reveal, with_question=False))
        else:
            await self._edit(live, render_reveal(live, reveal))

    async def podium(self, live: Live, ranking: list[PlayerScore], stopped: bool) -> None:
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t(live.settings.language, "contest_my_rank_button"),
                        callback_data=cb.encode(cb.ContestRank(live.id)),
                    )
                ]
            ]
        )
        await self._send(live, render_podium(live, ranking, stopped), reply_markup=keyboard)
        await self._chart_to_organizer(live)

    async def _chart_to_organizer(self, live: Live) -> None:
        """After the podium, the organizer gets the contest's chart in a private chat."""
        runner: ContestRunner = self.bot_data[CONTEST_KEY]
        shares, scores = await runner.chart_data(live.id)
        png = await asyncio.to_thread(contest_chart, f"#{live.id}", shares, scores)
        try:
            await self.bot.send_photo(
                live.created_by,
                InputFile(png, filename=f"contest-{live.id}.png"),
                caption=t(live.settings.language, "chart_caption", id=live.id),
            )
        except (Forbidden, BadRequest) as exc:  # the organizer never opened a private chat
            logger.info("no chart for contest %d to user %d: %s", live.id, live.created_by, exc)

    async def notice(self, live: Live, key: str) -> None:
        await self._send(live, t(live.settings.language, key))


# --- who may run a contest ---------------------------------------------------------------


async def is_organizer(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int) -> bool:
    """A listed organizer (QUIZBOT_ADMINS), or an administrator of the group."""
    if user_id in runtime_of(context).settings.admins:
        return True
    if chat_id > 0:
        return False
    cache: dict[tuple[int, int], tuple[float, bool]] = context.bot_data.setdefault(
        ADMIN_CACHE_KEY, {}
    )
    cached = cache.get((chat_id, user_id))
    if cached and time.monotonic() - cached[0] < ADMIN_TTL:
        return cached[1]
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
        allowed = member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
    except (BadRequest, Forbidden):
        allowed = False
    cache[(chat_id, user_id)] = (time.monotonic(), allowed)
    return allowed


async def reads_group_messages(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> bool:
    """Whether the bot sees ordinary group messages: privacy mode off, or an admin."""
    me = await context.bot.get_me()
    if me.can_read_all_group_messages:
        return True
    try:
        member = await context.bot.get_chat_member(chat_id, me.id)
    except (BadRequest, Forbidden):
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def _refuse_non_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True (and a polite word, budget allowing) when the sender may not control contests."""
    user = await see_user(update, context)
    chat_id = update.effective_chat.id
    if await is_organizer(context, chat_id, user.id):
        return False
    if runner_of(context).may_reply(chat_id):
        await safe_send(context, chat_id, t(user.language, "contest_admins_only"))
    return True


# --- handlers ----------------------------------------------------------------------------


async def on_contest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Start (or schedule) a contest: /contest [topic] [questions] [seconds] [poll] [at HH:MM]."""
    user = await see_user(update, context)
    chat = update.effective_chat
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await safe_send(context, chat.id, t(user.language, "contest_group_only"))
        return
    if await _refuse_non_admin(update, context):
        return
    runner = runner_of(context)
    await runner.contests.remember_group(chat.id, chat.title)
    timezone = (
        await runner.contests.group_timezone(chat.id) or runtime_of(context).settings.timezone
    )
    try:
        settings, schedule = parse_contest_args(
            list(context.args or []),
            runner.clock.now(),
            timezone,
            ContestSettings(language=user.language),
        )
    except ParseError as exc:
        usage = t(user.language, "contest_usage")
        await safe_send(context, chat.id, t(user.language, exc.key, **exc.values) + "\n" + usage)
        return
    allow_open = settings.polls or await reads_group_messages(context, chat.id)
    result = await runner.create(
        chat.id,
        user,
        settings,
        schedule,
        allow_open=allow_open,
        notes=() if allow_open or settings.polls else ("contest_no_typed",),
    )
    if isinstance(result, Refused):
        await safe_send(context, chat.id, t(user.language, f"contest_refused_{result.reason}"))


async def _control(update: Update, context: ContextTypes.DEFAULT_TYPE, action: str) -> None:
    if await _refuse_non_admin(update, context):
        return
    runner = runner_of(context)
    chat_id = update.effective_chat.id
    if action == "go":
        live = runner.in_chat(chat_id)
        result = await runner.go(live.id) if live else Refused("no_contest")
    else:
        result = await getattr(runner, action)(chat_id)
    if isinstance(result, Refused):
        user = await see_user(update, context)
        await safe_send(context, chat_id, t(user.language, f"contest_refused_{result.reason}"))


async def on_go(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Start the contest in the lobby now."""
    await _control(update, context, "go")


async def on_pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pause the contest."""
    await _control(update, context, "pause")


async def on_resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Resume a paused contest."""
    await _control(update, context, "resume")


async def on_skip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Close the current question now."""
    await _control(update, context, "skip")


async def on_group_stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stop in a group ends its contest."""
    await _control(update, context, "stop")


async def on_timezone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Set the group's time zone for scheduled contests: /timezone Asia/Shanghai."""
    user = await see_user(update, context)
    chat_id = update.effective_chat.id
    runner = runner_of(context)
    current = (
        await runner.contests.group_timezone(chat_id) or runtime_of(context).settings.timezone
    )
    if not context.args:
        await safe_send(context, chat_id, t(user.language, "timezone_usage", timezone=current))
        return
    if await _refuse_non_admin(update, context):
        return
    wanted = context.args[0]
    try:
        ZoneInfo(wanted)
    except (ZoneInfoNotFoundError, ValueError):
        await safe_send(context, chat_id, t(user.language, "timezone_bad", timezone=wanted))
        return
    await runner.contests.set_group_timezone(chat_id, wanted)
    await safe_send(context, chat_id, t(user.language, "timezone_set", timezone=wanted))


async def on_group_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Contest buttons: answers, ticks, joining, my rank. Every reply is a toast."""
    query = update.callback_query
    data = cb.decode(query.data)
    # No wait for the player's record: the answer's own write records them (hot path).
    user = runtime_of(context).engine.meet(domain_user(query.from_user))
    runner = runner_of(context)
    lang = user.language
    if isinstance(data, cb.ContestAnswer):
        response = letters_to_indexes(data.letters) if data.letters else None
        result = await runner.answer(data.contest_id, data.position, user, response)
        await query.answer(_toast(lang, result))
    elif isinstance(data, cb.ContestToggle):
        picked = runner.toggle(data.contest_id, data.position, user.id, data.letters)
        if isinstance(picked, Refused):
            await query.answer(t(lang, f"toast_refused_{picked.reason}"))
        else:
            await query.answer(t(lang, "toast_selected", letters=selection_text(picked)))
    elif isinstance(data, cb.ContestJoin):
        refused = await runner.join(data.contest_id, user)
        await query.answer(
            t(lang, f"toast_refused_{refused.reason}") if refused else t(lang, "toast_joined")
        )
    elif isinstance(data, cb.ContestRank):
        found = await runner.my_rank(data.contest_id, user.id)
        if found is None:
            await query.answer(t(lang, "contest_not_ranked"))
        else:
            place, player = found
            await query.answer(
                t(
                    lang,
                    "contest_my_rank",
                    rank=place,
                    score=player.score,
                    correct=player.correct,
                    seconds=f"{player.time_ms / 1000:.1f}",
                )
            )
    else:
        await query.answer()


def _toast(lang: str, result: Ack | Refused) -> str:
    if isinstance(result, Refused):
        return t(lang, f"toast_refused_{result.reason}")
    return t(lang, "toast_recorded", choice=result.choice, seconds=f"{result.seconds:.1f}")


async def on_poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A vote in a contest's quiz poll (Telegram shows the voter the result itself)."""
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return
    user = await runtime_of(context).engine.see_user(domain_user(answer.user))
    result = await runner_of(context).poll_answer(answer.poll_id, user, list(answer.option_ids))
    logger.debug("poll answer from user %d: %s", user.id, result)


async def on_group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text in a group: a typed answer to an open contest question, or nothing."""
    message = update.effective_message
    if message is None or not message.text or update.effective_user is None:
        return
    runner = runner_of(context)
    live = runner.in_chat(update.effective_chat.id)
    if live is None:
        return
    user = await see_user(update, context)
    await runner.typed(update.effective_chat.id, user, message.text)


async def on_myrank(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Your rank in recent contests (in a private chat), or in this group's last contest."""
    user = await see_user(update, context)
    runner = runner_of(context)
    chat_id = update.effective_chat.id
    chats = None if is_private(update) else [chat_id]
    lines = []
    for row in await runner.contests.recent(chats, limit=20):
        found = await runner.my_rank(row.id, user.id)
        if found:
            place, player = found
            lines.append(
                t(
                    user.language,
                    "myrank_private_line",
                    id=row.id,
                    group=await runner.contests.group_title(row.chat_id),
                    rank=place,
                    score=player.score,
                )
            )
        if not is_private(update) and lines:
            break
    text = "\n".join(lines[:10]) or t(user.language, "myrank_private_none")
    if is_private(update) or runner.may_reply(chat_id):
        await safe_send(context, chat_id, text)


async def on_results(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a private chat: recent contests of the groups you run, as buttons for their CSV."""
    user = await see_user(update, context)
    chat_id = update.effective_chat.id
    if not is_private(update):
        return
    rows = await _visible_contests(context, user.id)
    if not rows:
        await safe_send(context, chat_id, t(user.language, "results_none"))
        return
    runner = runner_of(context)
    zone = ZoneInfo(runtime_of(context).settings.timezone)
    buttons = []
    for row in rows:
        players = len(await runner.contests.players(row.id))
        date = datetime.fromtimestamp(row.created_at, zone).strftime("%Y-%m-%d %H:%M")
        label = t(
            user.language,
            "results_line",
            id=row.id,
            group=await runner.contests.group_title(row.chat_id),
            date=date,
            players=players,
        )
        buttons.append(
            [InlineKeyboardButton(label[:60], callback_data=cb.encode(cb.ResultsPick(row.id)))]
        )
    await safe_send(
        context,
        chat_id,
        t(user.language, "results_pick"),
        reply_markup=InlineKeyboardMarkup(buttons),
    )


async def _visible_contests(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> list:
    runner = runner_of(context)
    if user_id in runtime_of(context).settings.admins:
        return await runner.contests.recent(None)
    groups = [
        g
        for g in await runner.contests.groups_with_contests()
        if await is_organizer(context, g, user_id)
    ]
    return await runner.contests.recent(groups)


async def on_results_pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send one contest's results as a CSV document, to its organizers only."""
    query = update.callback_query
    data = cb.decode(query.data)
    user = await see_user(update, context)
    assert isinstance(data, cb.ResultsPick)
    runner = runner_of(context)
    row = await runner.contests.get(data.contest_id)
    if row is None or not await is_organizer(context, row.chat_id, user.id):
        await query.answer(t(user.language, "results_forbidden"))
        return
    await query.answer()
    content = results_csv(await runner.standings(row.id))
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(content, filename=f"contest-{row.id}-results.csv"),
        caption=t(user.language, "results_caption", id=row.id),
    )
