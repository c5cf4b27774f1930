"""Bank files through the bot (fake Bot API) and the command line: hostile uploads change
nothing, names keep banks apart, replacing another bank waits for a button (or --force),
and an exported bank comes back the same."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.banks.exporter import bank_to_csv, bank_to_xlsx
from bot.banks.loader import load_banks
from bot.config import Settings
from tests.conftest import SAMPLE_BANKS, running_bot
from tests.data.hostile import by_name
from tests.fakebotapi import FakeBotApi, TgUser
from tests.helpers import REPO, files_under, run_cli
from tests.players import Player

ORGANIZER = TgUser(600, "Org", "org")
STRANGER = TgUser(601, "Stranger")
SAMPLE = (SAMPLE_BANKS / "sample.yaml").read_text("utf-8")
ROWS = (
    "题目,选项A,选项B,答案,解析,依据\n"
    "{q}经营者能否用店堂告示免除自己的责任？,能,不能,B,"
    "以店堂告示减轻、免除经营者责任的内容无效。,《消费者权益保护法》第二十六条\n"
)


@pytest.fixture
def org_settings(settings: Settings, banks: Path) -> Settings:
    return replace(settings, questions_dir=banks, admins=frozenset({ORGANIZER.id}))


async def upload(api: FakeBotApi, name: str, content: bytes) -> str:
    before = len(api.sent(ORGANIZER.id))
    api.send_document(ORGANIZER, name, content)
    await api.wait_for(lambda a: len(a.sent(ORGANIZER.id)) >= before + 2)
    return api.sent(ORGANIZER.id)[before + 1].text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("laughs.yaml", "用锚点和别名"),
        ("garbage.yaml", "文件：缺少键 'bank'"),
        ("red-lookalike.yaml", "既不是 quizbot 题库"),
        ("deep-flow.yaml", "YAML 格式错误：嵌套太深"),
        ("dimension.xlsx", "工作表声明了 1,048,576 行 × 16,384 列"),
        ("zip-bomb.xlsx", "解压后有 300 MB"),
        ("many-rows.csv", "超过 50,000 行"),
    ],
)
async def test_hostile_uploads_are_refused_in_chinese_and_change_nothing(
    api: FakeBotApi, org_settings: Settings, name: str, expected: str
) -> None:
    before = files_under(org_settings.questions_dir)
    async with running_bot(api, org_settings) as (_app, runtime):
        served = len(runtime.engine.catalogue.questions)
        reply = await upload(api, name, by_name(name).make())
        (score,) = await Player(api, ORGANIZER).say("/score")  # the bot still serves
        after = len(runtime.engine.catalogue.questions)
    assert reply.startswith(f"❌ {name} 有") and expected in reply, reply
    assert name in reply.splitlines()[1]  # the problem names the file (and its place)
    assert files_under(org_settings.questions_dir) == before and served == after
    assert score["text"]


async def test_replacing_another_bank_waits_for_the_organizers_button(
    api: FakeBotApi, org_settings: Settings
) -> None:
    org, stranger = Player(api, ORGANIZER), Player(api, STRANGER)
    bank_file = org_settings.questions_dir / "sample.yaml"
    other = SAMPLE.replace("title: 测试题库", "title: 另一个题库")
    async with running_bot(api, org_settings) as (_app, runtime):
        reply = await upload(api, "another.yaml", other.encode())
        message_id, _message = org.last()
        (install, cancel) = org.buttons(message_id)
        assert install[0] == "✅ 安装" and cancel[0] == "✖️ 取消"
        assert all(len(data.encode()) <= 64 for _label, data in (install, cancel))
        api.press(STRANGER, ORGANIZER.id, message_id, install[1])  # not theirs to press
        await api.wait_for(lambda a: len(a.toasts()) >= 1)
        await org.press(message_id, cancel[1], replies=1)
        cancelled = org.last()[1]["text"]
        unchanged = bank_file.read_text("utf-8")
        title_before = runtime.engine.catalogue.banks[0].title
        await org.press(message_id, install[1])  # a token is good once
        reply2 = await upload(api, "another.yaml", other.encode())
        second_id, _ = org.last()
        (install2, _cancel2) = org.buttons(second_id)
        before = len(api.sent(ORGANIZER.id))
        await org.press(second_id, install2[1])
        await api.wait_for(lambda a: len(a.sent(ORGANIZER.id)) >= before + 1)
        installed = api.sent(ORGANIZER.id)[-1].text
        title_after = runtime.engine.catalogue.banks[0].title
    del stranger
    assert "替换题库 test-sample“测试题库”为“另一个题库”" in reply and reply2 == reply
    assert "已取消" in cancelled and unchanged == SAMPLE and title_before == "测试题库"
    assert "✅ 已安装题库“另一个题库”（test-sample）" in installed, installed
    assert title_after == "另一个题库"
    (history,) = (org_settings.data_dir / "history").rglob("*.yaml")
    assert history.read_text("utf-8") == SAMPLE  # the replaced file is kept
    assert not list((org_settings.data_dir / "pending").iterdir())


async def test_deleting_more_than_a_few_questions_asks_first(
    api: FakeBotApi, org_settings: Settings
) -> None:
    cut = SAMPLE.split("  - id: t-multiple")[0]  # one question left, the FAQ gone
    async with running_bot(api, org_settings) as (_app, runtime):
        reply = await upload(api, "sample.yaml", cut.encode())
        kept = len(runtime.engine.catalogue.questions)
    assert "删除原有 6 道题和问答中的 5 条" in reply and kept == 4


async def test_chinese_file_names_keep_banks_apart(
    api: FakeBotApi, org_settings: Settings
) -> None:
    async with running_bot(api, org_settings) as (_app, runtime):
        first = await upload(api, "消费维权题库 (1).csv", ROWS.format(q="").encode())
        second = await upload(api, "食品安全题库 (1).csv", ROWS.format(q="又问：").encode())
        again = await upload(api, "消费维权题库 (2).csv", ROWS.format(q="").encode())
        banks = {b.title: b.id for b in runtime.engine.catalogue.banks}
    assert "✅" in first and "✅" in second, (first, second)
    assert "新增 0，修改 0，删除 0" in again  # a copy of the same file: the same bank
    assert {"消费维权题库", "食品安全题库"} <= set(banks)
    ids = [banks["消费维权题库"], banks["食品安全题库"]]
    assert ids[0] != ids[1] and all(len(i) > 3 for i in ids)


async def test_an_exported_bank_uploaded_back_changes_nothing(
    api: FakeBotApi, org_settings: Settings, tmp_path: Path
) -> None:
    shutil.copy(REPO / "questions" / "zh" / "credit.yaml", org_settings.questions_dir)
    (bank,) = [
        b
        for b in load_banks([org_settings.questions_dir]).catalogue.banks
        if b.id != "test-sample"
    ]
    async with running_bot(api, org_settings) as (_app, runtime):
        for name, content in (("征信 (3).xlsx", bank_to_xlsx(bank)), ("x.csv", bank_to_csv(bank))):
            reply = await upload(api, name, content)
            assert "新增 0，修改 0，删除 0" in reply, reply
        served = next(b for b in runtime.engine.catalogue.banks if b.id == bank.id)
    assert replace(served, path="") == replace(bank, path="")


def test_cli_import_needs_force_to_replace_and_speaks_the_asked_language(
    tmp_path: Path, banks: Path
) -> None:
    env = {"QUIZBOT_QUESTIONS_DIR": str(banks), "QUIZBOT_DATA_DIR": str(tmp_path / "d")}
    other = tmp_path / "other.yaml"
    other.write_text(SAMPLE.replace("title: 测试题库", "title: 另一个题库"), "utf-8")
    refused = run_cli("banks", "import", str(other), "--lang", "zh", env=env)
    assert refused.returncode == 1 and "替换题库 test-sample" in refused.stderr
    assert "--force" in refused.stderr and (banks / "sample.yaml").read_text() == SAMPLE
    forced = run_cli("banks", "import", str(other), "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    assert "another" not in forced.stderr and "installed" in forced.stderr
    assert "另一个题库" in (banks / "sample.yaml").read_text("utf-8")
    (history,) = (tmp_path / "d" / "history").rglob("*.yaml")
    assert history.read_text("utf-8") == SAMPLE
    broken = tmp_path / "broken.csv"
    broken.write_text("题目,选项A,选项B,答案,解析,依据\n问,是,否,C,解析,依据\n", "utf-8")
    zh = run_cli("banks", "validate", str(broken), env={**env, "LANG": "zh_CN.UTF-8"})
    en = run_cli("banks", "validate", str(broken), "--lang", "en", env=env)
    assert zh.returncode == en.returncode == 1
    assert f"{broken}，第 2 行，答案 (D) 列：“C”不在选项中（A-B）" in zh.stdout
    assert f"{broken}, row 2, column 答案 (D): 'C' is not among the options (A-B)" in en.stdout


def test_spreadsheet_problems_name_rows_never_lines() -> None:
    from bot.banks.importers import import_bytes

    sheet = "编号,题目,选项A,选项B,答案,解析,依据\n" + "".join(
        f"same,问题{n},是,否,A,解析,依据\n" for n in range(3)
    )
    result = import_bytes(sheet.encode(), "ids.csv")
    messages = result.messages("en")
    assert messages == [
        "ids.csv, row 3: duplicate question id 'same' (first at row 2)",
        "ids.csv, row 4: duplicate question id 'same' (first at row 2)",
    ]
