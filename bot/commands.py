"""The one table of chat commands: each command's name, where it works, and who sees it.

The Telegram handlers, the command menus on phones (``set_my_commands`` per scope and
language), /help, and the console's dispatch are all generated from :data:`COMMANDS`. A
command's menu line is the text ``cmd_<name>`` in each language (``bot/texts``).

Adding a command: one row here, ``cmd_<name>`` in every language, and one handler —
``@command("<name>")`` in the Telegram front end, and ``@console_command("<name>")`` in
the console if the row says ``console=True``. The tests check that nothing is missing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["COMMANDS", "Command", "Where", "find", "visible"]


class Where(enum.Flag):
    """Where a command works, and so which menus and help list it."""

    PRIVATE = enum.auto()  #: anyone, in a private chat with the bot
    GROUP = enum.auto()  #: anyone, in a group
    ADMIN = enum.auto()  #: a group's administrators (and listed organizers), in the group
    ORGANIZER = enum.auto()  #: listed organizers (QUIZBOT_ADMINS), in a private chat


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    where: Where
    #: The console offers it too (what makes sense for one person at a terminal).
    console: bool = False


P, G, A, ORG = Where.PRIVATE, Where.GROUP, Where.ADMIN, Where.ORGANIZER

#: Every command, in the order menus and /help list them.
COMMANDS: list[Command] = [
    Command("start", P, console=True),
    Command("quiz", P, console=True),
    Command("topics", P, console=True),
    Command("review", P, console=True),
    Command("daily", P | G, console=True),
    Command("progress", P, console=True),
    Command("score", P, console=True),
    Command("leaderboard", P | G, console=True),
    Command("stop", P | A, console=True),
    Command("subscribe", P | A),
    Command("myrank", P | G),
    Command("results", P),
    Command("lang", P, console=True),
    Command("help", P | G, console=True),
    Command("contest", A),
    Command("go", A),
    Command("pause", A),
    Command("resume", A),
    Command("skip", A),
    Command("timezone", A),
    Command("reload", ORG),
    Command("stats", ORG, console=True),
    Command("chart", ORG),
    Command("review_faq", ORG),
]


# Read COMMANDS at call time (not ``from bot.commands import COMMANDS``), so a test that adds
# a row sees it everywhere.


def find(name: str) -> Command | None:
    """The command called ``name``, if there is one."""
    return next((c for c in COMMANDS if c.name == name), None)


def visible(where: Where, *, console: bool = False) -> list[Command]:
    """The commands that work in any of the places ``where`` (those of the console only)."""
    return [c for c in COMMANDS if c.where & where and (c.console or not console)]
