"""The table of commands and the language registry hold: every command has its handlers and
its texts in every language, and a new command or language follows into the menus, /help and
the console by itself (the checklists of docs/architecture.md)."""

from __future__ import annotations

import io
import re
import string
import sys
import types
from collections.abc import Iterator

import pytest
from telegram import Update

from bot import commands as table
from bot.commands import COMMANDS, Command, Where
from bot.config import Settings
from bot.domain import languages
from bot.domain.learning import ACHIEVEMENTS
from bot.domain.refusals import Refusal, Refused
from bot.frontends import console as console_module
from bot.frontends.console import CONSOLE_HANDLERS, Console
from bot.frontends.telegram import app  # noqa: F401 - registers every Telegram handler
from bot.frontends.telegram.common import HANDLERS, command, safe_send
from bot.frontends.telegram.context import QuizContext
from bot.runtime import Runtime
from bot.texts import coverage, t
from bot.texts import table as texts_of
from tests.conftest import running_bot
from tests.fakebotapi import FakeBotApi, TgUser
from tests.players import Player


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def every_key() -> set[str]:
    return set(texts_of(languages.DEFAULT))


def test_every_command_has_its_handlers_and_a_menu_line_in_every_language() -> None:
    for entry in COMMANDS:
        assert re.fullmatch(r"[a-z0-9_]{1,32}", entry.name), entry.name
        assert entry.name in HANDLERS, f"/{entry.name} has no Telegram handler"
        if entry.console:
            assert entry.name in CONSOLE_HANDLERS, f"/{entry.name} has no console handler"
        for code in languages.codes():
            line = texts_of(code).get(f"cmd_{entry.name}")
            assert line and 1 <= len(line) <= 256, (code, entry.name)  # Telegram's limits
    assert set(HANDLERS) == {c.name for c in COMMANDS}  # and no handler without a row


def test_every_language_has_every_text_with_the_same_placeholders() -> None:
    assert coverage(every_key()) == {code: set() for code in languages.codes()}
    default = texts_of(languages.DEFAULT)
    for code in languages.codes():
        for key, template in texts_of(code).items():
            assert key in default, (code, key)
            assert fields(template) == fields(default[key]), (code, key)


def test_every_refusal_and_achievement_has_its_text() -> None:
    keys = {Refused(reason).key for reason in Refusal}
    keys |= {f"achievement_{c}_{part}" for c in ACHIEVEMENTS for part in ("title", "meaning")}
    assert coverage(keys) == {code: set() for code in languages.codes()}


def test_a_missing_text_is_reported() -> None:
    """The coverage check itself can fail."""
    assert coverage({"no_such_key"}) == {code: {"no_such_key"} for code in languages.codes()}


def test_help_lists_what_works_where() -> None:
    from bot.views import render_help

    private = render_help("zh", Where.PRIVATE)
    group = render_help("zh", Where.GROUP | Where.ADMIN)
    assert "/myrank" in private and "/results" in private and "/contest —" not in private
    assert "/contest —" in group and "/quiz —" not in group
    assert "/reload" in render_help("zh", Where.PRIVATE | Where.ORGANIZER)


# --- a throwaway command and language, added the way the checklists say ------------------

XX = languages.Language("xx", "Xx", ("xx",))


@pytest.fixture
def throwaway(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """/ping (one row, one Telegram handler, one console handler) and language xx (one texts
    module, one registry line), gone again after the test."""
    texts = {key: f"⟪xx⟫ {value}" for key, value in texts_of("en").items()}
    texts["cmd_ping"] = "⟪xx⟫ Pong"
    module = types.ModuleType("bot.texts.xx")
    module.TEXTS = texts  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bot.texts.xx", module)
    for code, line in (("zh", "乒"), ("en", "Pong")):
        monkeypatch.setitem(texts_of(code), "cmd_ping", line)  # type: ignore[arg-type]
    monkeypatch.setattr(table, "COMMANDS", [*COMMANDS, Command("ping", Where.PRIVATE, True)])

    @command("ping")
    async def on_ping(update: Update, context: QuizContext) -> None:
        assert update.effective_chat is not None
        await safe_send(context, update.effective_chat.id, "pong")

    async def console_ping(self: Console, argument: str) -> None:
        self.say("pong")

    monkeypatch.setitem(CONSOLE_HANDLERS, "ping", console_ping)
    languages.register(XX)
    try:
        yield
    finally:
        languages.unregister("xx")
        HANDLERS.pop("ping", None)
        from bot import texts as texts_package

        texts_package._TABLES.pop("xx", None)


async def test_a_new_command_and_language_reach_menus_help_and_console(
    throwaway: None, api: FakeBotApi, settings: Settings, runtime: Runtime
) -> None:
    xena = TgUser(3001, "Xena", language_code="xx-YY")
    async with running_bot(api, settings):
        player = Player(api, xena)
        (help_reply,) = await player.say("/help")
        (pong,) = await player.say("/ping")
    menus = api.sent(method="setMyCommands")
    assert "xx" in {c.params.get("language_code") for c in menus}
    for call in menus:
        names = [c["command"] for c in call.params["commands"]]
        if call.params["scope"]["type"] == "all_private_chats":
            assert "ping" in names
    xx_private = next(
        c
        for c in menus
        if c.params.get("language_code") == "xx"
        and c.params["scope"]["type"] == "all_private_chats"
    )
    assert {"command": "ping", "description": "⟪xx⟫ Pong"} in xx_private.params["commands"]
    assert help_reply["text"].startswith("⟪xx⟫") and "/ping — ⟪xx⟫ Pong" in help_reply["text"]
    assert pong["text"] == "pong"
    # The console follows the same table.
    out = io.StringIO()
    await Console(runtime, io.StringIO("/help\n/ping\n"), out, language="xx").run()
    assert "/ping — ⟪xx⟫ Pong" in out.getvalue() and "\npong\n" in out.getvalue()
    assert t("xx", "lang_set").startswith("⟪xx⟫")
    assert console_module.find("ping") is not None
    # The coverage check covers the new language: a key it lacks is reported.
    del sys.modules["bot.texts.xx"].TEXTS["lang_set"]  # type: ignore[attr-defined]
    assert coverage(every_key())["xx"] == {"lang_set"}
