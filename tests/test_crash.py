"""The bot as a real process on the fake Bot API: killed mid-contest, and stopped gracefully.

These run on real time (the contest's JobQueue in another process cannot share a fake
clock): the shortest contest the bot accepts, 10 seconds a question.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from tests.conftest import SAMPLE_BANKS
from tests.fakebotapi import FakeBotApi, TgUser
from tests.helpers import REPO, bot_env, rows_of

GROUP = -100555
ADMIN = TgUser(1, "Admin")
PLAYERS = [TgUser(5000 + n, f"P{n}") for n in range(24)]


async def start_bot(
    api: FakeBotApi, data: Path, database_url: str | None, questions: Path = SAMPLE_BANKS
) -> asyncio.subprocess.Process:
    env = bot_env(api, data, questions, database_url)
    polls = api.update_polls
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=str(REPO),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    await api.wait_for(lambda a: a.update_polls > polls, timeout=60)
    return process


def acknowledged(api: FakeBotApi, queries: dict[str, TgUser]) -> set[int]:
    """Players whose answer the bot confirmed in a toast."""
    return {
        queries[c.params["callback_query_id"]].id
        for c in api.calls
        if c.method == "answerCallbackQuery"
        and c.params.get("callback_query_id") in queries
        and str(c.params.get("text", "")).startswith("已记录你的答案")
    }


def question(api: FakeBotApi, number: int) -> tuple[int, list[str]]:
    """The message id and button data of question ``number`` in the group."""
    for (chat, message_id), message in sorted(api.messages.items()):
        if (
            chat == GROUP
            and f"第 {number}/" in message.get("text", "")
            and "reply_markup" in message
        ):
            buttons = [
                b["callback_data"]
                for row in message["reply_markup"]["inline_keyboard"]
                for b in row
            ]
            return message_id, buttons
    raise AssertionError(f"question {number} not posted")


async def stored(data: Path, database_url: str | None) -> list[tuple[object, ...]]:
    return await rows_of(
        data,
        database_url,
        "SELECT user_id, position, correct FROM answers WHERE contest_id IS NOT NULL",
    )


async def press_all(
    api: FakeBotApi,
    players: list[TgUser],
    message_id: int,
    buttons: list[str],
    queries: dict[str, TgUser],
) -> None:
    single = [b for b in buttons if b.startswith("c:") and not b.endswith(":")]
    for index, player in enumerate(players):
        data = single[index % len(single)] if single else buttons[-1]
        queries[api.press(player, GROUP, message_id, data)] = player


async def test_sigkill_mid_contest_loses_no_acknowledged_answer(
    api: FakeBotApi, tmp_path: Path, database_url: str | None
):
    api.admins[GROUP] = {ADMIN.id}
    data = tmp_path / "data"
    queries: dict[str, TgUser] = {}
    bot = await start_bot(api, data, database_url)
    api.send_text(ADMIN, "/contest 网购 1 10 lobby=0", GROUP)  # starts at once
    await api.wait_for(lambda a: any("第 1/1" in c.text for c in a.sent(GROUP)), timeout=30)
    message_id, buttons = question(api, 1)
    await press_all(api, PLAYERS[:12], message_id, buttons, queries)
    await api.wait_for(lambda a: len(acknowledged(a, queries)) >= 12, timeout=30)
    await press_all(api, PLAYERS[12:18], message_id, buttons, queries)  # answers arriving...
    bot.kill()  # ... SIGKILL: no shutdown at all
    await bot.wait()
    before_restart = acknowledged(api, queries)
    assert {user for user, _, _ in await stored(data, database_url)} >= before_restart

    bot = await start_bot(api, data, database_url)  # the question keeps its deadline
    await press_all(api, PLAYERS[18:], message_id, buttons, queries)
    await api.wait_for(lambda a: any("竞赛结束" in c.text for c in a.sent(GROUP)), timeout=60)
    bot.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(bot.wait(), 30) == 0

    rows = await stored(data, database_url)
    answered = {user for user, _, _ in rows}
    assert answered >= acknowledged(api, queries)  # every acknowledged answer is stored
    assert len(rows) == len(answered)  # and none twice
    podium = next(c.text for c in api.sent(GROUP) if "竞赛结束" in c.text)
    right = {user for user, _, correct in rows if correct}
    names = {p.id: p.first_name for p in PLAYERS}
    first = podium.splitlines()[2]
    assert any(first.startswith(f"🥇 {names[user]} ") for user in right)
    assert f"共 {len(answered)} 人参加" in podium


async def test_sigterm_mid_contest_exits_cleanly_keeping_every_acknowledged_answer(
    api: FakeBotApi, tmp_path: Path, database_url: str | None
):
    api.admins[GROUP] = {ADMIN.id}
    data = tmp_path / "data"
    queries: dict[str, TgUser] = {}
    bot = await start_bot(api, data, database_url)
    api.send_text(ADMIN, "/contest 网购 1 10 lobby=0", GROUP)
    await api.wait_for(lambda a: any("第 1/1" in c.text for c in a.sent(GROUP)), timeout=30)
    message_id, buttons = question(api, 1)
    await press_all(api, PLAYERS, message_id, buttons, queries)
    await api.wait_for(lambda a: a.update_polls > 0 and bool(acknowledged(a, queries)), timeout=30)
    bot.send_signal(signal.SIGTERM)  # while the rest are being written and acknowledged
    code = await asyncio.wait_for(bot.wait(), 30)
    errors = (await bot.stderr.read()).decode()
    assert code == 0, errors
    assert "Traceback" not in errors
    assert {user for user, _, _ in await stored(data, database_url)} >= acknowledged(api, queries)


async def test_sighup_reloads_the_banks_without_a_restart(
    api: FakeBotApi, tmp_path: Path, database_url: str | None
):
    questions = tmp_path / "questions"
    questions.mkdir()
    sample = (SAMPLE_BANKS / "sample.yaml").read_text(encoding="utf-8")
    (questions / "sample.yaml").write_text(sample, encoding="utf-8")
    bot = await start_bot(api, tmp_path / "data", database_url, questions)
    try:
        ann = TgUser(77, "Ann")
        api.send_text(ann, "/quiz 新专题")
        (before,) = await api.wait_calls("sendMessage", 1, ann.id)
        extra = sample.replace("id: test-sample", "id: test-extra").replace(
            "title: 测试题库", "title: 新专题"
        )
        for old in (
            "t-single",
            "t-multiple",
            "t-truefalse",
            "t-open",
            "faq-test-return",
            "faq-test-invoice",
        ):
            extra = extra.replace(f"id: {old}\n", f"id: {old}-2\n")
        (questions / "extra.yaml").write_text(extra, encoding="utf-8")
        bot.send_signal(signal.SIGHUP)
        for attempt in range(50):  # the reload runs in the bot's own loop, soon after
            api.send_text(ann, "/quiz 新专题")
            calls = await api.wait_calls("sendMessage", 2 + attempt, ann.id)
            if "第 1/" in calls[-1].text:
                break
            await asyncio.sleep(0.1)
    finally:
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), 30)
    assert "没有找到专题“新专题”" in before.text
    assert "第 1/" in calls[-1].text  # served by the new file, with no restart
