"""Learning: the review schedule, the daily question and its delivery, progress, achievements."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.config import Settings
from bot.domain.learning import BOX_DAYS, RETIRED, after_review, daily_pool, daily_question
from bot.domain.models import User
from bot.engine import AnswerResult
from bot.learning import NothingDue
from bot.runtime import Runtime
from tests.conftest import FakeClock, FakeScheduler, running_bot
from tests.fakebotapi import FakeBotApi, TgUser
from tests.players import Player

DAY = 24 * 3600
ANN = User(21, "Ann")
BEN = User(22, "Ben")


def test_leitner_boxes() -> None:
    assert after_review(1, True, 0.0) == (2, BOX_DAYS[2] * DAY)
    assert after_review(4, True, 0.0) == (5, BOX_DAYS[5] * DAY)
    assert after_review(5, True, 0.0) == (RETIRED, float("inf"))
    assert after_review(4, False, 100.0) == (1, 100.0)


async def answer(runtime: Runtime, user: User, view, right: bool) -> AnswerResult:  # type: ignore[no-untyped-def]
    question = view.question
    response = question.accepted[0] if question.accepted and right else question.answer
    if not right:
        response = (
            "错"
            if question.accepted
            else frozenset({(min(question.answer) + 1) % question.option_count})
        )
    result = await runtime.engine.answer(user.id, view.round_id, view.position, response)
    assert isinstance(result, AnswerResult) and result.correct is right
    return result


async def test_review_brings_the_wrong_one_back_first_and_the_right_one_later(
    runtime: Runtime, clock: FakeClock
):
    engine, learning = runtime.engine, runtime.learning
    await engine.see_user(ANN)
    assert await learning.start_review(ANN, ANN.id) == NothingDue(None)
    view = await engine.start_quiz(ANN, ANN.id)
    missed = []
    while view is not None:  # all four wrong
        missed.append(view.question.id)
        view = (await answer(runtime, ANN, view, right=False)).next
    clock.advance(60)
    review = await learning.start_review(ANN, ANN.id)
    assert not isinstance(review, NothingDue) and review.total == 4
    first = review.question.id
    result = await answer(runtime, ANN, review, right=True)  # known now: box 2
    while result.next is not None:
        result = await answer(runtime, ANN, result.next, right=False)  # still missed: box 1
    again = await learning.start_review(ANN, ANN.id)
    assert not isinstance(again, NothingDue)
    assert again.total == 3 and again.question.id != first
    # Nothing is due once every missed one is answered right: the next is a day away.
    result = await answer(runtime, ANN, again, right=True)
    while result.next is not None:
        result = await answer(runtime, ANN, result.next, right=True)
    nothing = await learning.start_review(ANN, ANN.id)
    assert isinstance(nothing, NothingDue)
    assert nothing.next_at == pytest.approx(clock.now() + BOX_DAYS[2] * DAY, abs=5)
    clock.advance(2 * DAY)
    due = await learning.start_review(ANN, ANN.id)
    assert not isinstance(due, NothingDue) and due.total == 4  # all in box 2, due together
    assert set(await learning.store.boxes(ANN.id)) == set(missed)


async def test_a_contest_miss_also_goes_to_review(runtime: Runtime) -> None:
    from bot.domain.contest import ContestSettings, ContestStatus
    from bot.domain.learning import review_change
    from bot.storage.contest_store import ContestStore
    from bot.storage.store import AnswerRecord

    contests = ContestStore(runtime.db, runtime.store.batcher)
    await runtime.engine.see_user(ANN)
    contest_id = await contests.create(
        -5, ANN.id, ContestSettings(), [], ContestStatus.QUESTION, 0.0
    )
    record = AnswerRecord(ANN.id, -5, "t-single", 0, "A", False, 0, 1000, 1.0)
    review = review_change("contest", False, None, 1.0)
    assert await contests.record_answer(record, contest_id, 0, ANN, review)
    assert await runtime.learning.store.boxes(ANN.id) == {"t-single": 1}


def test_daily_question_is_the_same_for_everyone_and_does_not_repeat(runtime: Runtime) -> None:
    questions = list(runtime.engine.catalogue.questions.values())
    pool = daily_pool(questions, "zh")
    assert {q.type.value for q in pool} <= {"single", "truefalse"} and len(pool) == 2
    day = date(2026, 3, 15)
    assert daily_question(questions, day, "zh") == daily_question(
        list(reversed(questions)), day, "zh"
    )
    days = [
        daily_question(questions, date.fromordinal(day.toordinal() + n), "zh")
        for n in range(len(pool))
    ]
    assert len({q.id for q in days}) == len(pool)  # no repeat within the pool's length


async def test_daily_answer_once_a_day_and_yesterdays_button_is_over(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    ann = Player(api, TgUser(ANN.id, "Ann"))
    ben = Player(api, TgUser(BEN.id, "Ben"))
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        (daily,) = await ann.say("/daily")
        message_id, _ = ann.last()
        question = Player.question_in(runtime.engine.catalogue, daily["text"])
        buttons = [d for _label, d in ann.buttons(message_id)]
        right = next(d for d in buttons if "ABCDEF".index(d[-1]) in question.answer)
        wrong = next(d for d in buttons if "ABCDEF".index(d[-1]) not in question.answer)
        first = await ann.press(message_id, right)
        again = await ann.press(message_id, right)
        (done,) = await ann.say("/daily")
        await ben.say("/daily")
        missed = await ben.press(ben.last()[0], wrong)
        clock.advance(DAY)
        late = await ann.press(message_id, right)
        rows = await runtime.db.fetchall("SELECT kind, topic, user_id FROM rounds")
    assert "📅 每日一题" in daily["text"]
    assert first == f"✅ 回答正确！+{100 * question.difficulty} 分"
    right_label = ("对" if 0 in question.answer else "错") if len(buttons) == 2 else right[-1]
    assert missed == f"❌ 回答错误。 正确答案：{right_label}"
    assert again == "今天的每日一题你已经答过了，明天再来！"
    assert done["text"] == "今天的每日一题你已经答过了，明天再来！"
    assert late == "这是之前的每日一题，已经结束了。发送 /daily 看今天的。"
    assert [(r["kind"], r["topic"], r["user_id"]) for r in rows] == [
        ("daily", "daily:2026-01-01", ANN.id),
        ("daily", "daily:2026-01-01", BEN.id),
    ]


async def test_subscription_delivers_at_its_time_and_survives_a_restart(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    ann = Player(api, TgUser(ANN.id, "Ann"))
    async with running_bot(api, settings, clock, scheduler):
        (done,) = await ann.say("/subscribe 08:30")
        await scheduler.wait_job("daily:")
        await scheduler.advance(29 * 60)  # 08:29 in Shanghai: not yet
        before = len(ann.bot_messages())
        await scheduler.advance(60)  # 08:30
        after = ann.bot_messages()
    assert "每天 08:30（Asia/Shanghai）" in done["text"]
    assert len(after) == before + 1 and "📅 每日一题 · 2026-01-01" in after[-1][1]["text"]
    restarted = FakeScheduler(clock)
    async with running_bot(api, settings, clock, restarted):
        await restarted.advance(DAY)  # the next morning, after a restart
        latest = ann.bot_messages()[-1][1]["text"]
    assert "📅 每日一题 · 2026-01-02" in latest


async def test_a_subscriber_who_blocked_the_bot_is_unsubscribed(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    ann = Player(api, TgUser(ANN.id, "Ann"))
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        await ann.say("/subscribe 09:00")
        await scheduler.wait_job("daily:")
        api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
        await scheduler.advance(DAY)
        subscriptions = await runtime.db.fetchall("SELECT * FROM subscriptions")
        blocked = await runtime.db.fetchone("SELECT blocked FROM users WHERE id = ?", (ANN.id,))
        sends = len(api.sent(ANN.id))
        await scheduler.advance(3 * DAY)
    assert subscriptions == [] and blocked["blocked"] == 1
    assert not any(key.startswith("daily:") for key in scheduler.jobs)
    assert len(api.sent(ANN.id)) == sends  # nothing more was sent


async def test_only_group_admins_subscribe_a_group(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    group, admin, member = -100321, TgUser(1, "Admin"), TgUser(2, "Member")
    api.admins[group] = {admin.id}
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        (refused,) = await Player(api, member, group).say("/subscribe 08:00")
        (done,) = await Player(api, admin, group).say("/subscribe 08:00")
        rows = await runtime.db.fetchall("SELECT chat_id FROM subscriptions")
    assert refused["text"] == "只有群管理员或组织者可以这样做哦。"
    assert "每天 08:00" in done["text"]
    assert [r["chat_id"] for r in rows] == [group]


async def test_progress_figures_for_a_known_history(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    ann = Player(api, TgUser(ANN.id, "Ann"))
    async with running_bot(api, replace(settings, quiz_length=4), clock, scheduler) as (
        _app,
        runtime,
    ):
        catalogue = runtime.engine.catalogue
        await ann.say("/quiz")
        for right in (True, False, True, False):  # 2 of 4 right, 2 missed
            await ann.answer(catalogue, right)
        (progress,) = await ann.say("/progress")
        photo = await api.wait_calls("sendPhoto", 1, ANN.id)
    text = progress["text"]
    assert "T1. 测试题库：见过 4/4 题，正确率 50%" in text
    assert "复习盒 1-5：2 / 0 / 0 / 0 / 0；已掌握 0 题" in text
    assert "初露锋芒" in text  # the achievement of the first right answer
    assert photo[0].files["photo"][1].startswith(b"\x89PNG")


async def test_an_achievement_is_announced_once(runtime: Runtime) -> None:
    engine = runtime.engine
    await engine.see_user(ANN)
    earned = []
    for _ in range(2):
        view = await engine.start_quiz(ANN, ANN.id)
        while view is not None:
            result = await answer(runtime, ANN, view, right=True)
            earned += result.earned
            view = result.next
    assert earned == ["first_right"]
