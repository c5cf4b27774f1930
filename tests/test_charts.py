"""Charts: in the reader's language, with a font that has the characters, whole-number counts."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fontTools.ttLib import TTFont

from bot.charts import FONT, bar_chart, contest_chart, count_ticks, score_bands
from bot.config import Settings
from bot.domain import languages
from bot.domain.contest import ContestSettings, ContestStatus
from bot.domain.models import User
from bot.storage.contest_store import ContestStore
from bot.texts import t
from tests.conftest import FakeClock, running_bot
from tests.fakebotapi import FakeBotApi, TgUser
from tests.players import Player

#: What charts draw besides their titles: numbers, percentages, Q1/T1 labels, score bands.
DRAWN = "0123456789%#QT–.-: "


def test_the_font_has_every_character_the_charts_draw() -> None:
    cmap = TTFont(FONT)["cmap"].getBestCmap()
    for code in languages.codes():
        titles = [
            t(code, "chart_share_title", title="#1234567890"),
            t(code, "chart_scores_title"),
            t(code, "progress_chart_title"),
        ]
        missing = {ch for ch in "".join(titles) + DRAWN if ord(ch) not in cmap}
        # If this fails after a change of texts: rebuild the font with tools/subset_font.py.
        assert not missing, f"{code}: {sorted(missing)} not in {FONT.name}"
    assert (FONT.parent / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE")


@pytest.mark.parametrize("peak", [0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 19, 23, 48, 99, 101, 1234])
def test_counts_get_whole_number_ticks(peak: int) -> None:
    ticks = count_ticks(peak)
    assert all(isinstance(tick, int) for tick in ticks)
    assert ticks[0] == 0 and ticks[-1] >= max(peak, 1) and 2 <= len(ticks) <= 5
    assert len({b - a for a, b in zip(ticks, ticks[1:], strict=False)}) == 1  # evenly spaced
    assert str(ticks[1])[0] in "125"  # 1, 2, 5, 10, 20, 50 …


@pytest.mark.parametrize(
    "scores",
    [[0], [1500, 1500], [2100, 1800, 950, 2400, 0], list(range(0, 5000, 37)), [499, 500, 9999]],
)
def test_score_bands_hold_every_score_once(scores: list[int]) -> None:
    labels, counts = score_bands(scores)
    assert sum(counts) == len(scores) and len(labels) == len(counts) <= 9
    for label, count in zip(labels, counts, strict=True):
        low, _, high = label.partition("–")
        inside = [s for s in scores if int(low) <= s <= int(high or low)]
        assert len(inside) == count


async def test_charts_speak_the_readers_language(
    api: FakeBotApi, settings: Settings, clock: FakeClock
):
    zh, en = TgUser(700, "组织者"), TgUser(701, "Organizer", language_code="en")
    async with running_bot(api, replace(settings, admins=frozenset({zh.id, en.id})), clock) as (
        _app,
        runtime,
    ):
        contests = ContestStore(runtime.db, runtime.store.batcher)
        questions = list(runtime.engine.catalogue.questions.values())[:3]
        contest_id = await contests.create(
            -100500, zh.id, ContestSettings(), questions, ContestStatus.FINISHED, clock.now()
        )
        for n in range(3):
            await contests.join(contest_id, User(710 + n, f"P{n}"), clock.now())
        chart = await runtime.results.chart_data(contest_id)
        await Player(api, zh).say("/quiz")
        await Player(api, zh).answer(runtime.engine.catalogue, right=True)
        await Player(api, zh).say("/progress")
        (progress,) = await api.wait_calls("sendPhoto", 1, zh.id)
        api.send_text(zh, f"/chart {contest_id}")  # answered with a photo alone
        api.send_text(en, f"/chart {contest_id}")
        zh_chart = (await api.wait_calls("sendPhoto", 2, zh.id))[1]
        (en_chart,) = await api.wait_calls("sendPhoto", 1, en.id)
    png = {
        lang: contest_chart(f"#{contest_id}", chart.shares, chart.scores, lang)
        for lang in ("zh", "en")
    }
    assert png["zh"] != png["en"]
    assert zh_chart.files["photo"][1] == png["zh"]
    assert en_chart.files["photo"][1] == png["en"]
    assert progress.files["photo"][1] == bar_chart(t("zh", "progress_chart_title"), ["T1"], [1.0])
