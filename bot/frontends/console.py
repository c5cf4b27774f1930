"""The console front end: the same engine in a terminal, with numbered options for buttons.

Reads lines until the end of input, so it can be scripted with a pipe::

    printf '/quiz\\n1\\n/score\\n' | quizbot console
"""

from __future__ import annotations

import asyncio
import getpass
from typing import TextIO

from bot.domain.faq import Outcome
from bot.domain.models import Question, QuestionType, User
from bot.domain.quiz import Response
from bot.engine import AnswerResult, Engine, QuestionView, Rejected
from bot.learning import Learning, NothingDue
from bot.texts import LANGUAGES, t
from bot.views import (
    render_achievements,
    render_daily,
    render_faq,
    render_feedback,
    render_leaderboard,
    render_nothing_due,
    render_progress,
    render_question,
    render_score,
    render_summary,
)

__all__ = ["Console", "CONSOLE_USER_ID"]

#: The console's player in the database (Telegram user ids are positive).
CONSOLE_USER_ID = 0


class Console:
    """One player at a terminal."""

    def __init__(
        self, engine: Engine, stdin: TextIO, stdout: TextIO, language: str = "zh"
    ) -> None:
        self.engine = engine
        self.learning = Learning(engine)
        self.daily: tuple[int, str, Question] | None = None
        self.stdin = stdin
        self.stdout = stdout
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no user name in a bare container
            name = "console"
        self.user = User(CONSOLE_USER_ID, name, None, language)
        self.pending: QuestionView | None = None
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
            command, _, argument = line[1:].partition(" ")
            return await self.command(command.lower(), argument.strip())
        if line.startswith("?") and line[1:].strip().isdigit():
            self.show_suggestion(int(line[1:].strip()))
        elif self.daily is not None:
            await self.answer_daily(line)
        elif self.pending is not None and (
            self.pending.question.type is QuestionType.OPEN or any(ch.isdigit() for ch in line)
        ):
            await self.answer(line)
        else:
            await self.ask(line)
        return True

    async def command(self, command: str, argument: str) -> bool:
        if command in ("quit", "exit", "q"):
            return False
        if command == "start":
            self.say(t(self.lang, "welcome", name=self.user.name))
        elif command == "help":
            self.say(t(self.lang, "help"))
        elif command == "topics":
            topics = self.engine.topics(self.lang)
            lines = [t(self.lang, "topics_header")] + [
                t(self.lang, "topic_line", index=i, title=topic.title, count=topic.count)
                for i, topic in enumerate(topics, start=1)
            ]
            self.say("\n".join(lines) if topics else t(self.lang, "no_topics"))
        elif command == "quiz":
            view = await self.engine.start_quiz(self.user, CONSOLE_USER_ID, argument or None)
            if view is None and not argument:
                self.say(t(self.lang, "no_topics"))
            elif view is None:
                self.say(t(self.lang, "topic_not_found", topic=argument))
            else:
                self.show(view)
        elif command == "stop":
            summary = await self.engine.stop_quiz(self.user.id)
            self.pending = None
            self.say(
                render_summary(summary, self.lang, stopped=True)
                if summary
                else t(self.lang, "no_round")
            )
        elif command == "review":
            result = await self.learning.start_review(self.user, CONSOLE_USER_ID)
            if isinstance(result, NothingDue):
                self.say(render_nothing_due(result, self.lang, self.engine.tz))
            else:
                self.show(result)
        elif command == "daily":
            await self.show_daily()
        elif command == "progress":
            self.say(await self.progress())
        elif command == "score":
            self.say(render_score(await self.engine.score(self.user.id), self.lang))
        elif command == "leaderboard":
            self.say(render_leaderboard(await self.engine.leaderboard(), self.lang))
        elif command == "lang":
            if argument in LANGUAGES:
                self.user = await self.engine.set_language(self.user, argument)
                self.say(t(self.lang, "lang_set"))
            else:
                self.say(t(self.lang, "lang_usage"))
        else:
            self.say(t(self.lang, "help"))
        return True

    async def show_daily(self) -> None:
        daily = await self.learning.daily(self.user)
        if daily is None:
            self.say(t(self.lang, "daily_none"))
        elif daily.answered:
            self.say(t(self.lang, "daily_done"))
        else:
            self.daily = (daily.day.toordinal(), daily.language, daily.question)
            self.say(render_daily(daily.question, daily.day.isoformat(), self.lang, numbered=True))

    async def answer_daily(self, line: str) -> None:
        assert self.daily is not None
        ordinal, language, question = self.daily
        response = self.parse_pick(line, QuestionView(0, 0, 1, question))
        if response is None:
            self.say(t(self.lang, "console_bad_pick", count=question.option_count))
            return
        self.daily = None
        result = await self.learning.answer_daily(
            self.user, CONSOLE_USER_ID, ordinal, language, response
        )
        if isinstance(result, Rejected):
            self.say(t(self.lang, f"rejected_{result.reason}"))
        else:
            self.say(render_feedback(result, self.lang))
            for line_ in render_achievements(result.earned, self.lang):
                self.say(line_)

    async def progress(self) -> str:
        topics, earned = await self.learning.progress_report(self.user)
        return render_progress(topics, earned, self.lang)

    def show(self, view: QuestionView) -> None:
        self.pending = view
        self.say(render_question(view, self.lang, numbered=True))

    def parse_pick(self, line: str, view: QuestionView) -> Response | None:
        question = view.question
        if question.type is QuestionType.OPEN:
            return line
        count = question.option_count
        parts = line.replace("，", ",").replace(" ", ",").split(",")
        try:
            picked = frozenset(int(p) - 1 for p in parts if p)
        except ValueError:
            return None
        if not picked or any(not 0 <= i < count for i in picked):
            return None
        if question.type is not QuestionType.MULTIPLE and len(picked) != 1:
            return None
        return picked

    async def answer(self, line: str) -> None:
        view = self.pending
        assert view is not None
        response = self.parse_pick(line, view)
        if response is None:
            self.say(t(self.lang, "console_bad_pick", count=view.question.option_count))
            return
        result = await self.engine.answer(self.user.id, view.round_id, view.position, response)
        if isinstance(result, Rejected):
            self.pending = await self.engine.current(self.user.id)
            self.say(t(self.lang, f"rejected_{result.reason}"))
            return
        self.report(result)

    def report(self, result: AnswerResult) -> None:
        self.say(render_feedback(result, self.lang))
        for line in render_achievements(result.earned, self.lang):
            self.say(line)
        self.pending = None
        if result.next is not None:
            self.show(result.next)
        elif result.summary is not None:
            self.say(render_summary(result.summary, self.lang))

    async def ask(self, text: str) -> None:
        decision = await self.engine.ask(self.user, CONSOLE_USER_ID, text)
        if decision.outcome is Outcome.ANSWERED and decision.best:
            self.say(render_faq(decision.best.entry, self.lang))
        elif decision.outcome is Outcome.SUGGESTED:
            self.suggestions = [hit.entry.id for hit in decision.suggestions]
            lines = [t(self.lang, "faq_suggest")] + [
                t(self.lang, "console_suggestion", index=i, question=hit.entry.questions[0])
                for i, hit in enumerate(decision.suggestions, start=1)
            ]
            lines.append(t(self.lang, "console_suggest_hint"))
            self.say("\n".join(lines))
        else:
            self.say(t(self.lang, "faq_none"))

    def show_suggestion(self, index: int) -> None:
        if not 1 <= index <= len(self.suggestions):
            self.say(t(self.lang, "faq_gone"))
            return
        entry = self.engine.faq_entry(self.suggestions[index - 1])
        self.say(render_faq(entry, self.lang) if entry else t(self.lang, "faq_gone"))
