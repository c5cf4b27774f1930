"""Small PNG charts drawn with Pillow: bars and lines, in the reader's language.

Titles come from :mod:`bot.texts` and are drawn with a subset of Noto Sans CJK SC that the
package ships (bot/fonts, SIL Open Font License; ``tools/subset_font.py`` rebuilds it), so
Chinese reads as Chinese. Bars are labelled with numbers (Q1, T2 …) and the message that
carries the picture says what each number is. Axes that count things have whole-number
ticks.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bot.domain import languages
from bot.texts import t

__all__ = ["FONT", "bar_chart", "contest_chart", "count_ticks", "line_chart", "score_bands"]

logger = logging.getLogger(__name__)

#: The charts' font: the characters of every text, from Noto Sans CJK SC Regular.
FONT = Path(__file__).resolve().parent / "fonts" / "NotoSansCJKsc-Regular-charts.otf"
WIDTH = 900
PANEL = 300
MARGIN = 60
COLORS = ("#2f6db5", "#d9822b", "#3a9d5d", "#c23b3b", "#7b5aa6", "#888888")
BACKGROUND = "white"
AXIS = "#333333"
GRID = "#dddddd"
#: At most this many score bands in a contest's chart.
BANDS = 8

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font(size: int) -> Font:
    try:
        return ImageFont.truetype(str(FONT), size)
    except OSError as exc:  # a broken install: draw anyway, Chinese as boxes
        logger.warning("chart font %s not loaded (%s): using Pillow's own", FONT.name, exc)
        return ImageFont.load_default(size=size)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def count_ticks(peak: float) -> list[int]:
    """Whole-number ticks from 0 to at least ``peak``: steps of 1, 2, 5, 10, 20 …, at most
    five lines."""
    step = 1
    while peak / step > 4:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return [step * n for n in range(max(1, math.ceil(peak / step)) + 1)]


def score_bands(scores: Sequence[int], bands: int = BANDS) -> tuple[list[str], list[int]]:
    """How many players scored in each band of round width ("0–499", "500–999" …).

    The width is the smallest of 1, 2, 5, 10, 20, 50 … that needs at most ``bands`` bands
    (one more when the lowest score is not at a band's start).
    """
    if not scores:
        return [], []
    low, high = min(scores), max(scores)
    step = 1
    while (high - low + 1) / step > bands:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    first = low // step * step
    count = (high - first) // step + 1
    counts = [0] * count
    for score in scores:
        counts[(score - first) // step] += 1
    labels = [
        f"{first + n * step}" if step == 1 else f"{first + n * step}–{first + (n + 1) * step - 1}"
        for n in range(count)
    ]
    return labels, counts


def _every(draw: ImageDraw.ImageDraw, texts: Sequence[str], font: Font, slot: float) -> int:
    """Label every n-th bar so that labels ``slot`` pixels apart never touch."""
    widest = max((draw.textlength(text, font=font) for text in texts), default=0.0)
    return max(1, math.ceil((widest + 6) / slot))


def _bars(
    draw: ImageDraw.ImageDraw,
    top: int,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    ticks: Sequence[float],
    percent: bool,
    color: str,
) -> None:
    # The title, then room for the figure over a full bar, then the plot.
    left, right, plot, bottom = MARGIN, WIDTH - 20, top + 52, top + PANEL - 40
    height = bottom - plot
    ymax = ticks[-1] or 1
    draw.text((left, top + 4), title, fill=AXIS, font=_font(18))
    for tick in ticks:
        y = bottom - height * tick / ymax
        draw.line([(left, y), (right, y)], fill=GRID)
        text = f"{tick:.0%}" if percent else f"{tick:g}"
        draw.text((left - 8, y), text, fill=AXIS, font=_font(12), anchor="rm")
    draw.line([(left, plot), (left, bottom), (right, bottom)], fill=AXIS, width=2)
    if not values:
        return
    slot = (right - left) / len(values)
    width = max(2.0, slot * 0.7)
    small = _font(11 if len(values) > 20 else 13)
    figures = [f"{value:.0%}" if percent else f"{value:g}" for value in values]
    # Figures over the bars only when each fits; labels under them, thinned out if need be.
    show_figures = _every(draw, figures, small, slot) == 1
    every = _every(draw, labels, small, slot)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x0 = left + slot * index + (slot - width) / 2
        y0 = bottom - height * min(value, ymax) / ymax
        draw.rectangle([x0, y0, x0 + width, bottom], fill=color)
        middle = x0 + width / 2
        if show_figures:
            draw.text((middle, y0 - 3), figures[index], fill=AXIS, font=small, anchor="md")
        if index % every == 0:
            draw.text((middle, bottom + 5), label, fill=AXIS, font=small, anchor="mt")


def bar_chart(
    title: str, labels: Sequence[str], values: Sequence[float], percent: bool = True
) -> bytes:
    """One panel of bars: shares as percentages, or counts on whole-number ticks."""
    image = Image.new("RGB", (WIDTH, PANEL + 20), BACKGROUND)
    ticks: Sequence[float] = (
        [0, 0.25, 0.5, 0.75, 1.0] if percent else count_ticks(max(values or [1]))
    )
    _bars(ImageDraw.Draw(image), 10, title, labels, values, ticks, percent, COLORS[0])
    return _png(image)


def contest_chart(
    title: str,
    share_right: Sequence[float],
    scores: Sequence[int],
    language: str = languages.DEFAULT,
) -> bytes:
    """Share right per question, and how the players' scores spread, in ``language``."""
    image = Image.new("RGB", (WIDTH, 2 * PANEL + 40), BACKGROUND)
    draw = ImageDraw.Draw(image)
    labels = [f"Q{i}" for i in range(1, len(share_right) + 1)]
    _bars(
        draw,
        10,
        t(language, "chart_share_title", title=title),
        labels,
        share_right,
        [0, 0.25, 0.5, 0.75, 1.0],
        True,
        COLORS[0],
    )
    bands, counts = score_bands(scores)
    _bars(
        draw,
        PANEL + 30,
        t(language, "chart_scores_title"),
        bands,
        counts,
        count_ticks(max(counts, default=1)),
        False,
        COLORS[1],
    )
    return _png(image)


def line_chart(
    title: str,
    xlabel: str,
    ylabel: str,
    series: dict[str, Sequence[tuple[float, float]]],
    log: bool = True,
) -> bytes:
    """Lines on log-log axes by default (for cost against size)."""
    height = 460
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    left, right, top, bottom = MARGIN + 20, WIDTH - 190, 50, height - 50
    draw.text((left, 12), title, fill=AXIS, font=_font(18))
    points = [p for values in series.values() for p in values if p[1] > 0 and p[0] > 0]
    if not points:
        return _png(image)
    scale = math.log10 if log else (lambda v: v)
    xs = [scale(x) for x, _ in points]
    ys = [scale(y) for _, y in points]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = math.floor(min(ys)), math.ceil(max(ys)) if max(ys) > min(ys) else min(ys) + 1

    def at(x: float, y: float) -> tuple[float, float]:
        return (
            left + (scale(x) - x0) / (x1 - x0) * (right - left),
            bottom - (scale(y) - y0) / (y1 - y0) * (bottom - top),
        )

    for exponent in range(int(y0), int(y1) + 1):
        y = bottom - (exponent - y0) / (y1 - y0) * (bottom - top)
        draw.line([(left, y), (right, y)], fill=GRID)
        draw.text(
            (8, y - 8), f"{10**exponent:g}" if log else f"{exponent}", fill=AXIS, font=_font(12)
        )
    for x, _ in sorted(set((x, 0) for x, _ in points)):
        px = at(x, 10**y0 if log else y0)[0]
        draw.text((px - 15, bottom + 6), f"{x:g}", fill=AXIS, font=_font(12))
    draw.line([(left, top), (left, bottom), (right, bottom)], fill=AXIS, width=2)
    draw.text((left, height - 22), xlabel, fill=AXIS, font=_font(13))
    draw.text((8, top - 30), ylabel, fill=AXIS, font=_font(13))
    for index, (name, values) in enumerate(series.items()):
        color = COLORS[index % len(COLORS)]
        line = [at(x, y) for x, y in values if x > 0 and y > 0]
        if len(line) > 1:
            draw.line(line, fill=color, width=3)
        for px, py in line:
            draw.ellipse([px - 4, py - 4, px + 4, py + 4], fill=color)
        draw.text((right + 15, top + 22 * index), f"- {name}", fill=color, font=_font(14))
    return _png(image)
