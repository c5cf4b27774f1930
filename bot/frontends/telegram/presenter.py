"""How contests and daily questions look in Telegram: the presenter and poster ports.

Each presenter method sends or edits one message in the group. Feedback to a player goes in
the toast of the button they pressed (the handlers), never in a new group message.

A send that timed out may have been posted (Telegram was slow, not down): it is taken as
posted and never sent again, so nothing appears twice; without its message id, later edits
of it are skipped and the reveal comes as a new message. Any other failure raises, and the
runner tries the step again later.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Any, cast

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import PollType
from telegram.error import BadRequest, Forbidden, TelegramError, TimedOut

from bot.charts import contest_chart
from bot.contest_views import (
    contest_title,
    poll_explanation,
    render_announce,
    render_contest_question,
    render_lobby,
    render_podium,
    render_reveal,
)
from bot.contests import ChartData, Live, Reveal
from bot.domain import callbacks as cb
from bot.domain.contest import PlayerScore
from bot.domain.models import Question
from bot.frontends.telegram.common import is_stale_edit, send
from bot.frontends.telegram.keyboards import contest_keyboard, daily_keyboard
from bot.runtime import Runtime
from bot.texts import t
from bot.views import fit, option_labels, render_achievements, render_daily

__all__ = ["TelegramPoster", "TelegramPresenter"]

logger = logging.getLogger(__name__)


class TelegramPresenter:
    """Shows a contest in its group. Each method sends or edits one message."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def _send(self, live: Live, text: str, **kwargs: Any) -> Message | None:
        try:
            return await self.bot.send_message(live.chat_id, fit(text), **kwargs)
        except Forbidden:
            logger.warning(
                "removed from chat %d: contest %d cannot be shown", live.chat_id, live.id
            )
            return None
        except TimedOut:
            logger.warning("contest %d: a message timed out; taken as posted", live.id)
            return None

    async def _edit(self, live: Live, text: str, **kwargs: Any) -> None:
        if live.message_id is None:
            return
        try:
            await self.bot.edit_message_text(fit(text), live.chat_id, live.message_id, **kwargs)
        except BadRequest as exc:
            if not is_stale_edit(exc):
                raise
        except Forbidden:
            logger.warning("cannot edit in chat %d", live.chat_id)

    async def announce(self, live: Live, starts_at: float, timezone: str) -> None:
        await self._send(live, render_announce(live, starts_at, timezone))

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
        return contest_keyboard(question, live.settings.language, live.id, live.position)

    async def ask(self, live: Live) -> None:
        question = live.question
        assert question is not None
        lang = live.settings.language
        if live.settings.polls and not question.rules.typed:
            options = option_labels(question, lang)
            prefix = f"{live.position + 1}/{live.total} "
            text = prefix + question.text if len(prefix + question.text) <= 300 else question.text
            poll = await self.bot.send_poll(
                live.chat_id,
                text,
                options,
                is_anonymous=False,
                type=PollType.QUIZ,
                allows_multiple_answers=question.rules.many,
                correct_option_ids=cast(Any, sorted(question.answer)),  # typed as 0..11 by PTB
                explanation=poll_explanation(live),
                open_period=live.settings.seconds,
            )
            live.message_id = poll.message_id
            live.poll_id = poll.poll.id if poll.poll else None
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
        if live.settings.polls and not reveal.question.rules.typed:
            await self._send(live, render_reveal(live, reveal, with_question=False))
        elif live.message_id is None:  # the question's own message id is unknown
            await self._send(live, render_reveal(live, reveal))
        else:
            await self._edit(live, render_reveal(live, reveal))

    async def podium(
        self, live: Live, ranking: list[PlayerScore], stopped: bool, chart: ChartData
    ) -> None:
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
        await self._chart_to_organizer(live, chart)

    async def _chart_to_organizer(self, live: Live, chart: ChartData) -> None:
        """After the podium, the organizer gets the contest's chart in a private chat."""
        png = await asyncio.to_thread(
            contest_chart, f"#{live.id}", chart.shares, chart.scores, live.settings.language
        )
        try:  # any failure is logged, never raised: the podium is not posted again for it
            await self.bot.send_photo(
                live.created_by,
                InputFile(png, filename=f"contest-{live.id}.png"),
                caption=t(live.settings.language, "chart_caption", id=live.id),
            )
        except TelegramError as exc:  # the organizer never opened a private chat, or an outage
            logger.info("no chart for contest %d to user %d: %s", live.id, live.created_by, exc)

    async def notice(self, live: Live, key: str, **values: object) -> None:
        lang = live.settings.language
        await self._send(live, t(lang, key, title=contest_title(live), **values))

    async def award(self, user_id: int, codes: tuple[str, ...], language: str) -> None:
        """Achievements a contest earned, told privately (a group hears no per-player news)."""
        text = "\n\n".join(render_achievements(codes, language))
        try:
            await self.bot.send_message(user_id, fit(text))
        except (Forbidden, BadRequest) as exc:  # never opened a private chat with the bot
            logger.info("achievements of user %d not told: %s", user_id, exc)


class TelegramPoster:
    """Posts a day's question to a chat, for subscriptions."""

    def __init__(self, bot: Bot, runtime: Runtime) -> None:
        self.bot = bot
        self.runtime = runtime

    async def post_daily(self, chat_id: int, day: date, question: Question, language: str) -> bool:
        sent = await send(
            self.bot,
            self.runtime,
            chat_id,
            render_daily(question, day.isoformat(), language),
            reply_markup=daily_keyboard(question, day.toordinal(), language),
        )
        return sent is not None
