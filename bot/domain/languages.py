"""The languages the bot speaks: one registry line each.

A language here is what the domain needs to know of it: its code (in banks, callback data
and the database), the Telegram ``language_code`` prefixes that choose it, and how its text
is written (in Han characters without spaces, or in words). Its user-facing text lives in
``bot/texts/<code>.py``; its banks say ``language: <code>``.

Adding a language: write ``bot/texts/<code>.py`` (every key of ``zh.py``), add one
:class:`Language` to :data:`REGISTERED` below, and ship banks in it. The tests check the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.text import has_cjk

__all__ = [
    "DEFAULT",
    "Language",
    "codes",
    "faq_language",
    "get",
    "is_code",
    "language_for",
    "register",
    "unregister",
]

#: The language of users Telegram tells nothing about, and of texts missing elsewhere.
DEFAULT = "zh"
_CODE = re.compile(r"[a-z]{2,3}")


@dataclass(frozen=True, slots=True)
class Language:
    """One language of the interface and the banks."""

    code: str
    #: Its own name, as /lang lists it.
    name: str
    #: Prefixes of Telegram's ``language_code`` that pick this language ("zh" for zh-hans).
    telegram: tuple[str, ...]
    #: Written in Han characters, without spaces between words.
    han: bool = False


_REGISTRY: dict[str, Language] = {}


def register(language: Language) -> None:
    """Add a language (tests add a throwaway one; the bot registers its own below)."""
    if not _CODE.fullmatch(language.code):
        raise ValueError(f"a language code is 2 or 3 lower-case letters, not {language.code!r}")
    _REGISTRY[language.code] = language


def unregister(code: str) -> None:
    """Remove a language added by :func:`register` (for tests)."""
    if code == DEFAULT:
        raise ValueError("the default language stays")
    _REGISTRY.pop(code, None)


def codes() -> tuple[str, ...]:
    """Every registered language code, in registration order."""
    return tuple(_REGISTRY)


def is_code(code: object) -> bool:
    return isinstance(code, str) and code in _REGISTRY


def get(code: str) -> Language:
    """The registered language ``code``, or the default one."""
    return _REGISTRY.get(code) or _REGISTRY[DEFAULT]


def language_for(telegram_code: str | None) -> str:
    """The bot language for a Telegram ``language_code``.

    A code that no registered language claims gets English when there is English (the
    common second language of the bot's users), else the default.
    """
    if not telegram_code:
        return DEFAULT
    wanted = telegram_code.lower()
    for language in _REGISTRY.values():
        if any(wanted.startswith(prefix) for prefix in language.telegram):
            return language.code
    return "en" if "en" in _REGISTRY else DEFAULT


def faq_language(text: str, preferred: str, available: set[str] | frozenset[str]) -> str:
    """Which language's FAQ should answer ``text``.

    Text in Han characters goes to a Han-script FAQ; other text to the ``preferred``
    language's FAQ when that language is written in words, else to the first such FAQ
    there is; with none, to ``preferred``.
    """
    han = has_cjk(text)
    candidates = [preferred, *_REGISTRY]
    for code in candidates:
        if code in available and code in _REGISTRY and _REGISTRY[code].han == han:
            return code
    return preferred


register(Language("zh", "中文", ("zh",), han=True))
register(Language("en", "English", ("en",)))
