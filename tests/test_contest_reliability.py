"""Contests no press, outage or chatty group can break (issue 12), and what a group notices
(issue 18): the real Application against the fake Bot API, over a socket, on a fake clock.

Outages are the fake Bot API's: every request fails (502, connections dropped) or answers
late, getUpdates included, and the presses made meanwhile are held and delivered once it is
back, as Telegram does.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.domain.contest import rank
from bot.runtime import Runtime
from tests.conftest import SAMPLE_BANKS, FakeClock, FakeScheduler, running_bot
from tests.fakebotapi import FakeBotApi, TgUser
from tests.players import GroupPlayer, Player

GROUP = -100123
OTHER_GROUP = -100456
ADMIN = TgUser(1, "Admin", "boss")
ANN = TgUser(11, "Ann", "ann")
BEN = TgUser(12, "Ben", "ben")
CAT = TgUser(13, "Cat")
MALLORY = TgUser(66, "Mallory")

#: What the bot posts or changes in a chat: each counts in the group's 20 a minute.
POSTS = (
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "sendPoll",
    "stopPoll",
    "sendPhoto",
    "sendDocument",
)


@pytest.fixture(autouse=True)
def group_admin(api: FakeBotApi) -> None:
    api.admins[GROUP] = {ADMIN.id}


def group_players(api: FakeBotApi) -> tuple[GroupPlayer, ...]:
    return tuple(GroupPlayer(api, user, GROUP) for user in (ADMIN, ANN, BEN, CAT))


async def join_all(admin: GroupPlayer, *players: GroupPlayer) -> None:
    lobby_id = admin.last()[0]
    join = admin.buttons(lobby_id)[0][1]
    for player in players:
        await player.press(lobby_id, join)


async def first_question_answered(
    runtime: Runtime, admin: GroupPlayer, ann: GroupPlayer, *others: GroupPlayer
) -> int:
    """A contest of two questions, 10 s each, with these players; Ann answers the first
    right. Returns the first question's message id."""
    await admin.say("/contest 2 10")
    await join_all(admin, ann, *others)
    await admin.say("/go")
    await ann.contest_answer(runtime.engine.catalogue, right=True)
    return ann.question_message()[0]


async def link_noticed_the_outage(runtime: Runtime) -> None:
    """Wait (real time) until the bot's own requests have found Telegram out of reach."""
    link = runtime.contests.link
    for _ in range(500):
        if not link.settled(runtime.clock.now()):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the bot never noticed the outage")


def posted_twice(api: FakeBotApi, chat_id: int) -> list[str]:
    """The contest's messages (lobby, questions, reveals, podium, notices) that appear more
    than once in the chat: a step posted twice. Replies to members may repeat (two members
    asking /help get the same text)."""
    steps = ("🏁", "第 ", "⚠️", "🛑", "⏸", "▶️")
    counts = Counter(
        text
        for (chat, _), m in api.messages.items()
        if chat == chat_id and (text := m.get("text", "")).startswith(steps)
    )
    return [text for text, n in counts.items() if n > 1]


def worst_minute(api: FakeBotApi, chat_id: int) -> int:
    """The most posts (sent or edited, tried or done) into the chat in any 60 s window."""
    times = sorted(c.at for c in api.calls if c.chat_id == chat_id and c.method in POSTS)
    return max((sum(1 for x in times if s <= x < s + 60) for s in times), default=0)


async def podium_names(runtime: Runtime) -> list[str]:
    return [p.name for p in rank(await runtime.contests.contests.players(1))]


# --- forged presses ---

