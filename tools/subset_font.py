"""Rebuild the charts' font, bot/fonts/NotoSansCJKsc-Regular-charts.otf.

Charts speak the user's language, so they need Chinese glyphs, which Pillow's built-in font
lacks. The bot ships a subset of Noto Sans CJK SC Regular (SIL Open Font License 1.1,
bot/fonts/OFL.txt) holding only the characters its texts use: every character of every
text in bot/texts, printable ASCII and a few signs — about 85 KB instead of 16 MB.

Run it after adding texts with new characters (tests/test_charts.py says when):

    apt-get install fonts-noto-cjk          # the source: Noto Sans CJK, Debian's package
    .venv/bin/python -m tools.subset_font   # fonttools comes with the test extras

The copyright and licence records of the font's name table are kept.
"""

from __future__ import annotations

import argparse
import string
import sys
from pathlib import Path

from fontTools import subset

from bot.domain import languages
from bot.texts import table

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
#: The face of Noto Sans CJK SC (Simplified Chinese) in the collection.
SC_FACE = 2
TARGET = (
    Path(__file__).resolve().parent.parent / "bot" / "fonts" / "NotoSansCJKsc-Regular-charts.otf"
)
#: Signs a chart may draw besides the texts: ASCII, and a few for numbers and ranges.
EXTRA = string.printable.strip() + " ％–—…·•×≤≥"


def characters() -> str:
    """Every character the charts may draw: those of the texts of every language, and EXTRA."""
    found = set(EXTRA)
    for code in languages.codes():
        for text in table(code).values():
            found |= set(text)
    return "".join(sorted(ch for ch in found if ch.isprintable()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="Noto Sans CJK .ttc")
    parser.add_argument("--output", type=Path, default=TARGET)
    args = parser.parse_args()
    if not args.source.exists():
        print(f"{args.source} not found: apt-get install fonts-noto-cjk", file=sys.stderr)
        return 1
    options = subset.Options()
    options.font_number = SC_FACE
    options.layout_features = []  # Pillow lays text out without OpenType features
    options.hinting = False
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.name_languages = ["*"]
    font = subset.load_font(str(args.source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters())
    subsetter.subset(font)
    subset.save_font(font, str(args.output), options)
    print(f"{args.output.name}: {args.output.stat().st_size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
