"""The bank schema: every rule, each with its own readable message.

The validator walks the YAML node tree (not the constructed Python values), so every
problem carries the line it comes from. It collects all problems of a file instead of
stopping at the first, and builds the :class:`~bot.domain.models.Bank` only when there
are none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

import yaml

from bot.domain.models import LETTERS, Bank, FaqEntry, Question, QuestionType
from bot.domain.text import normalise

__all__ = ["LIMITS", "BankError", "id_node", "tg_len", "validate_document"]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"

ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,48}$")
LANGUAGES = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Limits:
    """Length limits, in UTF-16 code units as Telegram counts them."""

    title: int = 100
    description: int = 500
    question: int = 300  # a quiz poll's question
    option: int = 100  # a quiz poll's option
    options_min: int = 2
    options_max: int = len(LETTERS)
    explanation: int = 1000
    source: int = 300
    tag: int = 30
    faq_phrasing: int = 200
    faq_phrasings_min: int = 4
    faq_answer: int = 3000
    keyword: int = 30


LIMITS = Limits()


def tg_len(text: str) -> int:
    """Length of ``text`` as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _too_long(text: str, limit: int) -> bool:
    # A character is at most two UTF-16 units: most texts are far below any limit.
    return len(text) * 2 > limit and tg_len(text) > limit


