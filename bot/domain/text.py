"""Text normalisation shared by FAQ matching and typed answers.

Chinese is written without spaces, so matching works on characters: the normal form keeps
letters and digits, folds width and case (NFKC, casefold), turns punctuation, symbols and
control characters into spaces, and drops the spaces between two CJK characters.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["has_cjk", "normalise"]

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
_HAS_CJK = re.compile(f"[{_CJK}]")
#: Everything but letters and digits (\w is exactly Unicode's L* and N* categories, plus
#: the underscore): one C-level pass instead of a category look-up per character.
_NOT_KEPT = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """The comparable form of ``text``: NFKC, casefolded, letters and digits only.

    >>> normalise("Ｗｈａｔ’s  12315？ 网购 退货！")
    'what s 12315 网购退货'
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _CJK_GAP.sub("", _NOT_KEPT.sub(" ", folded).strip())


def has_cjk(text: str) -> bool:
    """True when ``text`` holds at least one Chinese character."""
    return _HAS_CJK.search(text) is not None
