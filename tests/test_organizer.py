"""Organizer tools end to end: uploads, /reload, /stats, the unanswered queue."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Settings
from bot.domain.contest import ContestSettings, ContestStatus
from bot.domain.models import User
from bot.runtime import Runtime
from bot.storage.contest_store import ContestStore
from tests.conftest import SAMPLE_BANKS, FakeClock, running_bot
from tests.fakebotapi import FakeBotApi, TgUser
from tests.helpers import data_env, files_under, run_cli
from tests.players import Player

ORGANIZER = TgUser(500, "Org", "org")
STRANGER = TgUser(501, "Stranger")
NEW_BANK = (
    "题目,选项A,选项B,答案,解析,依据,分类,难度\n"
    "经营者可以在店堂告示里写“最终解释权归本店所有”来免除自己的责任吗？,可以,不可以,B,"
    "以店堂告示等方式减轻、免除经营者责任的内容无效。,《消费者权益保护法》第二十六条,格式条款,1\n"
)


@pytest.fixture
def organizer_settings(settings: Settings, banks: Path) -> Settings:
    return replace(settings, questions_dir=banks, admins=frozenset({ORGANIZER.id}))


async def upload(
    api: FakeBotApi, user: TgUser, name: str, content: bytes, replies: int = 2
) -> list[str]:
    before = len(api.sent(user.id))
    api.send_document(user, name, content)
    await api.wait_for(lambda a: len(a.sent(user.id)) >= before + replies)
    return [c.text for c in api.sent(user.id)[before:]]


async def test_upload_installs_reloads_and_keeps_history(
    api: FakeBotApi, organizer_settings: Settings
):
    org = Player(api, ORGANIZER)
    questions = organizer_settings.questions_dir
    async with running_bot(api, organizer_settings) as (_app, runtime):
        _checking, installed = await upload(api, ORGANIZER, "格式条款.csv", NEW_BANK.encode("gbk"))
        (question,) = await org.say("/quiz 格式条款")
        changed = NEW_BANK.replace("无效。", "无效，消费者不受其约束。")
        _checking, second = await upload(api, ORGANIZER, "格式条款.csv", changed.encode())
        served = runtime.engine.catalogue.questions
    assert "✅ 已安装题库" in installed and "新增 1，修改 0，删除 0" in installed
    assert "最终解释权" in question["text"]  # served in the next quiz, with no restart
    assert "新增 0，修改 1，删除 0" in second and "旧版本已存入历史" in second
    (installed_file,) = [
        p for p in questions.rglob("*.yaml") if "sample" not in p.name and "vocab" not in str(p)
    ]
    assert installed_file.parent.name == "zh"
    history = list((organizer_settings.data_dir / "history").rglob("*.yaml"))
    assert len(history) == 1 and "消费者不受其约束" not in history[0].read_text("utf-8")
    assert any("消费者不受其约束" in q.explanation for q in served.values())
    assert not list(questions.rglob(".upload-*"))  # no temporary file left behind


@pytest.mark.parametrize(
    ("user", "name", "content", "size", "reply"),
    [
        (STRANGER, "bank.csv", NEW_BANK.encode(), None, "这是组织者的功能"),
        (ORGANIZER, "bank.docx", b"x", None, "只能上传 .yaml、.yml、.csv 或 .xlsx"),
        (ORGANIZER, "bank.csv", NEW_BANK.encode(), 2 * 1024 * 1024, "文件太大了"),
    ],
    ids=["not-an-organizer", "wrong-type", "too-big"],
)
async def test_refused_uploads_write_nothing(
    api: FakeBotApi,
    organizer_settings: Settings,
    user: TgUser,
    name: str,
    content: bytes,
    size: int | None,
    reply: str,
):
    before = files_under(organizer_settings.questions_dir)
    async with running_bot(api, organizer_settings):
        file_id = api.send_document(user, name, content)
        if size is not None:  # what Telegram says of the file's size is checked first
            api._updates[-1]["message"]["document"]["file_size"] = size
        (answer,) = await api.wait_calls("sendMessage", 1, user.id)
    assert reply in answer.text
    assert not api.sent(method="getFile")  # refused before downloading anything
    assert files_under(organizer_settings.questions_dir) == before
    assert not (organizer_settings.data_dir / "history").exists()
    del file_id


async def test_broken_upload_lists_every_problem_and_changes_nothing(
    api: FakeBotApi, organizer_settings: Settings
):
    before = files_under(organizer_settings.questions_dir)
    broken = NEW_BANK + "第二题,是,否,C,,《消费者权益保护法》第二条,x,1\n"
    async with running_bot(api, organizer_settings) as (_app, runtime):
        _checking, errors = await upload(api, ORGANIZER, "bad.csv", broken.encode())
        count = len(runtime.engine.catalogue.questions)
    assert errors.startswith("❌ bad.csv 有 2 处问题")
    # In the organizer's language (Telegram's "zh" here), with the row and column.
    assert "bad.csv，第 3 行，答案 (D) 列：“C”不在选项中（A-B）" in errors
    assert "bad.csv，第 3 行，解析 (E) 列：解析是空的" in errors
    assert files_under(organizer_settings.questions_dir) == before
    assert count == 4


async def test_upload_that_reuses_another_banks_ids_is_refused(
    api: FakeBotApi, organizer_settings: Settings
):
    sample = (SAMPLE_BANKS / "sample.yaml").read_text("utf-8")
    clash = sample.replace("id: test-sample", "id: another-bank")
    async with running_bot(api, organizer_settings):
        _checking, errors = await upload(api, ORGANIZER, "clash.yaml", clash.encode())
    assert "clash.yaml：题目编号 't-single' 已被题库“测试题库”（test-sample）使用" in errors


async def test_reload_keeps_the_old_version_of_a_broken_file(
    api: FakeBotApi, organizer_settings: Settings
):
    org = Player(api, ORGANIZER)
    bank = organizer_settings.questions_dir / "sample.yaml"
    async with running_bot(api, organizer_settings) as (_app, runtime):
        bank.write_text(bank.read_text("utf-8").replace("answer: B", "answer: Z"), "utf-8")
        (reply,) = await org.say("/reload")
        still = runtime.engine.catalogue.questions["t-single"].answer
        (stranger,) = await Player(api, STRANGER).say("/reload")
    assert "⚠️ 1 个文件有问题" in reply["text"]
    assert "sample.yaml:" in reply["text"]
    assert "题目 't-single'：answer 'Z' 不在选项中（A-C）" in reply["text"]
    assert still == frozenset({1})
    assert "这是组织者的功能" in stranger["text"]


async def test_stats_match_a_known_set_of_answers(
    api: FakeBotApi, organizer_settings: Settings, clock: FakeClock
):
    org = Player(api, ORGANIZER)
    async with running_bot(api, organizer_settings, clock) as (_app, runtime):
        # Six players answer the single-choice question (options 3日/7日/15日, B is right):
        # four pick C, two pick B: a wrong option beats the right one.
        for number, letters in enumerate(["C", "C", "B", "C", "B", "C"]):
            await answer_single(runtime, 700 + number, letters, seconds=2 + number)
        (summary,) = await org.say("/stats")
        await api.wait_calls("sendDocument", 1, ORGANIZER.id)
    rows = list(
        csv.DictReader(
            io.StringIO(
                api.sent(ORGANIZER.id, "sendDocument")[0].files["document"][1].decode("utf-8-sig")
            )
        )
    )
    (row,) = rows
    assert row["question"] == "t-single" and row["attempts"] == "6"
    assert row["share_right"] == "0.333" and row["average_seconds"] == "4.5"
    assert row["picks"] == "A:0 B:2 C:4"
    assert row["flags"] == "misleading"
    assert "测试题库：作答 6 次，正确率 33%" in summary["text"]
    assert "t-single（干扰项比正确答案更受欢迎）：6 次，正确率 33%，平均 4.5 秒" in summary["text"]


async def answer_single(runtime: Runtime, user_id: int, letters: str, seconds: float) -> None:
    from bot.domain.quiz import letters_to_indexes

    engine = runtime.engine
    user = await engine.see_user(User(user_id, f"p{user_id}"))
    view = await engine.start_quiz(user, user_id, "网购")
    engine.clock.advance(seconds)  # type: ignore[attr-defined]
    await engine.answer(user_id, view.round_id, 0, letters_to_indexes(letters))


async def test_unanswered_queue_lists_the_most_asked_first(
    api: FakeBotApi, organizer_settings: Settings
):
    asker = Player(api, STRANGER)
    async with running_bot(api, organizer_settings):
        await asker.say("猫粮哪个牌子好")
        for _ in range(3):
            await asker.say("彩票中奖要交税吗？")
    env = {
        **data_env(organizer_settings.data_dir, organizer_settings.database_url),
        "QUIZBOT_QUESTIONS_DIR": str(organizer_settings.questions_dir),
    }
    out = run_cli("faq", "unanswered", "--csv", env=env, timeout=60)
    rows = list(csv.reader(io.StringIO(out.stdout.lstrip("\ufeff"))))
    assert rows[0] == ["query", "count", "last_asked_utc"]
    assert rows[1][:2] == ["彩票中奖要交税吗？", "3"]
    assert rows[2][:2] == ["猫粮哪个牌子好", "1"]


async def test_results_asks_telegram_only_about_the_groups_it_lists(
    api: FakeBotApi, settings: Settings, clock: FakeClock
):
    """Twelve groups held contests; the admin runs the two with the newest ten."""
    admin = TgUser(600, "GroupAdmin")
    ours, theirs = [-1001, -1002], [-1003 - n for n in range(10)]
    for group in ours:
        api.admins[group] = {admin.id}
    # Oldest first: one contest in each of the others' groups, then 5 in each of ours.
    schedule = theirs + [ours[1]] * 5 + [ours[0]] * 5
    async with running_bot(api, settings, clock) as (_app, runtime):
        contests = ContestStore(runtime.db, runtime.store.batcher)
        created = {}
        for group in schedule:
            await contests.remember_group(group, f"群 {group}")
            clock.advance(60)
            created[
                await contests.create(
                    group, admin.id, ContestSettings(), [], ContestStatus.FINISHED, clock.now()
                )
            ] = group
        (menu,) = await Player(api, admin).say("/results")
        first = len(api.sent(method="getChatMember"))
        (again,) = await Player(api, admin).say("/results")
        cached = len(api.sent(method="getChatMember")) - first
        (none,) = await Player(api, STRANGER).say("/results")
        asked = {c.chat_id for c in api.sent(method="getChatMember")}
    picks = [b["callback_data"] for row in menu["reply_markup"]["inline_keyboard"] for b in row]
    newest_ours = sorted((i for i, g in created.items() if g in ours), reverse=True)
    assert picks == [f"x:{i}" for i in newest_ours]  # our ten contests, newest first
    assert first == 2  # one look-up for each of our two groups, none for the other ten
    # A second /results within minutes: the same list, and no look-up at all.
    assert cached == 0 and again["reply_markup"] == menu["reply_markup"]
    assert none["text"] == "还没有你能查看的竞赛。在你管理的群里用 /contest 发起一场吧。"
    assert asked == set(ours) | set(theirs)  # the stranger's look-ups: one a group
