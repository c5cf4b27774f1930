"""The typed context every handler gets: ``context.runtime`` instead of string keys.

After python-telegram-bot's examples/contexttypesbot.py: the Application is built with
``ContextTypes(context=QuizContext, bot_data=BotData)``, so a handler reaches the services
through typed attributes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.domain.flood import FloodGuard
from bot.health import Heartbeat
from bot.runtime import Runtime

__all__ = ["CONTEXT_TYPES", "AdminCache", "BotData", "Handler", "QuizContext"]

#: How long a group admin check is trusted.
ADMIN_TTL = 300.0


class AdminCache:
    """Recent answers to "is this user an admin of that group?"."""

    def __init__(self, ttl: float = ADMIN_TTL) -> None:
        self.ttl = ttl
        self._seen: dict[tuple[int, int], tuple[float, bool]] = {}

    def get(self, chat_id: int, user_id: int) -> bool | None:
        found = self._seen.get((chat_id, user_id))
        if found is None or time.monotonic() - found[0] >= self.ttl:
            return None
        return found[1]

    def put(self, chat_id: int, user_id: int, allowed: bool) -> None:
        self._seen[(chat_id, user_id)] = (time.monotonic(), allowed)


class BotData:
    """What the Application keeps for every handler (python-telegram-bot's ``bot_data``)."""

    def __init__(self) -> None:
        self._runtime: Runtime | None = None
        self.flood = FloodGuard()
        self.admins = AdminCache()
        #: Written on each contact with Telegram once the services have started.
        self.heartbeat: Heartbeat | None = None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("the Application was built without a runtime")
        return self._runtime

    @runtime.setter
    def runtime(self, runtime: Runtime) -> None:
        self._runtime = runtime


class QuizContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context of every handler and job: the bot, and the runtime's services."""

    @property
    def runtime(self) -> Runtime:
        return self.bot_data.runtime


CONTEXT_TYPES = ContextTypes(context=QuizContext, bot_data=BotData)

#: A handler, as python-telegram-bot calls it.
Handler = Callable[[Update, QuizContext], Coroutine[Any, Any, None]]
#: The Application, with our context types.
QuizApplication = Application[
    ExtBot[None], QuizContext, dict[Any, Any], dict[Any, Any], BotData, Any
]
