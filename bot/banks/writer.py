"""A bank written out as YAML an organizer can read and edit.

PyYAML's own dumper spends most of its time representing Python values (about 13 s for
100,000 questions); a bank has only texts, lists of texts, a number and a truth, so this
writer chooses each text's style itself: plain when YAML reads it back as the same text,
a literal block for several lines, double quotes otherwise. ``parse_bank(bank_to_yaml(b))``
gives ``b`` back (a property test checks it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache

import yaml

from bot.domain.models import LETTERS, Bank, FaqEntry, Question, QuestionType

__all__ = ["bank_to_yaml", "scalar"]

HEADER = "# Imported by quizbot; edit freely, then check it with `quizbot banks validate`."

# A plain scalar must not start with an indicator or a space, hold ": " or " #", end with
# ":" or a space, or hold characters YAML treats as line breaks or may not show.
_ODD = "\x85\u2028\u2029\ufeff"
_PLAIN = re.compile(rf"[^\s\-?:,\[\]{{}}#&*!|>'\"%@`{_ODD}](?:[^\n\r\t{_ODD}]*[^\s:{_ODD}])?")
_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers
# Characters a double-quoted scalar must escape beyond what JSON escapes.
_ESCAPES = {
    0x85: "\\N",
    0x2028: "\\L",
    0x2029: "\\P",
    0xFEFF: "\\ufeff",
    **{code: f"\\x{code:02x}" for code in range(0x7F, 0xA0) if code != 0x85},
}


def _resolves_to_other(value: str) -> bool:
    """True when YAML would read ``value``, unquoted, as a number, truth, null or date."""
    for _tag, pattern in _RESOLVERS.get(value[0], ()):
        if pattern.match(value):
            return True
    return False


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False).translate(_ESCAPES)


@lru_cache(maxsize=4096)
def scalar(value: str, indent: str = "") -> str:
    """``value`` as a YAML scalar that reads back as exactly ``value``.

    Cached: sources, tags and options repeat from question to question."""
    if (
        _PLAIN.fullmatch(value)
        and value.isprintable()
        and ": " not in value
        and " #" not in value
        and not _resolves_to_other(value)
    ):
        return value
    if "\n" in value and _literal_ok(value):
        body = "\n".join(f"{indent}  {line}" if line else "" for line in value.split("\n"))
        return "|-\n" + body
    return _quoted(value)


def _literal_ok(value: str) -> bool:
    """A literal block keeps ``value`` exactly: no edge spaces, no character YAML bends."""
    lines = value.split("\n")
    return (
        not value[0].isspace()
        and not value.endswith("\n")
        and all(line == line.rstrip() for line in lines)
        and all(line.isprintable() for line in lines)  # no tab, no invisible character
    )


def _list(key: str, values: tuple[str, ...]) -> str:
    items = "".join(f"\n      - {scalar(value, '      ')}" for value in values)
    return f"    {key}:{items}"


def _answer(q: Question) -> str:
    if q.type is QuestionType.SINGLE:
        return f"    answer: {LETTERS[min(q.answer)]}"
    if q.type is QuestionType.MULTIPLE:
        return f"    answer: [{', '.join(LETTERS[i] for i in sorted(q.answer))}]"
    if q.type is QuestionType.TRUEFALSE:
        return f"    answer: {'true' if 0 in q.answer else 'false'}"
    return _list("answer", q.accepted)


def _question(q: Question) -> str:
    """One question's lines, as one string (a call per question, not per line)."""
    options = f"\n{_list('options', q.options)}" if q.type.rules.listed else ""
    return (
        f"  - id: {scalar(q.id)}\n"
        f"    type: {q.type.value}\n"
        f"    text: {scalar(q.text, '    ')}{options}\n"
        f"{_answer(q)}\n"
        f"    explanation: {scalar(q.explanation, '    ')}\n"
        f"    source: {scalar(q.source, '    ')}\n"
        f"{_list('tags', q.tags)}\n"
        f"    difficulty: {q.difficulty}"
    )


def _faq(entry: FaqEntry) -> str:
    keywords = f"\n{_list('keywords', entry.keywords)}" if entry.keywords else ""
    return (
        f"  - id: {scalar(entry.id)}\n"
        f"{_list('questions', entry.questions)}\n"
        f"    answer: {scalar(entry.answer, '    ')}\n"
        f"    source: {scalar(entry.source, '    ')}{keywords}"
    )


def lines(bank: Bank) -> Iterator[str]:
    """The bank's YAML file, a line (or an entry's lines) at a time, without line ends."""
    yield HEADER
    yield "bank:"
    yield f"  id: {scalar(bank.id)}"
    yield f"  title: {scalar(bank.title, '  ')}"
    yield f"  language: {bank.language}"
    if bank.description:
        yield f"  description: {scalar(bank.description, '  ')}"
    if bank.questions:
        yield "questions:"
        yield from map(_question, bank.questions)
    if bank.faq:
        yield "faq:"
        yield from map(_faq, bank.faq)


def bank_to_yaml(bank: Bank) -> str:
    """The bank as the text of a YAML bank file."""
    return "\n".join(lines(bank)) + "\n"
