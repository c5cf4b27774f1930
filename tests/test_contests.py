"""Contests in a group, end to end: the real Application, the fake Bot API, a fake clock."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest
from telegram import Update

from bot.config import Settings
from bot.domain.contest import contest_points
from tests.conftest import FakeClock, FakeScheduler, running_bot
from tests.fakebotapi import FakeBotApi, TgUser
from tests.helpers import data_env, run_cli
from tests.players import GroupPlayer, Player

GROUP = -100123
ADMIN = TgUser(1, "Admin", "boss")
ANN = TgUser(11, "Ann", "ann")
BEN = TgUser(12, "Ben", "ben")
CAT = TgUser(13, "Cat")


@pytest.fixture(autouse=True)
def group_admin(api: FakeBotApi) -> None:
    api.admins[GROUP] = {ADMIN.id}


def players(api: FakeBotApi) -> tuple[GroupPlayer, ...]:
    return tuple(GroupPlayer(api, user, GROUP) for user in (ADMIN, ANN, BEN, CAT))


def texts(api: FakeBotApi) -> list[str]:
    """Every text the bot sent or edited into the group, in order."""
    return [
        c.text
        for c in api.calls
        if c.chat_id == GROUP and c.method in ("sendMessage", "editMessageText")
    ]


async def test_only_admins_control_a_contest(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    admin, ann, _ben, _cat = players(api)
    async with running_bot(api, settings, clock, scheduler):
        (refusal,) = await ann.say("/contest")
        (lobby,) = await admin.say("/contest 2 10")
        (busy,) = await admin.say("/contest")
        (no_stop,) = await ann.say("/stop")
        (stopped,) = await admin.say("/stop")
    assert refusal["text"] == "只有群管理员或组织者可以这样做哦。"
    assert "知识竞赛" in lobby["text"] and "2 道题，每题 10 秒" in lobby["text"]
    assert lobby["reply_markup"]["inline_keyboard"][0][0]["text"] == "🙋 报名参加"
    assert busy["text"] == "本群已经有一场竞赛了，先用 /stop 结束它。"
    assert no_stop["text"] == "只有群管理员或组织者可以这样做哦。"
    assert stopped["text"] == "🛑 竞赛已取消：测试题库。"  # stopped in its lobby: nothing to rank


async def test_organizer_from_settings_may_start_in_any_group(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    organizer = GroupPlayer(api, CAT, GROUP)
    async with running_bot(api, replace(settings, admins=frozenset({CAT.id})), clock, scheduler):
        (lobby,) = await organizer.say("/contest 1 10")
    assert "知识竞赛" in lobby["text"]


async def test_speed_scores_double_and_late_presses_and_podium(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    admin, ann, ben, cat = players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        catalogue = runtime.engine.catalogue
        await admin.say("/contest 网购 1 10")  # one single-choice question, 10 s
        lobby_id, _ = admin.last()
        join = admin.buttons(lobby_id)[0][1]
        assert await ann.press(lobby_id, join) == "报名成功，祝你好运！"
        assert await ann.press(lobby_id, join) == "你已经报名了。"
        for player in (ben, cat, admin):  # Admin joins but never answers: no early close
            await player.press(lobby_id, join)
        await admin.say("/go")
        await scheduler.advance(2)
        first = await ann.contest_answer(catalogue, right=True)  # 2 s: 900 points
        again = await ann.contest_answer(catalogue, right=False)
        await scheduler.advance(4)
        await ben.contest_answer(catalogue, right=True)  # 6 s: 700 points
        await cat.contest_answer(catalogue, right=False)
        message_id, _ = ann.question_message()
        old_button = ann.buttons(message_id)[0][1]
        await scheduler.advance(5)  # past the deadline: the question closes
        late = await admin.press(message_id, old_button)  # Admin never answered
        reveal = api.messages[(GROUP, message_id)]["text"]
        await scheduler.advance(10)  # the reveal pause, then the podium
        podium = admin.last()[1]["text"]
        rank_toast = await cat.press(admin.last()[0], "r:1")
        rows = await runtime.db.fetchall(
            "SELECT user_id, choice, correct, points, elapsed_ms FROM answers ORDER BY id"
        )
    assert first == "已记录你的答案：B（2.0 秒）"
    assert again == "你已经答过这题了。"
    assert late == "时间到，本题已截止。"
    assert [(r["user_id"], r["correct"], r["points"], r["elapsed_ms"]) for r in rows] == [
        (ANN.id, 1, 900, 2000),
        (BEN.id, 1, 700, 6000),
        (CAT.id, 0, 0, 6000),
    ]
    assert contest_points(True, 2, 10, 0, False) == (900, 1)
    assert "时间到" in reveal and "正确答案：B. 7日" in reveal
    assert "作答 3 人，答对 2 人" in reveal
    assert "1. Ann (@ann) — 900 分" in reveal
    lines = podium.splitlines()
    assert lines[2].startswith("🥇 Ann (@ann) — 900 分")
    assert lines[3].startswith("🥈 Ben (@ben) — 700 分")
    assert lines[4].startswith("🥉 Cat — 0 分")
    assert rank_toast == "你是第 3 名：0 分，答对 0 题，用时 6.0 秒"
    (chart,) = api.sent(ADMIN.id, "sendPhoto")  # the organizer gets the chart privately
    assert chart.files["photo"][1].startswith(b"\x89PNG")
    assert "竞赛 #1" in chart.text


async def test_ties_are_broken_by_total_answer_time(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    admin, ann, ben, _cat = players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        catalogue = runtime.engine.catalogue
        await admin.say("/contest 网购 1 10 negative")
        await admin.say("/go")
        await scheduler.advance(1)
        await ann.contest_answer(catalogue, right=False)  # 1 s, -250
        await scheduler.advance(3)
        await ben.contest_answer(catalogue, right=False)  # 4 s, -250
        await scheduler.advance(20)
        podium = admin.last()[1]["text"]
    assert "答错扣 250 分" in texts(api)[0]
    assert podium.splitlines()[2].startswith("🥇 Ann (@ann) — -250 分")
    assert podium.splitlines()[3].startswith("🥈 Ben (@ben) — -250 分")


async def test_typed_answers_are_fuzzy_matched_by_characters(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    api.bot["can_read_all_group_messages"] = True
    admin, *_ = players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        await admin.say("/contest 投诉 1 20")  # the one open question: 12315
        await admin.say("/go")
        await scheduler.advance(3)
        api.send_text(CAT, "12316", GROUP)  # a wrong guess: not stored
        api.send_text(ANN, "１２３１５！", GROUP)  # full-width digits and punctuation: right
        await wait_rows(runtime, 1)
        await scheduler.advance(5)
        api.send_text(BEN, "12315", GROUP)
        await wait_rows(runtime, 2)
        await scheduler.advance(20)
        rows = await runtime.db.fetchall(
            "SELECT user_id, correct, elapsed_ms FROM answers ORDER BY id"
        )
        reveal = [c.text for c in api.sent(GROUP, "editMessageText") if "时间到" in c.text]
    assert [(r["user_id"], r["correct"], r["elapsed_ms"]) for r in rows] == [
        (ANN.id, 1, 3000),
        (BEN.id, 1, 8000),
    ]
    assert "最先答对：Ann、Ben" in reveal[-1]


async def test_without_privacy_off_typed_questions_are_left_out_and_explained(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    admin, *_ = players(api)
    async with running_bot(api, settings, clock, scheduler):
        asked_before = len(api.sent(method="getMe"))
        (lobby,) = await admin.say("/contest 4 10")
        asked = len(api.sent(method="getMe")) - asked_before
        (refused,) = await admin.say("/contest 投诉 1 10")
    assert "3 道题" in lobby["text"]  # four in the bank, minus the typed one
    assert "/setprivacy" in lobby["text"]
    assert refused["text"].startswith("本群已经有一场竞赛了")
    assert asked == 1  # it asked Telegram what it can see, at that moment


async def wait_rows(runtime, count: int) -> None:
    """Wait until ``count`` answers are stored (typed answers get no reply to wait for)."""
    import asyncio

    for _ in range(1000):
        row = await runtime.db.fetchone("SELECT COUNT(*) AS n FROM answers")
        if row["n"] >= count:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"fewer than {count} answers stored")


async def test_poll_mode_sends_quiz_polls_and_times_votes_on_arrival(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    admin, *_ = players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        await admin.say("/contest 网购 1 15 poll")
        await admin.say("/go", replies=0)
        (poll_call,) = await api.wait_calls("sendPoll", 1, GROUP)
        poll_id = next(iter(api.polls))
        await scheduler.advance(3)
        api.answer_poll(ANN, poll_id, [1])
        await wait_rows(runtime, 1)
        await scheduler.advance(3)
        api.answer_poll(BEN, poll_id, [0])
        await wait_rows(runtime, 2)
        await scheduler.advance(30)
        rows = await runtime.db.fetchall(
            "SELECT user_id, correct, points FROM answers ORDER BY id"
        )
    params = poll_call.params
    assert params["type"] == "quiz" and params["is_anonymous"] is False
    assert params["correct_option_ids"] == [1] and params["open_period"] == 15
    assert params["options"][1] in ("7日", {"text": "7日"})
    assert [(r["user_id"], r["correct"], r["points"]) for r in rows] == [
        (ANN.id, 1, 900),
        (BEN.id, 0, 0),
    ]
    reveal = [t for t in texts(api) if "时间到" in t]
    assert reveal and "正确答案：B. 7日" in reveal[0]
    assert "🥇 Ann" in texts(api)[-1]


async def test_pause_resume_skip_keep_the_clock_fair(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    admin, ann, *_ = players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        catalogue = runtime.engine.catalogue
        await admin.say("/contest 4 20")
        await admin.say("/go")
        await scheduler.advance(5)
        (paused,) = await admin.say("/pause")
        await scheduler.advance(600)  # a long pause: the question must not close
        paused_toast = await ann.contest_answer(catalogue, right=True)
        (resumed,) = await admin.say("/resume")
        await scheduler.advance(2)
        toast = await ann.contest_answer(catalogue, right=True)  # 5 + 2 = 7 s of question time
        first_id, _ = ann.question_message()
        scheduler.cancel("contest:1:phase")
        await admin.say("/skip", replies=0)
        await scheduler.wait_job("phase")  # the skip closed the question and set the pause
        assert "时间到" in api.messages[(GROUP, first_id)]["text"]
        await scheduler.advance(6)
        second_id, _ = ann.question_message()
        row = await runtime.db.fetchone("SELECT elapsed_ms FROM answers")
    assert paused["text"] == "⏸ 竞赛已暂停，管理员发送 /resume 继续。"
    assert paused_toast == "竞赛已暂停。"
    assert resumed["text"] == "▶️ 竞赛继续！"
    assert toast.endswith("（7.0 秒）")
    assert row["elapsed_ms"] == 7000
    assert second_id != first_id  # /skip moved on to the next question


async def test_streak_bonus_over_several_questions(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    admin, ann, ben, _cat = players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        catalogue = runtime.engine.catalogue
        await admin.say("/contest 3 10")
        await ben.press(admin.last()[0], "j:1")  # Ben joins and never answers: full time
        await admin.say("/go")
        for _ in range(3):
            await ann.contest_answer(catalogue, right=True)  # instant: 1000 + streak bonus
            await scheduler.advance(16)
        rows = await runtime.db.fetchall("SELECT points FROM answers ORDER BY id")
    assert [r["points"] for r in rows] == [1000, 1100, 1200]


async def test_results_by_chat_and_command_line_agree(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    admin, ann, ben, cat = players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        catalogue = runtime.engine.catalogue
        await admin.say("/contest 2 10")
        await admin.say("/go")
        for player, delay in ((cat, 1), (ann, 2), (ben, 3)):
            await scheduler.advance(delay)
            await player.contest_answer(catalogue, right=player is not cat)
        await scheduler.advance(12)  # closes at 10 s, the next question opens at 16 s
        await ann.contest_answer(catalogue, right=True)
        await scheduler.advance(30)
        private = Player(api, ADMIN)
        (menu,) = await private.say("/results")
        pick = menu["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        stranger = Player(api, TgUser(99, "Stranger"))
        refused = await stranger.press(1, pick)
        await private.press(private.last()[0], pick)
        await api.wait_calls("sendDocument", 1, ADMIN.id)
    document = api.sent(ADMIN.id, "sendDocument")[0].files["document"][1]
    from_chat = list(csv.reader(io.StringIO(document.decode("utf-8-sig"))))
    out = run_cli(
        "results",
        "export",
        "1",
        env=data_env(settings.data_dir, settings.database_url),
        timeout=60,
    )
    from_cli = list(csv.reader(io.StringIO(out.stdout.lstrip("\ufeff"))))
    assert refused == "只有这个群的管理员或组织者可以下载成绩。"
    assert from_chat == from_cli
    assert from_chat[0] == [
        "rank",
        "user_id",
        "name",
        "username",
        "score",
        "correct",
        "answered",
        "total_time_s",
    ]
    assert [row[2] for row in from_chat[1:]] == ["Ann", "Ben", "Cat"]


async def test_restart_mid_contest_resumes_with_every_answer(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    admin, ann, ben, _cat = players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        catalogue = runtime.engine.catalogue
        await admin.say("/contest 3 20")
        await admin.say("/go")
        await scheduler.advance(4)
        await ann.contest_answer(catalogue, right=True)
        first_question, _ = ann.question_message()
    # The bot is down for 6 seconds; the question had 16 left.
    restarted = FakeScheduler(clock)
    clock.advance(6)
    async with running_bot(api, settings, clock, restarted) as (_app, runtime):
        catalogue = runtime.engine.catalogue
        assert ann.question_message()[0] == first_question  # not posted again
        again = await ann.contest_answer(catalogue, right=True)
        await ben.contest_answer(catalogue, right=True)
        assert restarted.due() == pytest.approx(clock.now() + 5)  # a count refresh tick
        await restarted.advance(11)  # the original deadline: 4 + 6 + 10 = 20 s
        assert "时间到" in api.messages[(GROUP, first_question)]["text"]
        await restarted.advance(100)
        rows = await runtime.db.fetchall(
            "SELECT user_id, position, elapsed_ms FROM answers ORDER BY id"
        )
        status = await runtime.db.fetchone("SELECT status FROM contests")
    assert again == "你已经答过这题了。"
    assert [(r["user_id"], r["position"], r["elapsed_ms"]) for r in rows][:2] == [
        (ANN.id, 0, 4000),
        (BEN.id, 0, 10000),
    ]
    assert status["status"] == "finished"
    assert "🥇 Ann" in texts(api)[-1]


async def test_restart_after_the_deadline_closes_the_question_and_moves_on(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    admin, ann, *_ = players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        await admin.say("/contest 2 10")
        await admin.say("/go")
        await ann.contest_answer(runtime.engine.catalogue, right=True)
        first_question, _ = ann.question_message()
    clock.advance(60)
    restarted = FakeScheduler(clock)
    async with running_bot(api, settings, clock, restarted) as (_app, runtime):
        # Closed once Telegram has been reached for a moment (presses it held could come).
        await restarted.advance(4)
        assert "时间到" in api.messages[(GROUP, first_question)]["text"]
        await restarted.advance(6)
        assert ann.question_message()[0] != first_question
        row = await runtime.db.fetchone("SELECT COUNT(*) AS n FROM answers")
    assert row["n"] == 1


async def test_scheduled_contest_is_announced_then_opens(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    admin, *_ = players(api)
    async with running_bot(api, settings, clock, scheduler):
        (announce,) = await admin.say("/contest 2 10 at 20:00")
        await scheduler.wait_job("phase")
        # The fake clock starts at 08:00 in Shanghai: 12 hours to go, the lobby opens 1 min early.
        opens, _ = scheduler.jobs["contest:1:phase"]
        assert opens == pytest.approx(clock.now() + 12 * 3600 - 60)
        await scheduler.advance(12 * 3600 - 60)
        lobby = admin.last()[1]["text"]
        await scheduler.advance(60)
        question = admin.last()[1]["text"]
    assert "将于 01-01 20:00 开始" in announce["text"]
    assert "知识竞赛" in lobby
    assert "第 1/2 题" in question


async def test_group_messages_stay_within_twenty_a_minute(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    """The fastest contest the bot accepts, answers trickling in, and players typing /pause."""
    crowd = [GroupPlayer(api, TgUser(100 + i, f"P{i}"), GROUP) for i in range(12)]
    admin, *_ = players(api)
    async with running_bot(api, settings, clock, scheduler) as (app, runtime):
        catalogue = runtime.engine.catalogue
        await admin.say("/contest 3 10 lobby=15")  # the three choice questions
        lobby_id = admin.last()[0]
        for player in crowd[:6]:
            await player.press(lobby_id, admin.buttons(lobby_id)[0][1])
            await scheduler.advance(2)  # each join may refresh the lobby
        await scheduler.advance(3)  # 15 s: the first question
        for _question in range(3):
            # An answer every 0.5 s; those who joined answer last, so no question closes early.
            for index, player in enumerate(crowd[6:] + crowd[:6]):
                await player.contest_answer(catalogue, right=player.user.id % 2 == 0)
                if index % 3 == 0:  # players who may not control the contest try anyway
                    update = api.send_text(player.user, "/pause", GROUP, queue=False)
                    await app.process_update(Update.de_json(update, app.bot))
                await scheduler.advance(0.5)
            await scheduler.advance(16 - 12 * 0.5)  # 10 s to answer + 6 s of reveal
        await scheduler.advance(60)
    group_calls = sorted(
        c.at
        for c in api.calls
        if c.chat_id == GROUP
        and c.method
        in ("sendMessage", "editMessageText", "sendPoll", "stopPoll", "editMessageReplyMarkup")
    )
    worst = max(sum(1 for x in group_calls if start <= x < start + 60) for start in group_calls)
    assert len(group_calls) > 12  # counts were refreshed, not just the fixed messages
    assert worst <= 20


async def test_contest_answers_earn_achievements_told_privately(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    """A first right answer in a contest earns 初露锋芒, as it would in a quiz; the group
    hears nothing of it (its message budget), the player is told in a private chat."""
    admin, ann, ben, _cat = players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        catalogue = runtime.engine.catalogue
        await admin.say("/contest 网购 1 10")
        await admin.say("/go")
        await ann.contest_answer(catalogue, right=True)
        await ben.contest_answer(catalogue, right=False)
        await scheduler.advance(30)  # the question closes, the reveal, the podium
        await api.wait_calls("sendMessage", 1, chat_id=ANN.id)
        earned = await runtime.db.fetchall("SELECT user_id, code FROM achievements")
    told = [c.text for c in api.sent(ANN.id)]
    assert [(r["user_id"], r["code"]) for r in earned] == [(ANN.id, "first_right")]
    assert len(told) == 1 and told[0].startswith("🏅 新成就：初露锋芒")
    assert api.sent(BEN.id) == []
    assert not any("新成就" in text for text in texts(api))
