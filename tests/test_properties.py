"""Property-based tests: whatever comes in from outside, nothing crashes or half-loads."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from bot.banks.importers import ImportError_, import_bytes
from bot.banks.loader import parse_bank
from bot.domain import callbacks as cb
from bot.domain.faq import MAX_SUGGESTIONS, FaqMatcher, Outcome, content_size
from bot.domain.quiz import match_typed
from bot.domain.text import normalise
from tests.conftest import SAMPLE_BANKS

SAMPLE = (SAMPLE_BANKS / "sample.yaml").read_text(encoding="utf-8")
CSV = (
    Path(__file__).resolve().parent.parent / "questions" / "examples" / "sample-bank.csv"
).read_bytes()

any_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)
nasty = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\u202e",
        "😀" * 50,
        "A" * 10_000,
        "问" * 10_000,
        "\n\n",
        "---",
        "- -",
        ": :",
        "&a *a",
        "!!python/object:os.system",
        "bank:",
        "[",
        "{",
        "\t",
    ]
)


def mutate(text: str, data: st.DataObject) -> str:
    """Delete, duplicate or replace a random slice, a few times."""
    for _ in range(data.draw(st.integers(1, 4))):
        if not text:
            break
        start = data.draw(st.integers(0, len(text) - 1))
        end = data.draw(st.integers(start, min(len(text), start + 80)))
        action = data.draw(st.sampled_from(["delete", "duplicate", "replace"]))
        if action == "delete":
            text = text[:start] + text[end:]
        elif action == "duplicate":
            text = text[:end] + text[start:end] + text[end:]
        else:
            text = text[:start] + data.draw(st.one_of(nasty, any_text)) + text[end:]
    return text


def check_parse(text: str) -> None:
    bank, errors, _ = parse_bank(text, "bank.yaml")
    assert (bank is None) == bool(errors)  # never half-loaded: a bank, or errors
    for error in errors:
        assert error.path == "bank.yaml" and error.line >= 1 and error.message
        assert str(error).startswith("bank.yaml:")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_loader_on_mutated_banks(data: st.DataObject) -> None:
    check_parse(mutate(SAMPLE, data))


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_loader_on_random_text(text: str) -> None:
    check_parse(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_csv_importer_on_mutated_sheets(data: st.DataObject, encoding: str) -> None:
    text = mutate(CSV.decode("utf-8"), data)
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        raw = text.encode("utf-8")
    try:
        result = import_bytes(raw, "bank.csv", bank_id="fuzz")
    except ImportError_ as exc:
        assert str(exc).startswith("bank.csv")
        return
    assert (result.yaml_text is None) == bool(result.errors)
    for error in result.messages():
        assert error.startswith("bank.csv")
    if result.yaml_text is not None:
        check_parse(result.yaml_text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(
            st.one_of(any_text, nasty, st.integers(), st.floats(allow_nan=False), st.none()),
            max_size=12,
        ),
        max_size=8,
    )
)
def test_xlsx_importer_on_random_cells(rows: list[list[object]]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["题目", "选项A", "选项B", "答案", "解析", "依据"])
    for row in rows:
        try:
            sheet.append(row)
        except Exception:  # openpyxl refuses control characters in cells
            assume(False)
    out = io.BytesIO()
    book.save(out)
    result = import_bytes(out.getvalue(), "bank.xlsx", bank_id="fuzz")
    assert (result.yaml_text is None) == bool(result.errors)
    if result.yaml_text is not None:
        check_parse(result.yaml_text)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["a.csv", "a.xlsx", "a.json", "a.yaml"]))
def test_importers_on_random_bytes(raw: bytes, name: str) -> None:
    try:
        result = import_bytes(raw, name)
    except ImportError_ as exc:
        assert str(exc).startswith(name)
    else:
        assert (result.yaml_text is None) == bool(result.errors)


def _matcher() -> FaqMatcher:
    from bot.banks.loader import load_banks

    return load_banks([SAMPLE_BANKS]).catalogue.matcher("zh")


SAMPLE_MATCHER = _matcher()


@settings(max_examples=400, deadline=None)
@given(st.one_of(any_text, nasty))
def test_faq_matcher_on_any_unicode(text: str) -> None:
    hits = SAMPLE_MATCHER.rank(text, 5)
    assert all(0 <= h.score <= 100 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    decision = SAMPLE_MATCHER.decide(text)
    tuning = SAMPLE_MATCHER.tuning
    short = content_size(normalise(text)) < tuning.min_content
    floor = tuning.short_suggest_from if short else tuning.suggest_from
    if decision.outcome is Outcome.ANSWERED:  # only when the model is confident enough
        assert not short and decision.confidence >= tuning.answer_at
        assert decision.best is not None and decision.best.entry == hits[0].entry
    elif decision.outcome is Outcome.SUGGESTED:
        assert 0 < len(decision.suggestions) <= MAX_SUGGESTIONS
        assert all(h.score >= floor for h in decision.suggestions)
    elif decision.outcome is Outcome.SMALLTALK:
        assert decision.smalltalk and not decision.hits
    else:  # nothing close enough, or the model too unsure even to suggest
        assert not decision.hits
        assert all(h.score < floor for h in hits) or (
            not short and decision.confidence < tuning.suggest_at
        )


@settings(max_examples=400, deadline=None)
@given(st.one_of(any_text, nasty))
def test_normalise_is_idempotent_and_typed_answers_never_crash(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert isinstance(match_typed(text, ("12315", "消费者协会")), bool)


callback_like = st.builds(
    lambda prefix, a, b, letters: f"{prefix}:{a}:{b}:{letters}",
    st.sampled_from(list("amckjrxftuz")),
    st.integers(-5, 10**17),
    st.integers(-5, 100),
    st.text(alphabet="ABCDEFGZ", max_size=8),
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(any_text, callback_like, st.binary().map(lambda b: b.decode("latin-1"))))
def test_callback_parser_never_raises_and_round_trips(data: str) -> None:
    decoded = cb.decode(data)
    if decoded is not None:
        assert cb.encode(decoded) == data  # only canonical data is accepted
        assert len(data.encode()) <= 64


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.one_of(any_text, nasty).filter(lambda t: t.strip() and not t.startswith("/")),
        min_size=5,
        max_size=12,
    )
)
def test_text_handlers_on_any_unicode(tmp_path_factory, database_url, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Every text a person may send, in a private chat and a group: a reply, never a crash.
    (On PostgreSQL the examples share the test's database.)"""
    import asyncio
    import logging

    from bot.config import Settings
    from tests.conftest import FakeClock, FakeScheduler, running_bot
    from tests.fakebotapi import FakeBotApi, TgUser

    failures: list[logging.LogRecord] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR:
                failures.append(record)

    async def scenario() -> None:
        clock = FakeClock()
        user, group = TgUser(31337, "Fuzz"), -100999
        settings = Settings(
            data_dir=tmp_path_factory.mktemp("fuzz"),
            questions_dir=SAMPLE_BANKS,
            flood_limit=1000,
            database_url=database_url,
        )
        async with FakeBotApi(clock=clock.now) as api:
            api.admins[group] = {user.id}
            async with running_bot(api, settings, clock, FakeScheduler(clock)):
                api.send_text(user, "/contest 1 10", group)
                await api.wait_calls("sendMessage", 1, group)
                for text in texts:
                    api.send_text(user, text)
                    api.send_text(user, text, group)
                await api.wait_calls("sendMessage", len(texts), user.id, timeout=30)
        replies = api.sent(user.id)
        assert all(0 < len(c.text) <= 4096 for c in replies)

    handler = Catch()
    logging.getLogger().addHandler(handler)
    try:
        asyncio.run(scenario())
    finally:
        logging.getLogger().removeHandler(handler)
    assert not failures, [r.getMessage() for r in failures]
