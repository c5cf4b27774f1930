"""The console front end: the same services in a terminal, with numbered options for buttons.

Reads lines until the end of input, so it can be scripted with a pipe::

    printf '/quiz\\n1\\n/score\\n' | quizbot console

Its commands are those of the table (:mod:`bot.commands`) marked for the console, each
handled by a method decorated with :func:`console_command`; /quit ends the session.
"""

from __future__ import annotations

import asyncio
import getpass
import re
from collections.abc import Awaitable, Callable
from typing import TextIO

from bot.commands import Where, find
from bot.domain.args import bounded, is_digits, malformed_number
from bot.domain.faq import MAX_SUGGESTIONS, Outcome
from bot.domain.models import Question, User
from bot.domain.quiz import Response
from bot.domain.refusals import Refused
from bot.engine import AnswerResult, QuestionView
from bot.faq_desk import FaqReply
from bot.learning import NothingDue
from bot.runtime import Runtime
from bot.stats import MIN_ATTEMPTS
from bot.texts import t, table
from bot.views import (
    render_achievements,
    render_daily,
    render_faq,
    render_feedback,
    render_help,
    render_leaderboard,
    render_nothing_due,
    render_progress,
    render_question,
    render_score,
    render_summary,
    topic_label,
    topic_sections,
)

__all__ = ["CONSOLE_USER_ID", "Console", "console_command"]

#: The console's player in the database (Telegram user ids are positive).
CONSOLE_USER_ID = 0
#: A line that picks options by number: "2", "1,3", "1 3".
_PICKS = re.compile(r"[0-9\s,，]+")

Method = Callable[["Console", str], Awaitable[None]]
#: The console's handler of each command, by name.
CONSOLE_HANDLERS: dict[str, Method] = {}


def console_command(name: str) -> Callable[[Method], Method]:
    """Register the decorated method as the console's handler of the command ``name``."""

    def register(method: Method) -> Method:
        CONSOLE_HANDLERS[name] = method
        return method

    return register


