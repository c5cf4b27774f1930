"""The console front end over the same engine, scripted through its input."""

from __future__ import annotations

import io

from bot.domain.models import QuestionType
from bot.engine import QuestionView
from bot.frontends.console import CONSOLE_USER_ID, Console
from bot.runtime import Runtime
from bot.views import render_question


def script_for_right_answers(runtime: Runtime, order: list[str]) -> str:
    lines = []
    for question_id in order:
        q = runtime.engine.catalogue.questions[question_id]
        if q.type is QuestionType.OPEN:
            lines.append(q.accepted[0])
        else:
            lines.append(",".join(str(i + 1) for i in sorted(q.answer)))
    return "\n".join(lines)


async def test_whole_quiz_and_faq_in_the_console(runtime: Runtime) -> None:
    # The rng is seeded: learn the order of the round first, then replay it through stdin.
    probe = await runtime.engine.start_quiz(
        await runtime.engine.see_user(Console(runtime, io.StringIO(), io.StringIO()).user),
        CONSOLE_USER_ID,
    )
    assert probe is not None
    row = await runtime.store.get_round(probe.round_id)
    assert row is not None
    answers = script_for_right_answers(runtime, list(row.question_ids))
    stdin = io.StringIO(f"{answers}\n/score\n商家不给开发票怎么办\n")
    stdout = io.StringIO()
    await Console(runtime, stdin, stdout).run()
    out = stdout.getvalue()
    assert "本轮结束！答对 4/4 题" in out
    assert "答题 4 道，答对 4 道（正确率 100%）" in out
    assert "经营者必须出具" in out and "第二十二条" in out
    assert out.rstrip().endswith("再见！")
    stored = await runtime.db.fetchone(
        "SELECT COUNT(*) AS n, SUM(correct) AS right_ FROM answers WHERE user_id = ?",
        (CONSOLE_USER_ID,),
    )
    assert (stored["n"], stored["right_"]) == (4, 4)


async def test_bad_pick_is_explained_and_loses_nothing(runtime: Runtime) -> None:
    stdin = io.StringIO("/quiz 网购\n9\n0\n饭店不给开发票怎么办\n2\n")
    stdout = io.StringIO()
    await Console(runtime, stdin, stdout).run()
    out = stdout.getvalue()
    assert out.count("请输入 1 到 3 之间的编号。") == 2
    assert "经营者必须出具" in out  # words, not a number: a question for the FAQ meanwhile
    assert "✅ 回答正确" in out
    assert "2) 7日" in out  # numbered options, not letters


async def test_english_console_and_end_of_input(runtime: Runtime) -> None:
    stdout = io.StringIO()
    await Console(runtime, io.StringIO("/help"), stdout, language="en").run()
    assert "How to use me" in stdout.getvalue()
    assert stdout.getvalue().rstrip().endswith("Bye!")


async def test_letters_answer_as_numbers_do_and_many_picks_are_explained(runtime: Runtime) -> None:
    stdin = io.StringIO("/quiz 网购\nb\n")
    stdout = io.StringIO()
    await Console(runtime, stdin, stdout).run()
    out = stdout.getvalue()
    assert "✅ 回答正确" in out  # "b" is option 2) as the buttons letter it
    assert "点“提交”" not in out
    multiple = next(
        q for q in runtime.engine.catalogue.questions.values() if q.type is QuestionType.MULTIPLE
    )
    shown = render_question(QuestionView(0, 0, 1, multiple), "zh", numbered=True)
    assert "用逗号隔开" in shown and "提交" not in shown


async def test_small_talk_in_the_console_speaks_of_commands_not_buttons(runtime: Runtime) -> None:
    stdout = io.StringIO()
    await Console(runtime, io.StringIO("你好\n好的\n"), stdout).run()
    out = stdout.getvalue()
    assert "你好！我是消费维权知识小助手" in out and out.count("输入 /quiz 答题") == 2
    assert "按钮" not in out


async def test_feedback_names_options_as_the_console_numbers_them(runtime: Runtime) -> None:
    stdin = io.StringIO("/quiz 网购\n1\n")
    stdout = io.StringIO()
    await Console(runtime, stdin, stdout).run()
    out = stdout.getvalue()
    assert "❌ 回答错误" in out
    assert "正确答案：2) 7日" in out  # as the question listed it, not "B. 7日"
    assert "你的答案：1) " in out and "B. " not in out