@dataclass(frozen=True, slots=True, order=True)
class BankError:
    """One problem in a bank file, reported as ``path:line: message``."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class _Invalid(Exception):
    """Raised inside a field check; the walker turns it into a BankError."""

    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1  # marks are 0-based


_KIND = {
    _BOOL: "true/false",
    _NULL: "nothing",
    _INT: "a number",
    _FLOAT: "a number",
    _STR: "text",
}


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return _KIND.get(node.tag, "an unsupported value")


T = TypeVar("T")


class _Checker:
    """Collects the errors of one file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[BankError] = []

    def error(self, node: yaml.Node, message: str) -> None:
        self.errors.append(BankError(self.path, _line(node), message))

    def mapping(
        self,
        node: yaml.Node,
        what: str,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> dict[str, yaml.Node] | None:
        """The keys of a mapping node; unknown, missing and duplicate keys are errors."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping of keys, not {_kind(node)}")
            return None
        found: dict[str, yaml.Node] = {}
        allowed = required + optional
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None:
                self.error(key_node, f"{what}: a key must be a plain word")
            elif key in found:
                self.error(key_node, f"{what}: duplicate key '{key}'")
            elif key not in allowed:
                hint = _close_match(key, allowed)
                self.error(
                    key_node,
                    f"{what}: unknown key '{key}'"
                    + (f" (did you mean '{hint}'?)" if hint else ""),
                )
            else:
                found[key] = value_node
        for key in required:
            if key not in found:
                self.error(node, f"{what}: missing key '{key}'")
        return found

    def field(
        self,
        fields: dict[str, yaml.Node],
        key: str,
        what: str,
        check: Callable[[yaml.Node], T],
    ) -> T | None:
        """Run ``check`` on one field; a failed check records an error and gives None."""
        node = fields.get(key)
        if node is None:
            return None
        try:
            return check(node)
        except _Invalid as exc:
            self.error(exc.node, f"{what}: {key} {exc.message}")
            return None


def _close_match(key: str, allowed: tuple[str, ...]) -> str | None:
    from difflib import get_close_matches

    matches = get_close_matches(key, allowed, n=1, cutoff=0.6)
    return matches[0] if matches else None


# --- field checks: each returns the value or raises _Invalid ---------------------------


def _scalar_text(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag not in (_STR, _INT, _FLOAT):
        hint = " (put it in quotes)" if node.tag == _BOOL else ""
        raise _Invalid(node, f"must be text, not {_kind(node)}{hint}")
    return str(node.value)


# YAML folds a line break into a space, which Chinese does not want between characters.
_CJK_SPACE = re.compile(
    r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])"
    r" +"
    r"(?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])"
)


@cache
def text(limit: int) -> Callable[[yaml.Node], str]:
    """A check of a non-empty text of at most ``limit`` characters."""

    def check(node: yaml.Node) -> str:
        value = _scalar_text(node).strip()
        if " " in value:
            value = _CJK_SPACE.sub("", value)
        if not value:
            raise _Invalid(node, "is empty")
        if _too_long(value, limit):
            raise _Invalid(node, f"is {tg_len(value)} characters long; the limit is {limit}")
        return value

    return check


def identifier(node: yaml.Node) -> str:
    value = _scalar_text(node)
    if not ID_RE.match(value):
        raise _Invalid(
            node, f"'{value}' must be 1-48 characters of letters, digits, '_', '.' or '-'"
        )
    return value


def language(node: yaml.Node) -> str:
    value = _scalar_text(node)
    if value not in LANGUAGES:
        raise _Invalid(node, f"'{value}' must be one of: {', '.join(LANGUAGES)}")
    return value


def difficulty(node: yaml.Node) -> int:
    if (
        not isinstance(node, yaml.ScalarNode)
        or node.tag != _INT
        or node.value not in ("1", "2", "3")
    ):
        raise _Invalid(node, f"must be 1, 2 or 3, not {node.value!r}")
    return int(node.value)


@cache
def text_list(
    limit: int, minimum: int = 0, loose: bool = False
) -> Callable[[yaml.Node], tuple[str, ...]]:
    """A check of a list of texts with no two alike.

    ``loose`` compares texts as the FAQ matcher does (normalised: punctuation, width and
    case aside); otherwise up to case and surrounding space, which is cheaper.
    """

    def check(node: yaml.Node) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode) and node.tag != _NULL and minimum <= 1:
            return (text(limit)(node),)
        if not isinstance(node, yaml.SequenceNode):
            raise _Invalid(node, f"must be a list, not {_kind(node)}")
        if len(node.value) < minimum:
            raise _Invalid(node, f"must list at least {minimum}, not {len(node.value)}")
        values = []
        seen: dict[str, yaml.Node] = {}
        for item in node.value:
            value = text(limit)(item)
            key = normalise(value) if loose else value.casefold()
            if key in seen:
                raise _Invalid(item, f"repeats '{value}' (line {_line(seen[key])})")
            seen[key] = item
            values.append(value)
        return tuple(values)

    return check


def question_type(node: yaml.Node) -> QuestionType:
    value = _scalar_text(node)
    try:
        return QuestionType(value)
    except ValueError:
        choices = ", ".join(t.value for t in QuestionType)
        raise _Invalid(node, f"'{value}' must be one of: {choices}") from None


def letters(node: yaml.Node, count: int, many: bool) -> frozenset[int]:
    """Option letters: 'B' for single choice, [A, C] or 'AC' for multiple choice."""
    if isinstance(node, yaml.SequenceNode) and many:
        items = [(_scalar_text(item).strip().upper(), item) for item in node.value]
    elif isinstance(node, yaml.ScalarNode) and node.tag == _STR:
        raw = node.value.replace(",", "").replace(" ", "").upper()
        items = [(ch, node) for ch in raw] if many else [(raw, node)]
    else:
        shape = "letters such as [A, C]" if many else "one letter such as B"
        raise _Invalid(node, f"must be {shape}, not {_kind(node)}")
    if not items:
        raise _Invalid(node, "is empty")
    if not many and len(items[0][0]) != 1:
        raise _Invalid(node, f"'{items[0][0]}' must be one letter (use type: multiple for more)")
    picked: set[int] = set()
    valid = LETTERS[:count]
    for letter, item in items:
        if len(letter) != 1 or letter not in valid:
            raise _Invalid(item, f"'{letter}' is not among the options ({valid[0]}-{valid[-1]})")
        index = LETTERS.index(letter)
        if index in picked:
            raise _Invalid(item, f"repeats '{letter}'")
        picked.add(index)
    return frozenset(picked)


# --- sections ---------------------------------------------------------------------------

_BANK_KEYS = ("id", "title", "language")
_QUESTION_KEYS = ("id", "type", "text", "answer", "explanation", "source", "tags", "difficulty")
_FAQ_KEYS = ("id", "questions", "answer", "source")


@dataclass(slots=True)
class _BankHead:
    id: str
    title: str
    language: str
    description: str


def validate_document(path: str, root: yaml.Node | None) -> tuple[Bank | None, list[BankError]]:
    """Validate one composed YAML document.

    Args:
        path: the file's path as it should appear in messages.
        root: the document's root node (None for an empty file).

    Returns:
        The bank and no errors, or None and every error found.
    """
    checker = _Checker(path)
    if root is None:
        checker.errors.append(BankError(path, 1, "the file is empty"))
        return None, checker.errors
    top = checker.mapping(root, "the file", ("bank",), ("questions", "faq"))
    if top is None:
        return None, checker.errors
    head = _bank_head(checker, top.get("bank"))
    lang = head.language if head else "zh"
    bank_id = head.id if head else ""
    questions = list(_items(checker, top.get("questions"), "questions"))
    faq_nodes = list(_items(checker, top.get("faq"), "faq"))
    built_questions = [q for q in (_question(checker, n, bank_id, lang) for n in questions) if q]
    built_faq = [f for f in (_faq(checker, n, bank_id, lang) for n in faq_nodes) if f]
    if not questions and not faq_nodes and "bank" in top:
        checker.error(root, "the bank is empty: it needs at least one question or FAQ entry")
    _check_unique(checker, questions, "question")
    _check_unique(checker, faq_nodes, "FAQ entry")
    if checker.errors or head is None:
        return None, sorted(checker.errors)
    bank = Bank(
        id=head.id,
        title=head.title,
        language=head.language,
        path=path,
        description=head.description,
        questions=tuple(built_questions),
        faq=tuple(built_faq),
    )
    return bank, []


def _bank_head(checker: _Checker, node: yaml.Node | None) -> _BankHead | None:
    if node is None:
        return None
    fields = checker.mapping(node, "bank", _BANK_KEYS, ("description",))
    if fields is None:
        return None
    values = {
        "id": checker.field(fields, "id", "bank", identifier),
        "title": checker.field(fields, "title", "bank", text(LIMITS.title)),
        "language": checker.field(fields, "language", "bank", language),
    }
    description = checker.field(fields, "description", "bank", text(LIMITS.description))
    if any(v is None for v in values.values()):
        return None
    return _BankHead(description=str(description or ""), **values)  # type: ignore[arg-type]


def _items(checker: _Checker, node: yaml.Node | None, key: str) -> Iterator[yaml.Node]:
    if node is None:
        return
    if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
        return  # "questions:" with nothing under it: an empty section
    if not isinstance(node, yaml.SequenceNode):
        checker.error(node, f"{key} must be a list (each entry starting with '- ')")
        return
    yield from node.value


def id_node(entry: yaml.Node) -> yaml.ScalarNode | None:
    """The node of an entry's id: the first ``id`` key's value that is a scalar, if any."""
    if isinstance(entry, yaml.MappingNode):
        for key, value in entry.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "id":
                if isinstance(value, yaml.ScalarNode):
                    return value
    return None


def _named(kind: str, node: yaml.Node) -> str:
    """'question 'x-001'' when the entry has a usable id, else just the kind."""
    ident = id_node(node)
    return f"{kind} '{ident.value}'" if ident is not None and ident.value else kind


def _question(checker: _Checker, node: yaml.Node, bank_id: str, lang: str) -> Question | None:
    what = _named("question", node)
    before = len(checker.errors)
    fields = checker.mapping(node, what, _QUESTION_KEYS, ("options",))
    if fields is None:
        return None
    qid = checker.field(fields, "id", what, identifier)
    qtype = checker.field(fields, "type", what, question_type)
    body = checker.field(fields, "text", what, text(LIMITS.question))
    explanation = checker.field(fields, "explanation", what, text(LIMITS.explanation))
    source = checker.field(fields, "source", what, text(LIMITS.source))
    tags = checker.field(fields, "tags", what, text_list(LIMITS.tag, minimum=1))
    level = checker.field(fields, "difficulty", what, difficulty)
    options: tuple[str, ...] = ()
    answer: frozenset[int] = frozenset()
    accepted: tuple[str, ...] = ()
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        if "options" not in fields:
            checker.error(node, f"{what}: missing key 'options' (type {qtype} needs them)")
        else:
            options = checker.field(fields, "options", what, _options) or ()
        if options:
            many = qtype is QuestionType.MULTIPLE
            picked = checker.field(
                fields, "answer", what, lambda n: letters(n, len(options), many)
            )
            answer = picked or frozenset()
    elif qtype is not None:
        if "options" in fields:
            checker.error(
                fields["options"], f"{what}: a question of type {qtype} takes no options"
            )
        if qtype is QuestionType.TRUEFALSE:
            answer = checker.field(fields, "answer", what, _truth) or frozenset()
        else:
            accepted = (
                checker.field(fields, "answer", what, text_list(LIMITS.option, minimum=1)) or ()
            )
    if len(checker.errors) > before or qtype is None:
        return None
    return Question(
        id=str(qid),
        bank_id=bank_id,
        language=lang,
        type=qtype,
        text=str(body),
        options=options,
        answer=answer,
        accepted=accepted,
        explanation=str(explanation),
        source=str(source),
        tags=tags,  # type: ignore[arg-type]
        difficulty=int(level),  # type: ignore[arg-type]
    )


def _options(node: yaml.Node) -> tuple[str, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise _Invalid(node, f"must be a list, not {_kind(node)}")
    count = len(node.value)
    if not LIMITS.options_min <= count <= LIMITS.options_max:
        raise _Invalid(
            node, f"has {count}; a question needs {LIMITS.options_min}-{LIMITS.options_max}"
        )
    return text_list(LIMITS.option)(node)


def _truth(node: yaml.Node) -> frozenset[int]:
    if not isinstance(node, yaml.ScalarNode) or node.tag != _BOOL:
        raise _Invalid(node, f"must be true or false, not {node.value!r}")
    return frozenset({0} if node.value.lower() in ("true", "yes", "on", "y") else {1})


def _faq(checker: _Checker, node: yaml.Node, bank_id: str, lang: str) -> FaqEntry | None:
    what = _named("FAQ entry", node)
    before = len(checker.errors)
    fields = checker.mapping(node, what, _FAQ_KEYS, ("keywords",))
    if fields is None:
        return None
    fid = checker.field(fields, "id", what, identifier)
    phrasings = checker.field(
        fields,
        "questions",
        what,
        text_list(LIMITS.faq_phrasing, LIMITS.faq_phrasings_min, loose=True),
    )
    answer = checker.field(fields, "answer", what, text(LIMITS.faq_answer))
    source = checker.field(fields, "source", what, text(LIMITS.source))
    keywords = checker.field(fields, "keywords", what, text_list(LIMITS.keyword))
    if len(checker.errors) > before:
        return None
    return FaqEntry(
        id=str(fid),
        bank_id=bank_id,
        language=lang,
        questions=phrasings,  # type: ignore[arg-type]
        answer=str(answer),
        source=str(source),
        keywords=keywords or (),
    )


def _check_unique(checker: _Checker, nodes: list[yaml.Node], what: str) -> None:
    seen: dict[str, int] = {}
    for node in nodes:
        ident = id_node(node)
        if ident is None:
            continue
        if ident.value in seen:
            checker.error(
                ident, f"duplicate {what} id '{ident.value}' (first at line {seen[ident.value]})"
            )
        else:
            seen[ident.value] = _line(ident)
