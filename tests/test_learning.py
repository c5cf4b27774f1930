"""Learning: the review schedule, the daily question and its delivery, progress, achievements."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.config import Settings
from bot.domain.learning import BOX_DAYS, RETIRED, after_review, daily_pool, pick_daily
from bot.domain.models import Question, QuestionType, User
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


def _question(qid: str) -> Question:
    return Question(
        qid, "b", "zh", QuestionType.SINGLE, qid, ("x", "y"), frozenset({0}), (), "", "", (), 1
    )


def _serve(pools: list[list[Question]], start: date) -> list[str]:
    """Serve one question a day from each day's pool, as the service does; their ids."""
    served: dict[str, date] = {}
    ids = []
    for offset, pool in enumerate(pools):
        day = date.fromordinal(start.toordinal() + offset)
        picked = pick_daily(daily_pool(pool, "zh"), day, served)
        assert picked is not None
        served[picked.id] = day
        ids.append(picked.id)
    return ids


def test_daily_pick_keeps_the_old_order_and_repeats_nothing_across_bank_changes() -> None:
    five = [_question(f"q{i}") for i in range(5)]
    day = date(2026, 3, 15)
    # With no history and the same banks, day n gets the question at position n of the
    # fixed order, whatever order the banks list their questions in: as it always did.
    pool = daily_pool(five, "zh")
    assert _serve([five] * 5, day) == [pool[(day.toordinal() + n) % 5].id for n in range(5)]
    assert _serve([list(reversed(five))] * 5, day) == _serve([five] * 5, day)
    # Three days in, three questions are added: the two never served and the three new
    # come before any repeat, then the eight go round in the same order.
    eight = [*five, *(_question(f"new{i}") for i in range(3))]
    ids = _serve([five] * 3 + [eight] * 21, day)
    assert len(set(ids[:8])) == 8
    assert all(len(set(ids[n : n + 8])) == 8 for n in range(len(ids) - 8))
    # A question removed is never served again, and the rest still do not repeat.
    six = eight[:3] + eight[5:]
    ids = _serve([eight] * 10 + [six] * 12, day)
    assert not {"q3", "q4"} & set(ids[10:])
    assert all(len(set(ids[n : n + 6])) == 6 for n in range(10, len(ids) - 6))


async def test_daily_question_is_stored_once_per_day_and_language(
    runtime: Runtime, clock: FakeClock
) -> None:
    learning = runtime.learning
    first = await learning.daily(ANN)
    assert first is not None
    await runtime.reload()  # the banks change nothing of a day already served
    again = await learning.daily(BEN)
    rows = await runtime.db.fetchall("SELECT day, language, question_id FROM daily_questions")
    assert again is not None and again.question == first.question
    assert [tuple(r) for r in rows] == [("2026-01-01", "zh", first.question.id)]
    clock.advance(DAY)
    tomorrow = await learning.daily(ANN)
    assert tomorrow is not None and tomorrow.question.id != first.question.id


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
        # A button of the version before questions were named in them: a word, no answer.
        older = await ann.press(message_id, f"d:{date(2026, 1, 1).toordinal()}:zh:A")
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
    assert older == "这道题已经不存在了。"
    assert [(r["kind"], r["topic"], r["user_id"]) for r in rows] == [
        ("daily", "daily:2026-01-01", ANN.id),
        ("daily", "daily:2026-01-01", BEN.id),
    ]


def _bank_with(served: str, questions_dir: Path) -> None:
    """Rewrite the sample bank as an organizer might: the question ``served`` gets its
    answer changed, and three new questions fit for the daily question are added."""
    path = questions_dir / "sample.yaml"
    bank = yaml.safe_load(path.read_text(encoding="utf-8"))
    for question in bank["questions"]:
        if question["id"] == served and question["type"] == "truefalse":
            question["answer"] = not question["answer"]
        elif question["id"] == served:
            options = question["options"]  # the first option goes last
            question["options"] = options[1:] + options[:1]
            question["answer"] = "ABCDEF"["ABCDEF".index(question["answer"]) - 1]
    for n in range(3):
        bank["questions"].append(
            {
                "id": f"t-new-{n}",
                "type": "single",
                "text": f"新加的第 {n + 1} 题：投诉举报电话是？",
                "options": ["12315", "12345"],
                "answer": "A",
                "explanation": "12315。",
                "source": "《市场监督管理投诉举报处理暂行办法》第三十六条",
                "tags": ["投诉"],
                "difficulty": 1,
            }
        )
    path.write_text(yaml.safe_dump(bank, allow_unicode=True), encoding="utf-8")


