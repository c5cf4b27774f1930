"""Faults from Telegram, injected by the fake Bot API: the bot keeps going and loses nothing."""

from __future__ import annotations

import logging

import pytest

from bot.config import Settings
from tests.conftest import FakeClock, FakeScheduler, naps, running_bot
from tests.fakebotapi import FakeBotApi, TgUser
from tests.players import GroupPlayer, Player

ANN = TgUser(2001, "Ann")
BEN = TgUser(2002, "Ben")
GROUP = -100777
ADMIN = TgUser(2003, "Admin")


async def test_a_user_who_blocked_the_bot_is_marked_and_others_are_served(
    api: FakeBotApi, settings: Settings
):
    async with running_bot(api, settings) as (_app, runtime):
        await Player(api, ANN).say("/start")
        api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
        api.send_text(ANN, "/help")
        await api.wait_for(lambda a: not a.faults["sendMessage"])
        (reply,) = await Player(api, BEN).say("/help")
        blocked = await runtime.db.fetchone("SELECT blocked FROM users WHERE id = ?", (ANN.id,))
        # Ann comes back: she is no longer marked.
        await Player(api, ANN).say("/start")
        back = await runtime.db.fetchone("SELECT blocked FROM users WHERE id = ?", (ANN.id,))
    assert blocked["blocked"] == 1 and back["blocked"] == 0
    assert "How to use me" in reply["text"] or "可以这样用我" in reply["text"]


async def test_retry_after_makes_every_request_wait_as_told(api: FakeBotApi, settings: Settings):
    async with running_bot(api, settings):
        api.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
        api.send_text(ANN, "/help")
        calls = await api.wait_calls("sendMessage", 2, ANN.id)  # refused, then sent
    assert naps.taken == [pytest.approx(7.1)]
    assert calls[0].text == calls[1].text and "可以这样用我" in calls[1].text
    assert len(Player(api, ANN).bot_messages()) == 1


async def test_network_errors_are_retried_with_back_off(api: FakeBotApi, settings: Settings):
    async with running_bot(api, settings):
        api.drop("sendMessage", times=2)
        api.send_text(ANN, "/help")
        await api.wait_calls("sendMessage", 3, ANN.id)
        ann = Player(api, ANN)
        await api.wait_for(lambda a: bool(ann.bot_messages()))
    assert naps.taken == [0.5, 1.0]
    assert [m["text"][:6] for _, m in ann.bot_messages()] == ["可以这样用我"]


async def test_a_message_that_timed_out_is_not_sent_twice(api: FakeBotApi, settings: Settings):
    """Telegram slow, not down: the message it was late to confirm is posted once."""
    async with running_bot(api, settings, request_timeout=0.3):
        api.hang("sendMessage", seconds=1.0)
        api.send_text(ANN, "/help")
        ann = Player(api, ANN)
        await api.wait_for(lambda a: bool(ann.bot_messages()))
        (reply,) = await ann.say("/score")  # and the bot carries on
    assert naps.taken == []  # no retry
    assert len(api.sent(ANN.id, "sendMessage")) == 2
    assert [m["text"][:6] for _, m in ann.bot_messages()][0] == "可以这样用我"
    assert reply["text"]


async def test_an_edit_that_timed_out_is_retried(api: FakeBotApi, settings: Settings):
    """An edit sent again changes nothing twice: it is retried after a timeout."""
    async with running_bot(api, settings, request_timeout=0.3) as (_app, runtime):
        ann = Player(api, ANN)
        await ann.say("/quiz")
        api.hang("editMessageText", seconds=1.0)
        await ann.answer(runtime.engine.catalogue, right=True)
        await api.wait_calls("editMessageText", 2, ANN.id)
    assert naps.taken == [0.5]


async def test_edits_that_are_not_modified_or_gone_are_ignored(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    api.admins[GROUP] = {ADMIN.id}
    admin = GroupPlayer(api, ADMIN, GROUP)
    ann = GroupPlayer(api, ANN, GROUP)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        await admin.say("/contest 2 10")
        await admin.say("/go")
        await ann.contest_answer(runtime.engine.catalogue, right=True)
        api.fail(
            "editMessageText",
            400,
            "Bad Request: message is not modified: specified new "
            "message content and reply markup are exactly the same",
        )
        await scheduler.advance(3)  # the answer count refresh hits "not modified"
        api.fail("editMessageText", 400, "Bad Request: message to edit not found")
        await scheduler.advance(7)  # the reveal hits "not found" (someone deleted it)
        await scheduler.advance(6)
        second = ann.question_message()[1]["text"]
        await ann.contest_answer(runtime.engine.catalogue, right=True)
        await scheduler.advance(30)
        rows = await runtime.db.fetchone("SELECT COUNT(*) AS n FROM answers")
    assert "第 2/2 题" in second
    assert rows["n"] == 2
    assert "🥇 Ann" in api.sent(GROUP)[-1].text


async def test_a_failing_update_is_logged_with_the_update_and_never_the_token(
    api: FakeBotApi, settings: Settings, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    async with running_bot(api, settings):
        api.fail("sendMessage", 400, "Bad Request: chat not found")
        api.send_text(ANN, "/help")
        await api.wait_for(lambda a: not a.faults["sendMessage"])
        api.drop("sendMessage", times=3)
        api.drop("sendMessage")  # a fourth drop: the back-off gives up
        api.send_text(ANN, "/score")
        await api.wait_for(lambda a: not a.faults["sendMessage"])
        (reply,) = await Player(api, BEN).say("/help")  # still serving
        await api.wait_for(
            lambda a: any(
                "update failed" in r.getMessage()
                for r in caplog.records
                if "score" in r.getMessage()
            )
        )
    failures = [r for r in caplog.records if r.getMessage().startswith("update failed")]
    assert any('"text": "/help"' in r.getMessage() for r in failures)
    assert any(r.exc_info and "chat not found" in str(r.exc_info[1]).lower() for r in failures)
    assert "可以这样用我" in reply["text"]
    secret = api.token.split(":", 1)[1]
    for record in caplog.records:
        text = record.getMessage() + (
            logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
        )
        assert secret not in text, text


async def test_a_flooding_user_gets_one_notice_then_silence(
    api: FakeBotApi, settings: Settings, clock: FakeClock
):
    from dataclasses import replace

    ann, ben = Player(api, ANN), Player(api, BEN)
    async with running_bot(api, replace(settings, flood_limit=5), clock):
        for _ in range(5):
            await ann.say("/help")
        (notice,) = await ann.say("/help")
        for _ in range(3):
            api.send_text(ANN, "/help")
        (other,) = await ben.say("/help")  # Ben is served at once
        sent_to_ann = len(api.sent(ANN.id))
        clock.advance(121)
        (again,) = await ann.say("/help")
    assert "你发得太快啦" in notice["text"]
    assert sent_to_ann == 6  # five answers and the notice; the rest ignored
    assert "可以这样用我" in other["text"] and "可以这样用我" in again["text"]
