"""A test player: acts like a person on a phone against the fake Bot API."""

from __future__ import annotations

import re
from typing import Any

from bot.domain.catalogue import Catalogue
from bot.domain.models import LETTERS, Question, QuestionType
from tests.fakebotapi import FakeBotApi, TgUser

__all__ = ["GroupPlayer", "Player"]

#: What follows an answer in a solo round: the next question, or the summary.
NEXT = re.compile(r"第 \d+/\d+ 题|Question \d+/\d+|本轮结束|Round over")


class Player:
    """One user in one chat (their private chat unless a group id is given)."""

    def __init__(self, api: FakeBotApi, user: TgUser, chat_id: int | None = None) -> None:
        self.api = api
        self.user = user
        self.chat_id = user.id if chat_id is None else chat_id

    def bot_messages(self) -> list[tuple[int, dict[str, Any]]]:
        """(message_id, message) of the bot's messages in this chat, oldest first."""
        return sorted(
            (mid, m)
            for (chat, mid), m in self.api.messages.items()
            if chat == self.chat_id and m.get("from", {}).get("is_bot")
        )

    def last(self) -> tuple[int, dict[str, Any]]:
        return self.bot_messages()[-1]

    def buttons(self, message_id: int) -> list[tuple[str, str]]:
        markup = self.api.messages[(self.chat_id, message_id)].get("reply_markup") or {}
        return [
            (b["text"], b.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]

    async def say(self, text: str, replies: int = 1) -> list[dict[str, Any]]:
        """Send ``text`` and wait for ``replies`` new bot messages; return them."""
        before = len(self.api.sent(self.chat_id))
        self.api.send_text(self.user, text, self.chat_id)
        await self.api.wait_for(lambda a: len(a.sent(self.chat_id)) >= before + replies)
        return [m for _mid, m in self.bot_messages()[-replies:]]

    async def press(self, message_id: int, data: str, replies: int = 0, old: bool = False) -> str:
        """Press a button; wait for its toast (and ``replies`` new messages); return the toast."""
        before = len(self.api.sent(self.chat_id))
        query = self.api.press(self.user, self.chat_id, message_id, data, old=old)
        await self.api.wait_for(lambda a: bool(a.toasts(query)))
        if replies:
            await self.api.wait_for(lambda a: len(a.sent(self.chat_id)) >= before + replies)
        return self.api.toasts(query)[0]

    @staticmethod
    def question_in(catalogue: Catalogue, text: str) -> Question:
        """The bank question a message shows."""
        for question in catalogue.questions.values():
            if question.text in text:
                return question
        raise AssertionError(f"no known question in {text!r}")

    async def answer(self, catalogue: Catalogue, right: bool) -> Question:
        """Answer the question in the bot's last message, rightly or wrongly, and wait for
        what follows it: the next question or the round's summary."""
        message_id, message = self.last()
        question = self.question_in(catalogue, message["text"])
        before = len(self.bot_messages())
        if question.type is QuestionType.OPEN:
            self.api.send_text(
                self.user, question.accepted[0] if right else "不知道", self.chat_id
            )
        else:
            picked = set(question.answer)
            if not right:
                picked = {(min(picked) + 1) % question.option_count}
            if question.type is QuestionType.MULTIPLE:
                for index in sorted(picked):
                    await self.tick(message_id, LETTERS[index])
                data = next(d for _label, d in self.buttons(message_id) if d.startswith("a:"))
            else:
                data = self.buttons(message_id)[min(picked)][1]
            await self.press(message_id, data)
        await self.api.wait_for(
            lambda a: any(
                NEXT.search(m.get("text", "")) for _mid, m in self.bot_messages()[before:]
            )
        )
        return question

    async def tick(self, message_id: int, letter: str) -> None:
        """Tick one option of a multiple-choice keyboard and wait for the new keyboard."""
        data = next(d for label, d in self.buttons(message_id) if label.endswith(" " + letter))
        edits = len(self.api.sent(self.chat_id, "editMessageReplyMarkup"))
        await self.press(message_id, data)
        await self.api.wait_for(
            lambda a: len(a.sent(self.chat_id, "editMessageReplyMarkup")) > edits
        )


class GroupPlayer(Player):
    """A player in a group contest: answers by the contest's buttons."""

    def question_message(self) -> tuple[int, dict[str, Any]]:
        """The latest contest question message with buttons."""
        for message_id, message in reversed(self.bot_messages()):
            if any(d.startswith(("c:", "k:")) for _l, d in self.buttons(message_id)):
                return message_id, message
        raise AssertionError("no contest question with buttons")

    async def contest_answer(self, catalogue: Catalogue, right: bool) -> str:
        """Answer the open contest question by button; returns the toast."""
        message_id, message = self.question_message()
        question = self.question_in(catalogue, message["text"])
        picked = set(question.answer)
        if not right:
            picked = {(min(picked) + 1) % question.option_count}
        buttons = self.buttons(message_id)
        if question.type is QuestionType.MULTIPLE:
            for index in sorted(picked):
                await self.press(message_id, buttons[index][1])
            submit = next(d for _l, d in buttons if d.startswith("c:"))
            return await self.press(message_id, submit)
        return await self.press(message_id, buttons[min(picked)][1])
