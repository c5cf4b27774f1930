"""Small PNG charts drawn with Pillow: bars and lines, labelled in ASCII.

Pillow's built-in font has no Chinese glyphs, so charts label with numbers (Q1, T2 …)
and the message that carries the picture says what each number is.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

__all__ = ["bar_chart", "contest_chart", "line_chart"]

WIDTH = 900
PANEL = 300
MARGIN = 60
COLORS = ("#2f6db5", "#d9822b", "#3a9d5d", "#c23b3b", "#7b5aa6", "#888888")
BACKGROUND = "white"
AXIS = "#333333"
GRID = "#dddddd"


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _bars(
    draw: ImageDraw.ImageDraw,
    top: int,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    ymax: float,
    percent: bool,
    color: str,
) -> None:
    left, right, bottom = MARGIN, WIDTH - 20, top + PANEL - 40
    height = bottom - (top + 40)
    draw.text((left, top + 8), title, fill=AXIS, font=_font(18))
    for step in range(5):
        y = bottom - height * step / 4
        draw.line([(left, y), (right, y)], fill=GRID)
        tick = ymax * step / 4
        draw.text(
            (8, y - 8), f"{tick:.0%}" if percent else f"{tick:.0f}", fill=AXIS, font=_font(12)
        )
    draw.line([(left, top + 40), (left, bottom), (right, bottom)], fill=AXIS, width=2)
    if not values:
        return
    slot = (right - left) / len(values)
    width = max(2.0, slot * 0.7)
    small = _font(11 if len(values) > 20 else 13)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x0 = left + slot * index + (slot - width) / 2
        y0 = bottom - (height * min(value, ymax) / ymax if ymax else 0)
        draw.rectangle([x0, y0, x0 + width, bottom], fill=color)
        if len(values) <= 30:
            text = f"{value:.0%}" if percent else f"{value:g}"
            draw.text((x0, y0 - 15), text, fill=AXIS, font=small)
            draw.text((x0, bottom + 4), label, fill=AXIS, font=small)


def bar_chart(
    title: str, labels: Sequence[str], values: Sequence[float], percent: bool = True
) -> bytes:
    """One panel of bars (shares as percentages by default)."""
    image = Image.new("RGB", (WIDTH, PANEL + 20), BACKGROUND)
    ymax = 1.0 if percent else max([*values, 1.0])
    _bars(ImageDraw.Draw(image), 10, title, labels, values, ymax, percent, COLORS[0])
    return _png(image)


def contest_chart(title: str, share_right: Sequence[float], scores: Sequence[int]) -> bytes:
    """Share right per question, and how the players' scores spread."""
    image = Image.new("RGB", (WIDTH, 2 * PANEL + 40), BACKGROUND)
    draw = ImageDraw.Draw(image)
    labels = [f"Q{i}" for i in range(1, len(share_right) + 1)]
    _bars(
        draw,
        10,
        f"{title}: share of right answers per question",
        labels,
        share_right,
        1.0,
        True,
        COLORS[0],
    )
    low, high = (min(scores), max(scores)) if scores else (0, 0)
    bins = 8
    step = max(1, math.ceil((high - low + 1) / bins))
    counts = [0] * bins
    for score in scores:
        counts[min((score - low) // step, bins - 1)] += 1
    bin_labels = [f"{low + i * step}" for i in range(bins)]
    _bars(
        draw,
        PANEL + 30,
        "players by score (lower bound of each band)",
        bin_labels,
        counts,
        float(max([*counts, 1])),
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
