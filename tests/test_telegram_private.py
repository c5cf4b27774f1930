"""End to end in a private chat: the real Application against the fake Bot API."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from bot.config import Settings
from bot.domain.models import QuestionType
from tests.conftest import SAMPLE_BANKS, FakeClock, running_bot
from tests.fakebotapi import FakeBotApi, TgUser
from tests.players import Player

ALICE = TgUser(1001, "Alice", "alice")
BOB = TgUser(1002, "Bob", language_code="en")


async def test_start_registers_commands_and_shows_menu(api: FakeBotApi, settings: Settings):
    async with running_bot(api, settings):
        (welcome,) = await Player(api, ALICE).say("/start")
    commands = api.sent(method="setMyCommands")
    assert {c.params.get("language_code") for c in commands} == {None, "en"}
    assert [c["command"] for c in commands[0].params["commands"]][:2] == ["start", "quiz"]
    assert "Alice" in welcome["text"]
    buttons = welcome["reply_markup"]["inline_keyboard"]
    assert {"text": "📝 开始答题", "callback_data": "u:quiz"} in buttons[0]


async def test_english_user_gets_english(api: FakeBotApi, settings: Settings):
    async with running_bot(api, settings):
        (reply,) = await Player(api, BOB).say("/help")
    assert "How to use me" in reply["text"]


async def test_whole_quiz_scores_and_stores_every_answer(
    api: FakeBotApi, settings: Settings, clock: FakeClock
):
    alice = Player(api, ALICE)
    async with running_bot(api, settings, clock) as (_app, runtime):
        catalogue = runtime.engine.catalogue
        await alice.say("/quiz")
        seen = []
        for number in range(1, 5):
            _mid, message = alice.last()
            assert f"第 {number}/4 题" in message["text"]
            clock.advance(3)
            right = number != 2  # the second answer is wrong on purpose
            seen.append((await alice.answer(catalogue, right), right))
        summary = alice.last()[1]["text"]
        answers = await runtime.db.fetchall(
            "SELECT question_id, correct, points, elapsed_ms FROM answers WHERE user_id = ?",
            (ALICE.id,),
        )
        stats = await runtime.db.fetchone(
            "SELECT * FROM user_stats WHERE user_id = ?", (ALICE.id,)
        )
        round_row = await runtime.db.fetchone("SELECT finished_at FROM rounds")
    assert {q.type for q, _ in seen} == set(QuestionType)  # every kind of question was played
    assert "本轮结束" in summary and "答对 3/4" in summary
    assert [(a["question_id"], bool(a["correct"])) for a in answers] == [
        (q.id, right) for q, right in seen
    ]
    assert all(a["elapsed_ms"] == 3000 for a in answers)
    expected_points = sum(100 * q.difficulty for q, right in seen if right)
    assert stats["answered"] == 4 and stats["correct"] == 3
    assert stats["points"] == expected_points
    assert round_row["finished_at"] is not None


async def test_answer_feedback_edits_the_question_with_explanation_and_source(
    api: FakeBotApi, settings: Settings
):
    alice = Player(api, ALICE)
    async with running_bot(api, settings) as (_app, runtime):
        await alice.say("/quiz 网购")  # a tag: the single-choice question only
        message_id, _ = alice.last()
        question = await alice.answer(runtime.engine.catalogue, right=True)
    edited = api.messages[(ALICE.id, message_id)]
    assert "✅" in edited["text"]
    assert question.explanation in edited["text"]
    assert question.source in edited["text"]
    assert "reply_markup" not in edited  # no buttons left to press


async def test_an_option_letter_typed_instead_of_tapped_is_the_answer(
    api: FakeBotApi, settings: Settings
):
    alice = Player(api, ALICE)
    async with running_bot(api, settings) as (_app, runtime):
        await alice.say("/quiz 网购")  # one single-choice question: B is right
        message_id, _ = alice.last()
        two = await alice.say("AB", replies=1)  # two letters: not an answer to it
        (feedback, *_rest) = await alice.say("ｂ", replies=2)  # a full-width b, then the summary
        stored = await runtime.db.fetchall("SELECT choice, correct FROM answers")
        gaps = await runtime.db.fetchone("SELECT COUNT(*) AS n FROM faq_queries WHERE text = 'ｂ'")
    assert "✅ 回答正确" not in two[0]["text"]  # the FAQ's reply instead
    assert feedback["text"].startswith("✅ 回答正确")
    question = api.messages[(ALICE.id, message_id)]
    assert "reply_markup" not in question  # its buttons went with the typed answer
    assert "7日" in question["text"]  # the question itself stays
    assert [(row["choice"], row["correct"]) for row in stored] == [("B", 1)]
    assert gaps["n"] == 0  # an answer, not a question the FAQ could not answer


async def test_double_and_forged_presses_never_score(api: FakeBotApi, settings: Settings):
    alice, bob = Player(api, ALICE), Player(api, BOB)
    async with running_bot(api, settings) as (_app, runtime):
        await alice.say("/quiz 网购")
        message_id, _ = alice.last()
        data = alice.buttons(message_id)[1][1]  # B, the right answer
        first = await alice.press(message_id, data, replies=1)
        again = await alice.press(message_id, data)
        # Bob forges a press on Alice's round from his own chat.
        forged = await bob.press(message_id, data)
        garbage = await bob.press(message_id, "a:999999:0:B")
        count = await runtime.db.fetchone("SELECT COUNT(*) AS n FROM answers")
        points = await runtime.db.fetchone("SELECT SUM(points) AS p FROM user_stats")
    assert first.startswith("✅")
    assert again == "这一轮已经结束了。发送 /quiz 再来一轮。"
    assert forged == "That question is not yours."
    assert garbage == "That question no longer exists."
    assert count["n"] == 1
    assert points["p"] == 100


async def test_answer_under_a_message_older_than_two_days_still_moves_the_round_on(
    api: FakeBotApi, settings: Settings
):
    alice = Player(api, ALICE)
    async with running_bot(api, settings):
        await alice.say("/quiz 网购")  # one question
        message_id, question = alice.last()
        data = alice.buttons(message_id)[1][1]  # B, the right answer
        edits_before = len(api.sent(method="editMessageText"))
        # Telegram no longer shows the bot an old message's text: it can't be edited.
        toast = await alice.press(
            message_id, data, replies=2, old=True
        )  # an achievement, the summary
        summary = alice.last()[1]["text"]
    assert toast.startswith("✅")
    assert "本轮结束" in summary and "答对 1/1" in summary
    assert len(api.sent(method="editMessageText")) == edits_before
    assert api.messages[(ALICE.id, message_id)] == question  # left as it was


async def test_faq_answer_suggestions_and_unanswered_are_recorded(
    api: FakeBotApi, settings: Settings
):
    alice = Player(api, ALICE)
    async with running_bot(api, settings) as (_app, runtime):
        (answer,) = await alice.say("网上买的衣服不喜欢了还能退吗？")
        (unknown,) = await alice.say("今天晚上吃什么好呢")
        rows = await runtime.db.fetchall(
            "SELECT text, outcome, faq_id FROM faq_queries ORDER BY id"
        )
    assert "7日内可以无理由退货" in answer["text"]
    assert "《消费者权益保护法》第二十五条" in answer["text"]
    assert "12315" in unknown["text"]
    assert [(r["outcome"], r["faq_id"]) for r in rows] == [
        ("answered", "faq-test-return"),
        ("unanswered", None),
    ]


def _english_banks(folder: Path) -> None:
    """The sample (Chinese) bank, and two English banks filed after it."""
    shutil.copy(SAMPLE_BANKS / "sample.yaml", folder / "a-sample.yaml")
    for bank_id, title, text in (
        ("en-returns", "Returns", "May you return goods bought online within 7 days?"),
        ("en-scams", "Scams", "Should you share a text-message code with a caller?"),
    ):
        bank = {
            "bank": {"id": bank_id, "title": title, "language": "en"},
            "questions": [
                {
                    "id": f"{bank_id}-1",
                    "type": "truefalse",
                    "text": text,
                    "answer": bank_id == "en-returns",
                    "explanation": "The law says so.",
                    "source": "Consumer Rights Protection Law, Article 25",
                    "tags": [title.lower()],
                    "difficulty": 1,
                }
            ],
        }
        (folder / f"b-{bank_id}.yaml").write_text(yaml.safe_dump(bank), encoding="utf-8")


async def test_topics_and_their_numbers_follow_the_users_language(
    api: FakeBotApi, settings: Settings, tmp_path: Path
):
    folder = tmp_path / "banks"
    folder.mkdir()
    _english_banks(folder)
    bob, alice = Player(api, BOB), Player(api, ALICE)
    async with running_bot(api, replace(settings, questions_dir=folder)):
        english = await bob.say("/topics", replies=2)
        chinese = await alice.say("/topics", replies=2)
        rounds = {}
        for number in (1, 2, 3):
            (first,) = await bob.say(f"/quiz {number}")
            rounds[number] = first["text"]

    def labels(message: dict[str, Any]) -> list[str]:
        return [row[0]["text"] for row in message["reply_markup"]["inline_keyboard"]]

    assert english[0]["text"].startswith("Pick a topic")
    assert labels(english[0]) == ["1. Returns (1 questions)", "2. Scams (1 questions)"]
    assert english[1]["text"] == "Topics in other languages:"
    assert labels(english[1]) == ["3. 测试题库 (4 questions)"]
    assert chinese[0]["text"].startswith("选择一个专题")
    assert labels(chinese[0]) == ["1. 测试题库（4 题）"]
    assert chinese[1]["text"] == "其他语言的专题："
    assert labels(chinese[1]) == ["2. Returns（1 题）", "3. Scams（1 题）"]
    # /quiz N plays the topic numbered N in the user's own list.
    assert "within 7 days" in rounds[1] and "Question 1/1" in rounds[1]
    assert "text-message code" in rounds[2]
    assert "Question 1/4" in rounds[3]
