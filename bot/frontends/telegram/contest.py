"""Contest handlers: /contest and its controls, presses, poll votes, typed answers, results.

Feedback to a player goes in the toast of the button they pressed, never in a new group
message: a bot may send only about 20 messages a minute into one group, and the runner
spends that budget on the questions, their reveals and the podium.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType

from bot.contest_views import results_csv
from bot.contests import Ack, ContestSummary
from bot.domain import callbacks as cb
from bot.domain.args import UsageError, parse_timezone
from bot.domain.contest import ContestSettings, ParseError, parse_contest_args
from bot.domain.quiz import letters_to_indexes
from bot.domain.refusals import Refusal, Refused
from bot.frontends.telegram.common import (
    chat_of,
    command,
    domain_user,
    is_private,
    safe_send,
    see_user,
)
from bot.frontends.telegram.context import QuizContext
from bot.frontends.telegram.permissions import (
    is_listed_organizer,
    is_organizer,
    reads_group_messages,
    refuse_non_admin,
)
from bot.texts import t
from bot.views import render_usage, selection_text

__all__ = [
    "on_contest",
    "on_group_callback",
    "on_group_stop",
    "on_group_text",
    "on_myrank",
    "on_poll_answer",
    "on_results",
    "on_results_pick",
]

logger = logging.getLogger(__name__)


@command("contest")
async def on_contest(update: Update, context: QuizContext) -> None:
    """Start (or schedule) a contest: /contest [topic] [questions] [seconds] [poll] [at HH:MM]."""
    user = await see_user(update, context)
    chat = chat_of(update)
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await safe_send(context, chat.id, t(user.language, "contest_group_only"))
        return
    if await refuse_non_admin(update, context):
        return
    runner = context.runtime.contests
    await runner.remember_group(chat.id, chat.title)
    timezone = await runner.group_timezone(chat.id)
    try:
        settings, schedule = parse_contest_args(
            list(context.args or []),
            runner.clock.now(),
            timezone,
            ContestSettings(language=user.language),
        )
    except ParseError as exc:
        await safe_send(context, chat.id, render_usage(exc, user.language, "contest_usage"))
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
        await safe_send(context, chat.id, t(user.language, result.key))


async def _control(update: Update, context: QuizContext, action: str) -> None:
    if await refuse_non_admin(update, context):
        return
    runner = context.runtime.contests
    chat_id = chat_of(update).id
    if action == "go":
        live = await runner.find(chat_id)
        result = await runner.go(live.id) if live else Refused(Refusal.NO_CONTEST)
    elif action == "pause":
        result = await runner.pause(chat_id)
    elif action == "resume":
        result = await runner.resume(chat_id)
    elif action == "skip":
        result = await runner.skip(chat_id)
    else:
        result = await runner.stop(chat_id)
    if isinstance(result, Refused):
        user = await see_user(update, context)
        await safe_send(context, chat_id, t(user.language, result.key))


@command("go")
async def on_go(update: Update, context: QuizContext) -> None:
    """Start the contest in the lobby now."""
    await _control(update, context, "go")


@command("pause")
async def on_pause(update: Update, context: QuizContext) -> None:
    """Pause the contest."""
    await _control(update, context, "pause")


@command("resume")
async def on_resume(update: Update, context: QuizContext) -> None:
    """Resume a paused contest."""
    await _control(update, context, "resume")


@command("skip")
async def on_skip(update: Update, context: QuizContext) -> None:
    """Close the current question now."""
    await _control(update, context, "skip")


async def on_group_stop(update: Update, context: QuizContext) -> None:
    """/stop in a group ends its contest."""
    await _control(update, context, "stop")


@command("timezone")
async def on_timezone(update: Update, context: QuizContext) -> None:
    """Set the group's time zone for scheduled contests: /timezone Asia/Shanghai."""
    user = await see_user(update, context)
    chat_id = chat_of(update).id
    runner = context.runtime.contests
    current = await runner.group_timezone(chat_id)
    if not context.args:
        await safe_send(context, chat_id, t(user.language, "timezone_usage", timezone=current))
        return
    if await refuse_non_admin(update, context):
        return
    try:
        wanted = parse_timezone(context.args)
    except UsageError as exc:
        values = {"timezone": current, **exc.values}
        await safe_send(context, chat_id, t(user.language, exc.key, **values))
        return
    assert wanted is not None  # there are arguments
    await runner.set_group_timezone(chat_id, wanted)
    await safe_send(context, chat_id, t(user.language, "timezone_set", timezone=wanted))


async def on_group_callback(update: Update, context: QuizContext) -> None:
    """Contest buttons: answers, ticks, joining, my rank. Every reply is a toast."""
    query = update.callback_query
    assert query is not None
    data = cb.decode(query.data)
    # No wait for the player's record: the answer's own write records them (hot path).
    user = context.runtime.engine.meet(domain_user(query.from_user))
    runner = context.runtime.contests
    lang = user.language
    # The chat the button was pressed in: a contest's buttons count only in its own group.
    chat_id = update.effective_chat.id if update.effective_chat else 0
    if isinstance(data, cb.ContestAnswer):
        response = letters_to_indexes(data.letters) if data.letters else None
        result = await runner.answer(data.contest_id, data.position, user, response, chat_id)
        await query.answer(_toast(lang, result))
    elif isinstance(data, cb.ContestToggle):
        picked = await runner.toggle(
            data.contest_id, data.position, user.id, data.letters, chat_id
        )
        if isinstance(picked, Refused):
            await query.answer(t(lang, picked.key))
        else:
            await query.answer(t(lang, "toast_selected", letters=selection_text(picked)))
    elif isinstance(data, cb.ContestJoin):
        refused = await runner.join(data.contest_id, user, chat_id)
        await query.answer(t(lang, refused.key) if refused else t(lang, "toast_joined"))
    elif isinstance(data, cb.ContestRank):
        await _rank_toast(query, context, data.contest_id, user.id, lang)
    else:
        await query.answer()