class Console:
    """One player at a terminal."""

    def __init__(
        self, runtime: Runtime, stdin: TextIO, stdout: TextIO, language: str = "zh"
    ) -> None:
        self.runtime = runtime
        self.engine = runtime.engine
        self.learning = runtime.learning
        self.daily: tuple[int, str, Question] | None = None
        self.stdin = stdin
        self.stdout = stdout
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no user name in a bare container
            name = "console"
        self.user = User(CONSOLE_USER_ID, name, None, language)
        self.pending: QuestionView | None = None
        self.suggested: int | None = None  # the query the suggestions were for
        self.suggestions: list[str] = []

    @property
    def lang(self) -> str:
        return self.user.language

    def say(self, text: str) -> None:
        self.stdout.write(text.rstrip("\n") + "\n\n")
        self.stdout.flush()

    async def run(self) -> None:
        """Read and handle lines until the end of input or /quit."""
        self.user = await self.engine.see_user(self.user)
        self.say(t(self.lang, "console_intro"))
        self.pending = await self.engine.current(self.user.id)
        if self.pending:
            self.say(render_question(self.pending, self.lang, numbered=True))
        while True:
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                break
            if not await self.handle(line.strip()):
                break
        self.say(t(self.lang, "console_bye"))

    async def handle(self, line: str) -> bool:
        """Handle one line; False ends the session."""
        if not line:
            return True
        if line.startswith("/"):
            name, _, argument = line[1:].partition(" ")
            name = name.lower()
            if name in ("quit", "exit", "q"):
                return False
            entry = find(name)
            handler = CONSOLE_HANDLERS.get(name) if entry and entry.console else None
            await (handler or Console.cmd_help)(self, argument.strip())
            return True
        if line.startswith("?") and is_digits(line[1:].strip()):
            await self.show_suggestion(bounded(line[1:].strip(), 1, MAX_SUGGESTIONS) or 0)
        elif self.daily is not None:
            await self.answer_daily(line)
        elif (
            self.pending is not None
            and not self.pending.question.rules.typed
            and (_PICKS.fullmatch(line))
        ):
            await self.answer(line)
        else:
            await self.text(line)
        return True

    # --- commands -----------------------------------------------------------------------

    @console_command("help")
    async def cmd_help(self, argument: str) -> None:
        # The person at the terminal runs the bot: its organizer too.
        self.say(render_help(self.lang, Where.PRIVATE | Where.ORGANIZER, console=True))

    @console_command("start")
    async def cmd_start(self, argument: str) -> None:
        self.say(t(self.lang, "welcome", name=self.user.name))

    @console_command("topics")
    async def cmd_topics(self, argument: str) -> None:
        topics = self.engine.topics(self.lang)
        if not topics:
            self.say(t(self.lang, "no_topics"))
        for header, numbered in topic_sections(topics, self.lang):
            lines = [header] + [topic_label(i, topic, self.lang) for i, topic in numbered]
            self.say("\n".join(lines))

    @console_command("quiz")
    async def cmd_quiz(self, argument: str) -> None:
        if malformed_number(argument):
            self.say(t(self.lang, "quiz_usage"))
            return
        view = await self.engine.start_quiz(self.user, CONSOLE_USER_ID, argument or None)
        if view is None and not argument:
            self.say(t(self.lang, "no_topics"))
        elif view is None:
            self.say(t(self.lang, "topic_not_found", topic=argument))
        else:
            self.show(view)

    @console_command("stop")
    async def cmd_stop(self, argument: str) -> None:
        summary = await self.engine.stop_quiz(self.user.id)
        self.pending = None
        self.say(
            render_summary(summary, self.lang, stopped=True)
            if summary
            else t(self.lang, "no_round")
        )

    @console_command("review")
    async def cmd_review(self, argument: str) -> None:
        result = await self.learning.start_review(self.user, CONSOLE_USER_ID)
        if isinstance(result, NothingDue):
            self.say(render_nothing_due(result, self.lang, self.engine.tz))
        else:
            self.show(result)

    @console_command("daily")
    async def cmd_daily(self, argument: str) -> None:
        daily = await self.learning.daily(self.user)
        if daily is None:
            self.say(t(self.lang, "daily_none"))
        elif daily.answered:
            self.say(t(self.lang, "daily_done"))
        else:
            self.daily = (daily.day.toordinal(), daily.language, daily.question)
            self.say(render_daily(daily.question, daily.day.isoformat(), self.lang, numbered=True))

    @console_command("progress")
    async def cmd_progress(self, argument: str) -> None:
        topics, earned = await self.learning.progress_report(self.user)
        self.say(render_progress(topics, earned, self.lang))

    @console_command("score")
    async def cmd_score(self, argument: str) -> None:
        self.say(render_score(await self.engine.score(self.user.id), self.lang))

    @console_command("leaderboard")
    async def cmd_leaderboard(self, argument: str) -> None:
        self.say(render_leaderboard(await self.engine.leaderboard(), self.lang))

    @console_command("lang")
    async def cmd_lang(self, argument: str) -> None:
        changed = await self.engine.choose_language(self.user, argument)
        if changed is None:
            self.say(t(self.lang, "lang_usage"))
        else:
            self.user = changed
            self.say(t(self.lang, "lang_set"))

    @console_command("stats")
    async def cmd_stats(self, argument: str) -> None:
        """How questions perform: the person at the terminal runs the bot, so is its organizer."""
        banks = await self.runtime.stats.questions()
        lines = [t(self.lang, "stats_header", min=MIN_ATTEMPTS)]
        if not banks:
            lines.append(t(self.lang, "stats_no_answers"))
        for bank in banks:
            lines.append(
                t(
                    self.lang,
                    "stats_bank",
                    title=bank.title,
                    attempts=bank.attempts,
                    share=f"{bank.share_right:.0%}",
                )
            )
        self.say("\n".join(lines))

    # --- answers and questions ---------------------------------------------------------

    async def answer_daily(self, line: str) -> None:
        assert self.daily is not None
        ordinal, language, question = self.daily
        response = self.parse_pick(line, question)
        if response is None:
            self.say(t(self.lang, "console_bad_pick", count=question.option_count))
            return
        self.daily = None
        result = await self.learning.answer_daily(
            self.user, CONSOLE_USER_ID, ordinal, language, question.id, response
        )
        if isinstance(result, Refused):
            self.say(t(self.lang, result.key))
        else:
            self.say(render_feedback(result, self.lang, numbered=True))
            for line_ in render_achievements(result.earned, self.lang):
                self.say(line_)

    def show(self, view: QuestionView) -> None:
        self.pending = view
        self.say(render_question(view, self.lang, numbered=True))

    @staticmethod
    def parse_pick(line: str, question: Question) -> Response | None:
        """Numbered picks (the console's buttons) as a response, or None if they name none."""
        if question.rules.typed:
            return line
        count = question.option_count
        parts = line.replace("，", ",").replace(" ", ",").split(",")
        try:
            picked = frozenset(int(p) - 1 for p in parts if p)
        except ValueError:
            return None
        if not picked or any(not 0 <= i < count for i in picked):
            return None
        if not question.rules.many and len(picked) != 1:
            return None
        return picked

    async def answer(self, line: str) -> None:
        view = self.pending
        assert view is not None
        response = self.parse_pick(line, view.question)
        if response is None:
            self.say(t(self.lang, "console_bad_pick", count=view.question.option_count))
            return
        result = await self.engine.answer(self.user.id, view.round_id, view.position, response)
        if isinstance(result, Refused):
            self.pending = await self.engine.current(self.user.id)
            self.say(t(self.lang, result.key))
            return
        self.report(result)

    def report(self, result: AnswerResult) -> None:
        self.say(render_feedback(result, self.lang, numbered=True))
        for line in render_achievements(result.earned, self.lang):
            self.say(line)
        self.pending = None
        if result.next is not None:
            self.show(result.next)
        elif result.summary is not None:
            self.say(render_summary(result.summary, self.lang))

    async def text(self, line: str) -> None:
        """Plain text: a typed answer or an FAQ question, by the engine's one rule."""
        reply = await self.engine.reply_to_text(self.user, CONSOLE_USER_ID, line)
        if isinstance(reply, Refused):
            self.pending = await self.engine.current(self.user.id)
            self.say(t(self.lang, reply.key))
        elif isinstance(reply, AnswerResult):
            self.report(reply)
        else:
            self.show_reply(reply)

    def show_reply(self, reply: FaqReply) -> None:
        decision = reply.decision
        if decision.outcome is Outcome.ANSWERED and decision.best:
            self.say(render_faq(decision.best.entry, self.lang))
        elif decision.outcome is Outcome.SMALLTALK:
            key = f"smalltalk_{decision.smalltalk}"
            # The console has no buttons: its own words where the chat's mention them.
            console_key = f"{key}_console"
            self.say(t(self.lang, console_key if console_key in table(self.lang) else key))
        elif decision.outcome is Outcome.SUGGESTED:
            self.suggested = reply.query_id
            self.suggestions = [hit.entry.id for hit in decision.suggestions]
            lines = [t(self.lang, "faq_suggest")] + [
                t(self.lang, "console_suggestion", index=i, question=hit.entry.questions[0])
                for i, hit in enumerate(decision.suggestions, start=1)
            ]
            lines.append(t(self.lang, "console_suggest_hint"))
            self.say("\n".join(lines))
        else:
            self.say(t(self.lang, "faq_none"))

    async def show_suggestion(self, index: int) -> None:
        """ "?2" picks the second "did you mean" (recorded, as a tap on its button is)."""
        if self.suggested is None or not 1 <= index <= len(self.suggestions):
            self.say(t(self.lang, "faq_gone"))
            return
        picked = await self.runtime.faq.pick(self.user, self.suggested, index - 1)
        self.say(
            t(self.lang, "faq_gone")
            if isinstance(picked, Refused)
            else render_faq(picked, self.lang)
        )