forged_press = st.tuples(
    st.sampled_from(["c", "k", "j", "r"]),
    st.sampled_from([0, 1, 2, 999, 10**15]),  # contest ids: ours is 1
    st.sampled_from([-1, 0, 1, 2, 7, 99]),  # positions: ours has 0 and 1
    st.text(alphabet="ABCDEF", max_size=4),
    st.sampled_from([GROUP, OTHER_GROUP, MALLORY.id]),  # pressed where
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(forged_press, min_size=1, max_size=25))
def test_forged_presses_never_score_wrongly_or_stall_a_contest(
    tmp_path_factory: pytest.TempPathFactory, presses: list[tuple[str, int, int, str, int]]
) -> None:
    """Forged callback data (every field) pressed in the group, another group and a private
    chat, while a contest runs: each is refused or is a press a real button makes, and the
    contest still finishes with the podium its stored answers give."""

    async def scenario() -> None:
        clock = FakeClock()
        config = Settings(
            data_dir=tmp_path_factory.mktemp("forged"),
            questions_dir=SAMPLE_BANKS,
            flood_limit=1000,
        )
        async with FakeBotApi(clock=clock.now) as api:
            api.admins[GROUP] = {ADMIN.id}
            scheduler = FakeScheduler(clock)
            admin, ann, ben, _cat = group_players(api)
            async with running_bot(api, config, clock, scheduler) as (_app, runtime):
                catalogue = runtime.engine.catalogue
                await admin.say("/contest 2 10")  # two choice questions
                await join_all(admin, ann, ben)
                await admin.say("/go")
                await scheduler.advance(1)
                await ann.contest_answer(catalogue, right=True)
                message_id, _ = ann.question_message()
                for prefix, contest, position, letters, chat in presses:
                    data = f"{prefix}:{contest}:{position}" + (
                        f":{letters}" if prefix in "ck" else ""
                    )
                    if prefix in "jr":
                        data = f"{prefix}:{contest}"
                    query = api.press(MALLORY, chat, message_id, data)
                    await api.wait_for(lambda a, q=query: bool(a.toasts(q)))
                await ben.contest_answer(catalogue, right=False)
                await scheduler.advance(200)  # both questions, reveals and the podium
                status = await runtime.db.fetchone("SELECT status FROM contests WHERE id = 1")
                rows = await runtime.db.fetchall(
                    "SELECT user_id, chat_id, question_id, choice FROM answers"
                )
                expected = await podium_names(runtime)
        assert status["status"] == "finished"
        for row in rows:  # whatever was stored, a real button could have made it
            question = catalogue.questions[row["question_id"]]
            assert row["chat_id"] == GROUP
            assert row["choice"] and all(question.is_option(x) for x in row["choice"])
            assert question.rules.many or len(row["choice"]) == 1
        assert {ANN.id, BEN.id} <= {row["user_id"] for row in rows}
        podium = [c.text for c in api.sent(GROUP) if "竞赛结束" in c.text][-1]
        medals = [line for line in podium.splitlines() if line.startswith(("🥇", "🥈", "🥉"))]
        shown = [line.split(" ", 1)[1].split(" — ")[0].split(" (@")[0] for line in medals]
        assert shown == expected[: len(shown)] and len(shown) >= 2
        assert expected[0] == "Ann"

    asyncio.run(scenario())