async def _rank_toast(
    query: CallbackQuery, context: QuizContext, contest_id: int, user_id: int, lang: str
) -> None:
    found = await context.runtime.results.my_rank(contest_id, user_id)
    if found is None:
        await query.answer(t(lang, "contest_not_ranked"))
        return
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


def _toast(lang: str, result: Ack | Refused) -> str:
    if isinstance(result, Refused):
        return t(lang, result.key)
    return t(lang, "toast_recorded", choice=result.choice, seconds=f"{result.seconds:.1f}")


async def on_poll_answer(update: Update, context: QuizContext) -> None:
    """A vote in a contest's quiz poll (Telegram shows the voter the result itself)."""
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return
    user = await context.runtime.engine.see_user(domain_user(answer.user))
    result = await context.runtime.contests.poll_answer(
        answer.poll_id, user, list(answer.option_ids)
    )
    logger.debug("poll answer from user %d: %s", user.id, result)


async def on_group_text(update: Update, context: QuizContext) -> None:
    """Text in a group: a typed answer to an open contest question, or nothing."""
    message = update.effective_message
    if message is None or not message.text or update.effective_user is None:
        return
    await context.runtime.contests.typed(
        chat_of(update).id,
        message.text,
        lambda: see_user(update, context),  # only an answer records who sent it
        message.date.timestamp(),
    )


@command("myrank")
async def on_myrank(update: Update, context: QuizContext) -> None:
    """Your rank in recent contests (in a private chat), or in this group's last contest."""
    user = await see_user(update, context)
    chat_id = chat_of(update).id
    private = is_private(update)
    ranks = await context.runtime.results.ranks(user.id, None if private else [chat_id])
    lines = [
        t(
            user.language,
            "myrank_private_line",
            id=summary.id,
            group=summary.group,
            rank=place,
            score=player.score,
        )
        for summary, place, player in ranks[: 10 if private else 1]
    ]
    text = "\n".join(lines) or t(user.language, "myrank_private_none")
    await safe_send(context, chat_id, text, instead_to=user.id)


@command("results")
async def on_results(update: Update, context: QuizContext) -> None:
    """In a private chat: recent contests of the groups you run, as buttons for their CSV."""
    user = await see_user(update, context)
    chat_id = chat_of(update).id
    if not is_private(update):
        return
    summaries = await _visible_contests(context, user.id)
    if not summaries:
        await safe_send(context, chat_id, t(user.language, "results_none"))
        return
    zone = ZoneInfo(context.runtime.settings.timezone)
    buttons = []
    for summary in summaries:
        date = datetime.fromtimestamp(summary.created_at, zone).strftime("%Y-%m-%d %H:%M")
        label = t(
            user.language,
            "results_line",
            id=summary.id,
            group=summary.group,
            date=date,
            players=summary.players,
        )
        buttons.append(
            [InlineKeyboardButton(label[:60], callback_data=cb.encode(cb.ResultsPick(summary.id)))]
        )
    await safe_send(
        context,
        chat_id,
        t(user.language, "results_pick"),
        reply_markup=InlineKeyboardMarkup(buttons),
    )


#: /results lists this many contests, from this many of the latest, checking admin rights in
#: at most this many groups (one getChatMember each, remembered for a few minutes).
RESULTS_LISTED = 10
RESULTS_SCANNED = 50
RESULTS_GROUPS = 20


async def _visible_contests(context: QuizContext, user_id: int) -> list[ContestSummary]:
    """The latest contests of groups the user runs: newest first, each group's admin rights
    checked once, when its first contest comes up, and no further than the list needs."""
    results = context.runtime.results
    if is_listed_organizer(context, user_id):
        return await results.recent(None, RESULTS_LISTED)
    allowed: dict[int, bool] = {}
    listed: list[ContestSummary] = []
    for summary in await results.recent(None, RESULTS_SCANNED):
        group = summary.chat_id
        if group not in allowed:
            if len(allowed) == RESULTS_GROUPS:
                continue
            allowed[group] = await is_organizer(context, group, user_id)
        if allowed[group]:
            listed.append(summary)
            if len(listed) == RESULTS_LISTED:
                break
    return listed


async def on_results_pick(update: Update, context: QuizContext) -> None:
    """Send one contest's results as a CSV document, to its organizers only."""
    query = update.callback_query
    assert query is not None
    data = cb.decode(query.data)
    user = await see_user(update, context)
    assert isinstance(data, cb.ResultsPick)
    results = context.runtime.results
    row = await results.contest(data.contest_id)
    if row is None or not await is_organizer(context, row.chat_id, user.id):
        await query.answer(t(user.language, "results_forbidden"))
        return
    await query.answer()
    content = results_csv(await results.standings(row.id))
    await context.bot.send_document(
        chat_of(update).id,
        InputFile(content, filename=f"contest-{row.id}-results.csv"),
        caption=t(user.language, "results_caption", id=row.id),
    )
