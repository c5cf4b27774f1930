"""The FAQ learning from use, end to end: small talk, 👍/👎, "did you mean" picks, and the
organizers' review that turns what people asked into phrasings (chat and command line)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.banks.editing import EditError, add_phrasing
from bot.banks.loader import load_banks
from bot.config import Settings
from tests.conftest import running_bot
from tests.fakebotapi import FakeBotApi, TgUser
from tests.helpers import data_env, run_cli
from tests.players import Player

ANN = TgUser(2101, "Ann")
ORGANIZER = TgUser(2102, "Org")
#: Says what the return entry answers, in words none of its phrasings uses.
ODD = "收快递以后七天之内反悔行不行"


@pytest.fixture
def organized(settings: Settings, banks: Path) -> Settings:
    return replace(settings, questions_dir=banks, admins=frozenset({ORGANIZER.id}))


async def test_small_talk_gets_a_word_and_the_menu_and_is_not_a_gap(
    api: FakeBotApi, organized: Settings
) -> None:
    async with running_bot(api, organized) as (_app, runtime):
        (hello,) = await Player(api, ANN).say("你好呀")
        outcomes = await runtime.db.fetchall("SELECT outcome FROM faq_queries")
        queue = await runtime.faq.pending()
    assert hello["text"].startswith("你好！我是消费维权知识小助手")
    assert any(
        b["callback_data"] == "u:quiz"
        for row in hello["reply_markup"]["inline_keyboard"]
        for b in row
    )
    assert [r["outcome"] for r in outcomes] == ["smalltalk"] and queue == []


async def test_thumbs_under_an_answer_are_recorded_once_and_a_miss_goes_to_review(
    api: FakeBotApi, organized: Settings
) -> None:
    ann = Player(api, ANN)
    async with running_bot(api, organized) as (_app, runtime):
        (answer,) = await ann.say("饭店不给开发票怎么办")
        message_id, _ = ann.last()
        (up, down) = ann.buttons(message_id)
        assert up[0] == "👍 有帮助" and down[0] == "👎 没帮助"
        thanks = await ann.press(message_id, up[1])
        again = await ann.press(message_id, up[1])
        sorry = await ann.press(message_id, down[1])
        stranger = await Player(api, TgUser(2199, "Eve")).press(message_id, down[1])
        cases = await runtime.faq.pending()
        votes = await runtime.db.fetchall("SELECT kind, user_id FROM faq_feedback ORDER BY kind")
    assert "经营者必须出具" in answer["text"]
    assert (thanks, again, sorry) == ("谢谢反馈！", "你已经答过这题了。", sorry)
    assert sorry.startswith("抱歉没帮上忙")
    assert stranger == "这不是你的题目哦。"
    assert [(v["kind"], v["user_id"]) for v in votes] == [("down", ANN.id), ("up", ANN.id)]
    assert [(c.item.text, c.item.source) for c in cases] == [("饭店不给开发票怎么办", "down")]


async def test_a_picked_suggestion_approved_in_chat_answers_the_next_asker_at_once(
    api: FakeBotApi, organized: Settings, banks: Path
) -> None:
    ann, org = Player(api, ANN), Player(api, ORGANIZER)
    bank_file = banks / "sample.yaml"
    before = bank_file.read_text(encoding="utf-8")
    async with running_bot(api, organized) as (_app, runtime):
        first = runtime.engine.catalogue.matcher("zh").decide(ODD)
        assert first.outcome.value == "suggested"  # the premise: not answered at once
        (suggest,) = await ann.say(ODD)
        message_id, _ = ann.last()
        labels = ann.buttons(message_id)
        position = next(i for i, (label, _) in enumerate(labels) if "衣服" in label)
        await ann.press(message_id, labels[position][1], replies=1)
        (item,) = await org.say("/review_faq")
        item_id, _ = org.last()
        choices = org.buttons(item_id)
        assert choices[0][0].startswith("➕ 网上买的衣服不喜欢了还能退吗")  # the entry picked
        await org.press(item_id, choices[0][1])
        await api.wait_for(lambda a: "✅" in a.messages[(ORGANIZER.id, item_id)]["text"])
        decided = api.messages[(ORGANIZER.id, item_id)]["text"]
        replay = await org.press(item_id, choices[0][1])
        (answered,) = await Player(api, TgUser(2103, "Ben")).say(ODD)
    assert suggest["text"] == "我不太确定你问的是哪个问题，是下面这些吗？"
    assert ODD in item["text"] and "问过 1 次" in item["text"]
    assert "已加为“网上买的衣服不喜欢了还能退吗”的新问法" in decided
    assert replay == "这一条已经处理过了。"
    assert answered["text"].startswith("可以。网购商品自收到之日起7日内")  # at once, this time
    after = bank_file.read_text(encoding="utf-8")
    # One line more, every other line as it was (comments and layout kept).
    assert after.splitlines() == _with_line(before.splitlines(), f"      - {ODD}")
    (bank,) = load_banks([bank_file]).catalogue.banks
    assert ODD in bank.faq[0].questions


def _with_line(lines: list[str], new: str) -> list[str]:
    at = lines.index("      - 网购后悔了能退货吗") + 1
    return [*lines[:at], new, *lines[at:]]


async def test_the_command_line_reviews_the_same_queue(
    api: FakeBotApi, organized: Settings, banks: Path, tmp_path: Path
) -> None:
    ann = Player(api, ANN)
    async with running_bot(api, organized):
        await ann.say("明天会下雨吗？我的快递呢")  # unanswered: queued
        await ann.say(ODD)  # "did you mean": queued once a suggestion is picked
        message_id, _ = ann.last()
        await ann.press(message_id, ann.buttons(message_id)[-1][1], replies=1)
    env = {
        **data_env(organized.data_dir, organized.database_url),
        "QUIZBOT_QUESTIONS_DIR": str(banks),
    }
    listed = run_cli("faq", "review", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "明天会下雨吗？我的快递呢" in listed.stdout and ODD in listed.stdout
    item_of = {
        line.split("] ", 1)[1].split("  (")[0]: line[1 : line.index("]")]
        for line in listed.stdout.splitlines()
        if line.startswith("[")
    }
    rejected = run_cli("faq", "review", "--reject", item_of["明天会下雨吗？我的快递呢"], env=env)
    approved = run_cli(
        "faq", "review", "--approve", item_of[ODD], "--entry", "faq-test-return", env=env
    )
    again = run_cli("faq", "review", "--approve", item_of[ODD], env=env)
    asked = run_cli("faq", "ask", ODD, "--json", env=env)
    assert rejected.returncode == 0 and approved.returncode == 0, approved.stderr
    assert again.returncode == 1 and "no pending review item" in again.stderr
    assert '"id": "faq-test-return"' in asked.stdout and '"outcome": "answered"' in asked.stdout
    assert "明天会下雨吗" not in run_cli("faq", "review", env=env).stdout


def test_a_phrasing_goes_into_a_flow_list_and_a_broken_edit_changes_nothing(
    tmp_path: Path,
) -> None:
    bank = tmp_path / "flow.yaml"
    text = (
        "# a comment that stays\n"
        "bank: {id: flow, title: 流, language: zh}\n"
        "faq:\n"
        "  - id: faq-flow-a\n"
        "    questions: [退货运费谁出, 运费谁付, 退货邮费, 运费险]\n"
        "    answer: 一般由消费者承担。\n"
        "    source: 《消费者权益保护法》第二十五条\n"
    )
    bank.write_text(text, encoding="utf-8")
    add_phrasing(bank, "faq-flow-a", "寄回去的运费: 我出吗, 还是他出")
    edited = bank.read_text(encoding="utf-8")
    assert edited.startswith("# a comment that stays\n")
    assert yaml.safe_load(edited)["faq"][0]["questions"][-1] == "寄回去的运费: 我出吗, 还是他出"
    with pytest.raises(EditError, match="already a phrasing"):
        add_phrasing(bank, "faq-flow-a", "运费 谁付？")
    with pytest.raises(EditError, match="no FAQ entry"):
        add_phrasing(bank, "faq-none", "x")
    with pytest.raises(EditError):
        add_phrasing(bank, "faq-flow-a", "长" * 300)  # over the phrasing limit: invalid
    assert bank.read_text(encoding="utf-8") == edited