async def test_a_forged_letter_is_refused_and_the_contest_goes_on(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    """The report's case: "c:<contest>:<position>:F" on a four-option question."""
    admin, ann, ben, _cat = group_players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        await admin.say("/contest 网购 1 10")
        await admin.say("/go")
        message_id, _ = ann.question_message()
        forged = await ann.press(message_id, "c:1:0:F")
        elsewhere = api.press(BEN, OTHER_GROUP, message_id, "c:1:0:B")
        await api.wait_for(lambda a: bool(a.toasts(elsewhere)))
        right = await ann.contest_answer(runtime.engine.catalogue, right=True)
        await scheduler.advance(30)
        stored = await runtime.db.fetchall("SELECT user_id, choice FROM answers")
    assert forged == "这个按钮无效。"
    assert api.toasts(elsewhere) == ["这个按钮无效。"]
    assert right.startswith("已记录你的答案：B")
    assert [tuple(r) for r in stored] == [(ANN.id, "B")]
    assert "🥇 Ann" in api.sent(GROUP)[-1].text


# --- outages ---


async def test_a_502_outage_across_a_deadline_counts_the_presses_it_held(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    """Telegram answers 502 from 5 s to 25 s of a 10 s question; Ben pressed at 7 s. The
    question waits for the link, Ben's press counts (timed at the deadline), and the
    contest finishes by itself with nothing posted twice."""
    admin, ann, ben, cat = group_players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        catalogue = runtime.engine.catalogue
        await admin.say("/contest 网购 1 10")
        await join_all(admin, ann, ben, cat)
        await admin.say("/go")
        await scheduler.advance(2)
        await ann.contest_answer(catalogue, right=True)
        message_id, message = ben.question_message()
        question = ben.question_in(catalogue, message["text"])
        await scheduler.advance(3)
        api.go_down("502")
        await link_noticed_the_outage(runtime)
        await scheduler.advance(2)  # 7 s: Ben presses; Telegram holds the press
        held = api.press(BEN, GROUP, message_id, f"c:1:0:{'ABCD'[min(question.answer)]}")
        await scheduler.advance(18)  # 25 s: the deadline passed in the outage
        assert "时间到" not in api.messages[(GROUP, message_id)]["text"]
        api.come_back()
        await api.wait_for(lambda a: bool(a.toasts(held)))
        await scheduler.advance(5)  # the link settles; the question closes
        reveal = api.messages[(GROUP, message_id)]["text"]
        await scheduler.advance(200)
        rows = await runtime.db.fetchall(
            "SELECT user_id, position, correct, elapsed_ms FROM answers ORDER BY id"
        )
    assert api.toasts(held)[-1] == "已记录你的答案：B（10.0 秒）"
    assert "作答 2 人，答对 2 人" in reveal
    assert [tuple(r) for r in rows] == [(ANN.id, 0, 1, 2000), (BEN.id, 0, 1, 10000)]
    assert "竞赛结束" in api.sent(GROUP)[-1].text
    assert posted_twice(api, GROUP) == []


@pytest.mark.parametrize("how", ["drop", "502"])
async def test_an_outage_across_a_reveal_is_waited_out(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler, how: str
):
    """The reveal's edit fails for 20 s (connections dropped, or 502): it is tried again
    with back-off, the next question comes after it, and nothing is posted twice."""
    admin, ann, ben, _cat = group_players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        first_id = await first_question_answered(runtime, admin, ann, ben)
        await scheduler.advance(9.5)
        api.go_down(how)  # from just before the deadline
        await scheduler.advance(20)
        closed_in_outage = "时间到" in api.messages[(GROUP, first_id)]["text"]
        api.come_back()
        # The next try (30 s after the deadline) shows the reveal; the next question follows.
        await scheduler.advance(18)
        second_id, second = ann.question_message()
        await ann.contest_answer(runtime.engine.catalogue, right=True)
        await scheduler.advance(200)
        status = await runtime.db.fetchone("SELECT status FROM contests WHERE id = 1")
    assert not closed_in_outage
    assert "时间到" in api.messages[(GROUP, first_id)]["text"]
    assert second_id != first_id and "第 2/2 题" in second["text"]
    assert status["status"] == "finished"
    assert "🥇 Ann" in api.sent(GROUP)[-1].text
    assert posted_twice(api, GROUP) == []


async def test_a_slow_telegram_at_the_podium_posts_it_once(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    """Telegram answers every request late (after the bot's timeout) for 20 s around the
    end: the podium it was slow to confirm is taken as posted, not posted again."""
    admin, ann, _ben, _cat = group_players(api)
    async with running_bot(api, settings, clock, scheduler, request_timeout=0.3) as (
        _app,
        runtime,
    ):
        await admin.say("/contest 网购 1 10")
        await admin.say("/go")
        await ann.contest_answer(runtime.engine.catalogue, right=True)
        await scheduler.advance(12)  # the reveal is shown
        api.go_down("hang", hang=0.6)
        await scheduler.advance(10)  # the podium, sent while Telegram is slow
        await api.wait_for(lambda a: any("竞赛结束" in c.text for c in a.sent(GROUP)))
        await asyncio.sleep(0.8)  # its late answer arrives
        api.come_back()
        await scheduler.advance(60)
        status = await runtime.db.fetchone("SELECT status FROM contests WHERE id = 1")
    podiums = [m for (chat, _), m in api.messages.items() if "竞赛结束" in m.get("text", "")]
    assert status["status"] == "finished"
    assert len(podiums) == 1 and "🥇 Ann" in podiums[0]["text"]
    assert posted_twice(api, GROUP) == []


async def test_the_watchdog_drives_on_a_contest_whose_timer_was_lost(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    """A job lost (a crash inside the job queue, say): the watchdog closes the question."""
    admin, ann, *_ = group_players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        await admin.say("/contest 网购 1 10")
        await admin.say("/go")
        await ann.contest_answer(runtime.engine.catalogue, right=True)
        scheduler.cancel("contest:1:phase")  # the question's close is lost
        await scheduler.advance(60)
        status = await runtime.db.fetchone("SELECT status FROM contests WHERE id = 1")
    assert status["status"] == "finished"
    assert "🥇 Ann" in api.sent(GROUP)[-1].text


# --- the group's budget ---


async def test_a_chatty_group_never_gets_more_than_twenty_messages_a_minute(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    """Members send /help, /leaderboard, /daily, /myrank and /pause through a whole contest
    (and before it): every post into the group, the contest's and the replies, stays within
    20 in any minute; the contest's own messages all go out; a reply with no room left
    goes to the member privately."""
    crowd = [GroupPlayer(api, TgUser(100 + i, f"P{i}"), GROUP) for i in range(6)]
    admin, *_ = group_players(api)
    chatter = ["/help", "/leaderboard", "/daily", "/myrank", "/pause", "/topics"]
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        catalogue = runtime.engine.catalogue
        for i in range(12):  # before the contest: members chatting
            api.send_text(crowd[i % 6].user, chatter[i % len(chatter)], GROUP)
            await scheduler.advance(1)
        await api.wait_for(lambda a: len(a.sent(method="sendMessage")) >= 10)
        api.send_text(ADMIN, "/contest 3 10 lobby=15", GROUP)
        await api.wait_for(lambda a: any(c.text.startswith("🏁") for c in a.sent(GROUP)))
        lobby_id = next(i for i, m in admin.bot_messages() if m["text"].startswith("🏁"))
        for player in crowd:  # everyone joins: each question closes once all have answered
            await player.press(lobby_id, "j:1")
        await scheduler.advance(15)
        for _question in range(3):
            for index, player in enumerate(crowd):
                await player.contest_answer(catalogue, right=index % 2 == 0)
                api.send_text(player.user, chatter[index], GROUP)
                await scheduler.advance(0.5)
            # All six have answered: it closes 2 s later; the next comes after the reveal.
            await scheduler.advance(8)
        await scheduler.advance(60)
        await api.wait_for(lambda a: any("竞赛结束" in c.text for c in a.sent(GROUP)))
    contest_posts = [
        c
        for c in api.sent(GROUP)
        if c.text.startswith(("🏁", "第 ")) or "时间到" in c.text or "竞赛结束" in c.text
    ]
    private_replies = [c for c in api.calls if c.method == "sendMessage" and c.chat_id > 0]
    assert worst_minute(api, GROUP) <= 20
    assert len([c for c in contest_posts if c.text.startswith("第 ")]) == 3  # every question
    assert private_replies  # some replies went privately instead
    assert not [c for c in api.calls if c.method in POSTS and c.chat_id == OTHER_GROUP]


# --- solo play belongs in private chats ---


async def test_solo_play_in_a_group_points_to_a_private_chat(
    api: FakeBotApi, settings: Settings, clock: FakeClock
):
    ann_group = GroupPlayer(api, ANN, GROUP)
    ann = Player(api, ANN)
    async with running_bot(api, settings, clock) as (_app, runtime):
        (pointer,) = await ann_group.say("/quiz")
        (review,) = await ann_group.say("/review")
        (score,) = await ann_group.say("/score")
        (question,) = await ann.say("/start quiz")  # what the button's link sends
        menu_press = await ann_group.press(pointer["message_id"], "u:quiz")
        answer_press = await ann_group.press(pointer["message_id"], "a:1:0:A")
        rounds = await runtime.db.fetchall("SELECT chat_id FROM rounds")
    button = pointer["reply_markup"]["inline_keyboard"][0][0]
    assert pointer["text"].startswith("这个功能请私聊我使用")
    assert button["url"] == "https://t.me/quiz_test_bot?start=quiz"
    assert review["reply_markup"]["inline_keyboard"][0][0]["url"].endswith("?start=review")
    assert score["text"].startswith("这个功能请私聊我使用")
    assert "第 1/" in question["text"]  # the deep link started a round, in private
    assert menu_press == answer_press == "请私聊我使用这个功能。"
    assert [r["chat_id"] for r in rounds] == [ANN.id]


# --- the flood guard ---


async def test_a_fast_thumb_is_never_cut_off(
    api: FakeBotApi, settings: Settings, clock: FakeClock
):
    """Three taps a second for three minutes on a multiple-choice question (the report's
    player was cut off after 31 taps in 54 s), then answering: never a flood notice."""
    ann = Player(api, ANN)
    async with running_bot(api, settings, clock):
        (question,) = await ann.say("/quiz 纠纷解决")
        message_id = question["message_id"]
        tick = next(d for _label, d in ann.buttons(message_id) if d.startswith("m:"))
        toasts = []
        for _ in range(3 * 180):
            toasts.append(await ann.press(message_id, tick))
            clock.advance(1 / 3)
        (after,) = await ann.say("/score")
    assert not [toast for toast in toasts if "太快" in toast]
    assert "太快" not in after["text"]


async def test_a_script_is_cut_off_and_told_when_it_can_go_on(
    api: FakeBotApi, settings: Settings, clock: FakeClock
):
    ann = Player(api, ANN)
    async with running_bot(api, settings, clock):
        (question,) = await ann.say("/quiz 纠纷解决")
        message_id = question["message_id"]
        tick = next(d for _label, d in ann.buttons(message_id) if d.startswith("m:"))
        toasts = [await ann.press(message_id, tick) for _ in range(301)]  # in no time
        clock.advance(121)
        again = await ann.press(message_id, tick)
    assert toasts[-1] == "你发得太快啦，我先歇一会儿：120 秒后再回复你。"
    assert "太快" not in again


# --- poll mode ---


async def test_a_poll_vote_joins_the_voter(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    """In poll mode a vote is an answer, and answering joins: the voter who never pressed
    Join is on the podium and in its count of players."""
    admin, *_ = group_players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        await admin.say("/contest 网购 1 15 poll")
        await admin.say("/go", replies=0)
        await api.wait_calls("sendPoll", 1, GROUP)
        poll_id = next(iter(api.polls))
        await scheduler.advance(2)
        api.answer_poll(CAT, poll_id, [1])
        for _ in range(200):
            if await runtime.db.fetchone("SELECT 1 FROM answers"):
                break
            await asyncio.sleep(0.01)
        await scheduler.advance(40)
        members = await runtime.db.fetchall("SELECT user_id FROM contest_players")
    podium = api.sent(GROUP)[-1].text
    assert [r["user_id"] for r in members] == [CAT.id]
    assert "🥇 Cat" in podium and "共 1 人参加" in podium


# --- what a group notices (issue 18) ---


async def test_a_question_closes_once_everyone_who_joined_has_answered(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    admin, ann, ben, _cat = group_players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        catalogue = runtime.engine.catalogue
        (lobby,) = await admin.say("/contest 网购 2 20")
        await join_all(admin, ann, ben)
        await admin.say("/go")
        await scheduler.advance(1)
        await ann.contest_answer(catalogue, right=True)
        await scheduler.advance(2)
        first_id, _ = ann.question_message()
        still_open = "时间到" not in api.messages[(GROUP, first_id)]["text"]
        await ben.contest_answer(catalogue, right=False)
        await scheduler.advance(2.5)  # the short grace, not the 17 s left
        reveal = api.messages[(GROUP, first_id)]["text"]
    assert "报名的人都答完了，本题就提前揭晓" in lobby["text"]
    assert still_open
    assert "时间到" in reveal and "全员已作答，本题提前结束。" in reveal


async def test_a_contest_is_named_by_its_bank_or_general(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    admin, *_ = group_players(api)
    async with running_bot(api, settings, clock, scheduler):
        (by_bank,) = await admin.say("/contest 网购 1 10")
        await admin.say("/stop")
        (mixed,) = await admin.say("/contest 4 10")
    assert by_bank["text"].startswith("🏁 知识竞赛：测试题库")
    assert "#1" not in by_bank["text"]
    assert mixed["text"].startswith(("🏁 知识竞赛：测试题库", "🏁 知识竞赛：综合知识"))


async def test_a_contest_stopped_before_it_began_is_cancelled_and_nothing_more(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    admin, *_ = group_players(api)
    async with running_bot(api, settings, clock, scheduler):
        await admin.say("/contest 网购 1 10")
        (stopped,) = await admin.say("/stop")
        await scheduler.advance(30)
    assert stopped["text"] == "🛑 竞赛已取消：测试题库。"
    assert "reply_markup" not in stopped
    assert api.sent(ADMIN.id, "sendPhoto") == []  # no empty chart to the organizer


async def test_after_a_long_restart_the_group_hears_how_long_the_bot_was_away(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    admin, ann, ben, _cat = group_players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        await admin.say("/contest 网购 2 10")
        await join_all(admin, ann, ben)
        await admin.say("/go")
        await scheduler.advance(3)
        await ann.contest_answer(runtime.engine.catalogue, right=True)
    clock.advance(45)  # down for longer than the question's 7 s left
    restarted = FakeScheduler(clock)
    async with running_bot(api, settings, clock, restarted):
        await api.wait_for(lambda a: any("掉线" in c.text for c in a.sent(GROUP)))
        await restarted.advance(10)
    notice = next(c.text for c in api.sent(GROUP) if "掉线" in c.text)
    assert notice.startswith("⚠️ 我刚才掉线了 ") and notice.endswith("第 1 题已按时结束。")
    seconds = int(notice.split("掉线了 ")[1].split(" 秒")[0])
    assert seconds >= 38  # at least since the deadline; the heartbeat may say more


async def test_the_issue_walkthrough_forged_presses_an_outage_and_chatter_together(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    """Issue 12's "done when": three players, forged presses, a 20-second outage across a
    deadline and members chatting /help; the contest finishes by itself with the right
    podium and never more than 20 group messages in any minute."""
    admin, ann, ben, cat = group_players(api)
    mallory = GroupPlayer(api, MALLORY, GROUP)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        catalogue = runtime.engine.catalogue
        await admin.say("/contest 网购 1 20")
        await join_all(admin, ann, ben, cat)
        await admin.say("/go")
        await scheduler.advance(1)
        message_id, _ = ann.question_message()
        for data in ("c:1:0:F", "c:1:5:A", "c:2:0:B", "k:1:0:B", "c:1:0:AB", "j:99"):
            await mallory.press(message_id, data)
        api.press(MALLORY, OTHER_GROUP, message_id, "c:1:0:B")
        await ann.contest_answer(catalogue, right=True)  # 1 s
        for player in (ben, cat, mallory):
            api.send_text(player.user, "/help", GROUP)
        await scheduler.advance(4)
        await cat.contest_answer(catalogue, right=False)  # 5 s
        api.go_down("502")
        await link_noticed_the_outage(runtime)
        await scheduler.advance(10)  # 15 s: Ben answers while Telegram is down
        held = api.press(BEN, GROUP, message_id, "c:1:0:B")
        api.send_text(ANN, "/help", GROUP)
        await scheduler.advance(10)  # 25 s: the deadline passed in the outage
        api.come_back()
        await api.wait_for(lambda a: bool(a.toasts(held)))
        await scheduler.advance(60)
        status = await runtime.db.fetchone("SELECT status FROM contests WHERE id = 1")
        stored = await runtime.db.fetchall("SELECT user_id, choice FROM answers ORDER BY id")
    podium = api.sent(GROUP)[-1].text.splitlines()
    assert status["status"] == "finished"
    assert [tuple(r) for r in stored] == [(ANN.id, "B"), (CAT.id, "C"), (BEN.id, "B")]
    assert podium[2].startswith("🥇 Ann") and podium[3].startswith("🥈 Ben")
    assert podium[4].startswith("🥉 Cat")
    assert worst_minute(api, GROUP) <= 20
    assert posted_twice(api, GROUP) == []


async def test_a_typed_answer_held_by_an_outage_is_timed_when_it_was_sent(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    """A message carries the time it was sent (whole seconds): a typed answer held by an
    outage counts as sent (7 s, taken as the end of that second), not at the deadline."""
    api.bot["can_read_all_group_messages"] = True
    admin, *_ = group_players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        await admin.say("/contest 投诉 1 10")  # the one open question: 12315
        await admin.say("/go")
        await scheduler.advance(3)
        api.go_down("502")
        await link_noticed_the_outage(runtime)
        await scheduler.advance(4)  # 7 s
        api.send_text(ANN, "12315", GROUP)
        await scheduler.advance(8)  # 15 s: past the deadline, Telegram still down
        api.come_back()
        for _ in range(500):
            if await runtime.db.fetchone("SELECT 1 FROM answers"):
                break
            await asyncio.sleep(0.01)
        await scheduler.advance(60)
        row = await runtime.db.fetchone("SELECT user_id, correct, elapsed_ms FROM answers")
    assert tuple(row) == (ANN.id, 1, 8000)


async def test_a_five_minute_outage_is_waited_out_without_skipping_a_step(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    """Tries made while Telegram is out of reach do not use up the step's tries: after five
    minutes down, the reveal is shown, then the next question: nothing skipped."""
    admin, ann, ben, _cat = group_players(api)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        first_id = await first_question_answered(runtime, admin, ann, ben)
        api.go_down("502")
        await link_noticed_the_outage(runtime)
        await scheduler.advance(300)
        api.come_back()
        waited = 0
        while "时间到" not in api.messages[(GROUP, first_id)]["text"] and waited < 60:
            await scheduler.advance(1)  # the next try is at most 30 s away
            waited += 1
        reveal = api.messages[(GROUP, first_id)]["text"]
        await scheduler.advance(6.5)  # the reveal's pause
        second_id, second = ann.question_message()
        await scheduler.advance(200)
        status = await runtime.db.fetchone("SELECT status FROM contests WHERE id = 1")
    assert waited <= 31
    assert "作答 1 人，答对 1 人" in reveal
    assert second_id != first_id and "第 2/2 题" in second["text"]
    assert status["status"] == "finished"
    assert posted_twice(api, GROUP) == []
