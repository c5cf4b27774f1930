"""User-facing text: one module per language, the same keys in each (a test checks it).

Front ends never write user-facing text themselves: they call :func:`t`.
"""

from __future__ import annotations

from bot.texts import en, zh

__all__ = ["LANGUAGES", "language_for", "t"]

_TEXTS: dict[str, dict[str, str]] = {"zh": zh.TEXTS, "en": en.TEXTS}
LANGUAGES = tuple(_TEXTS)


def language_for(code: str | None) -> str:
    """The bot language for a Telegram ``language_code``: Chinese for zh-* or none, else English."""
    if not code or code.lower().startswith("zh"):
        return "zh"
    return "en"


def t(language: str, key: str, /, **values: object) -> str:
    """The text ``key`` in ``language`` (falling back to Chinese), filled with ``values``."""
    table = _TEXTS.get(language, zh.TEXTS)
    template = table.get(key) or zh.TEXTS[key]
    return template.format(**values) if values else template
