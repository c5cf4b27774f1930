"""User-facing text: one module per language (``bot/texts/<code>.py``), the same keys in each.

Front ends never write user-facing text themselves: they call :func:`t`. The languages are
those of :mod:`bot.domain.languages`; a language's module is found by its code, so adding
a language is its module plus one registry line.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from bot.domain import languages

__all__ = ["coverage", "language_for", "t", "table"]

_TABLES: dict[str, Mapping[str, str]] = {}


def table(language: str) -> Mapping[str, str]:
    """Every text of a registered language (the default language's for any other code)."""
    code = language if languages.is_code(language) else languages.DEFAULT
    found = _TABLES.get(code)
    if found is None:
        found = _TABLES[code] = importlib.import_module(f"bot.texts.{code}").TEXTS
    return found


def t(language: str, key: str, /, **values: object) -> str:
    """The text ``key`` in ``language`` (falling back to the default's), filled with ``values``."""
    template = table(language).get(key) or table(languages.DEFAULT)[key]
    return template.format(**values) if values else template


def coverage(keys: set[str]) -> dict[str, set[str]]:
    """For each registered language, which of ``keys`` it has no text for (empty: all there)."""
    return {code: keys - set(table(code)) for code in languages.codes()}


def language_for(code: str | None) -> str:
    """The bot language for a Telegram ``language_code`` (see :mod:`bot.domain.languages`)."""
    return languages.language_for(code)