async def test_a_reload_between_the_morning_message_and_the_answer_changes_nothing(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler, banks: Path
):
    settings = replace(settings, questions_dir=banks, admins=frozenset({99}))
    ann = Player(api, TgUser(ANN.id, "Ann"))
    ben = Player(api, TgUser(BEN.id, "Ben"))
    organizer = Player(api, TgUser(99, "Org"))
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        (morning,) = await ann.say("/daily")
        message_id, _ = ann.last()
        question = Player.question_in(runtime.engine.catalogue, morning["text"])
        buttons = ann.buttons(message_id)
        right = next(d for _label, d in buttons if "ABCDEF".index(d[-1]) in question.answer)
        _bank_with(question.id, banks)
        (reloaded,) = await organizer.say("/reload")
        changed = runtime.engine.catalogue.questions[question.id]
        (later,) = await ben.say("/daily")
        toast = await ann.press(message_id, right)
        await api.wait_for(lambda a: "💡" in a.messages[(ANN.id, message_id)]["text"])
        edited = api.messages[(ANN.id, message_id)]["text"]
        rows = await runtime.db.fetchall("SELECT day, question_id FROM daily_questions")
    assert "7 道题" in reloaded["text"]  # the reload took: 4 questions + 3
    assert changed.answer != question.answer  # the served question now reads otherwise
    assert later["text"] == morning["text"]  # Ben gets Ann's question, as she saw it
    assert ben.buttons(ben.last()[0]) == buttons  # buttons naming the same question
    assert all(f":{question.id}:" in data for _label, data in buttons)
    assert toast == f"✅ 回答正确！+{100 * question.difficulty} 分"  # graded as she saw it
    assert question.explanation in edited
    assert [tuple(r) for r in rows] == [("2026-01-01", question.id)]


async def test_every_review_question_says_so_and_answered_ones_lose_the_hint(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    ann = Player(api, TgUser(ANN.id, "Ann"))
    hint = "（可多选，选好后点“提交”）"
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        catalogue = runtime.engine.catalogue
        await ann.say("/quiz")
        asked = []
        for _ in range(4):  # all four missed: all four come back in the review
            message_id, message = ann.last()
            asked.append((message_id, message["text"]))
            await ann.answer(catalogue, right=False)
        clock.advance(60)
        await ann.say("/review")
        reviewed = []
        for _ in range(4):
            message_id, message = ann.last()
            reviewed.append(message["text"])
            await ann.answer(catalogue, right=False)
        edited = {mid: api.messages[(ANN.id, mid)]["text"] for mid, _text in asked}
    (multiple,) = [mid for mid, text in asked if hint in text]  # shown while it is asked
    assert hint not in edited[multiple] and "❌" in edited[multiple]  # gone once answered
    assert [text.split(" 第 ")[0] for text in reviewed] == ["📒 复习"] * 4
    assert [text.split("\n")[0].split(" 第 ")[1][:3] for text in reviewed] == [
        "1/4",
        "2/4",
        "3/4",
        "4/4",
    ]


async def test_the_daily_question_leaves_a_round_in_progress_alone(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
):
    ann = Player(api, TgUser(ANN.id, "Ann"))
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        await ann.say("/quiz 网购")  # one question: 7 days, B
        quiz_id, _ = ann.last()
        await ann.say("/daily")  # the morning's question comes in the middle of it
        daily_id, daily = ann.last()
        question = Player.question_in(runtime.engine.catalogue, daily["text"])
        data = next(
            d for _l, d in ann.buttons(daily_id) if "ABCDEF".index(d[-1]) in question.answer
        )
        daily_toast = await ann.press(daily_id, data)
        quiz_toast = await ann.press(quiz_id, ann.buttons(quiz_id)[1][1])
        assert quiz_toast.startswith("✅"), quiz_toast  # the round was still on
        await api.wait_for(lambda a: any("本轮结束" in m["text"] for _i, m in ann.bot_messages()))
        (summary,) = [m["text"] for _i, m in ann.bot_messages() if "本轮结束" in m["text"]]
    assert daily_toast.startswith("✅")
    assert "本轮结束" in summary and "答对 1/1" in summary


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
