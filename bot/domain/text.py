"""Text normalisation shared by FAQ matching and typed answers.

Chinese is written without spaces, so matching works on characters: the normal form keeps
letters and digits, folds width and case (NFKC, casefold), turns punctuation, symbols and
control characters into spaces, and drops the spaces between two CJK characters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["has_cjk", "normalise"]

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
_HAS_CJK = re.compile(f"[{_CJK}]")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=8192)
def _keep(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LN"


def normalise(text: str) -> str:
    """The comparable form of ``text``: NFKC, casefolded, letters and digits only.

    >>> normalise("Ｗｈａｔ’s  12315？ 网购 退货！")
    'what s 12315 网购退货'
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(ch if _keep(ch) else " " for ch in folded)
    return _CJK_GAP.sub("", _SPACES.sub(" ", kept).strip())


def has_cjk(text: str) -> bool:
    """True when ``text`` holds at least one Chinese character."""
    return _HAS_CJK.search(text) is not None
