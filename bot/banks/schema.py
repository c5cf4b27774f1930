"""The bank schema: every rule, each with its own readable message.

The validator walks the YAML node tree (not the constructed Python values), so every
problem carries the line it comes from. It collects all problems of a file instead of
stopping at the first, and builds the :class:`~bot.domain.models.Bank` only when there
are none.

Spreadsheets go through the same rules: their importer builds one small node tree per row
whose marks are :class:`RowMark` (the row, its sheet and the column of each field), so a
problem names the row and column instead of a line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

import yaml

from bot.banks.problems import BankError, Msg, Unit, msg
from bot.domain.models import LETTERS, Bank, FaqEntry, Question, QuestionType
from bot.domain.text import normalise

__all__ = [
    "ID_RE",
    "LANGUAGES",
    "LIMITS",
    "BankBuilder",
    "BankError",
    "RowMark",
    "canonical_text",
    "id_node",
    "tg_len",
    "validate_document",
]

_STR = "tag:yaml.org,2002:str"
_ScalarNode = yaml.ScalarNode
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


class RowMark:
    """Where a spreadsheet row's nodes come from: the row, its sheet, each field's column."""

    __slots__ = ("columns", "line", "row", "sheet", "unit")

    def __init__(
        self, row: int, columns: dict[str, str], sheet: str = "", unit: Unit = Unit.ROW
    ) -> None:
        self.row = row
        self.line = row - 1  # as a YAML mark counts, so that code reading marks works alike
        self.columns = columns
        self.sheet = sheet
        self.unit = unit


class _Invalid(Exception):
    """Raised inside a field check; the walker turns it into a BankError."""

    def __init__(self, node: yaml.Node, problem: Msg) -> None:
        super().__init__(problem.key)
        self.node = node
        self.problem = problem


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1  # marks are 0-based


def _place(node: yaml.Node) -> Msg:
    mark = node.start_mark
    if isinstance(mark, RowMark):
        key = "bank_place_item" if mark.unit is Unit.ITEM else "bank_place_row"
        return msg(key, number=mark.row)
    return msg("bank_place_line", number=_line(node))


_KIND = {
    _BOOL: "bank_kind_bool",
    _NULL: "bank_kind_null",
    _INT: "bank_kind_number",
    _FLOAT: "bank_kind_number",
    _STR: "bank_kind_text",
}


def kind_of(node: yaml.Node) -> Msg:
    """What a node holds, as a phrase: "a list", "a number" …"""
    if isinstance(node, yaml.MappingNode):
        return msg("bank_kind_mapping")
    if isinstance(node, yaml.SequenceNode):
        return msg("bank_kind_list")
    return msg(_KIND.get(node.tag, "bank_kind_other"))


T = TypeVar("T")


class _Checker:
    """Collects the errors of one file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[BankError] = []

    def error(
        self,
        node: yaml.Node,
        problem: Msg,
        what: Msg | Callable[[], Msg] | None = None,
        key: str | None = None,
    ) -> None:
        """Record ``problem`` at ``node``: about the field ``key`` of the entry ``what``.

        A spreadsheet row names its column instead of the field, and needs no entry: its row
        says which.
        """
        mark = node.start_mark
        if isinstance(mark, RowMark):
            column = mark.columns.get(key or "", "")
            if column:
                text = msg("bank_cell", text=problem)
            else:
                text = problem if key is None else msg("bank_field", key=key, text=problem)
            self.errors.append(BankError(self.path, mark.row, text, mark.unit, column, mark.sheet))
            return
        text = problem if key is None else msg("bank_field", key=key, text=problem)
        if what is not None:
            text = msg("bank_in", what=what if isinstance(what, Msg) else what(), text=text)
        self.errors.append(BankError(self.path, _line(node), text))

    def mapping(
        self,
        node: yaml.Node,
        what: Msg | Callable[[], Msg],
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> dict[str, yaml.Node] | None:
        """The keys of a mapping node; unknown, missing and duplicate keys are errors."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, msg("bank_not_mapping", kind=kind_of(node)), what)
            return None
        found: dict[str, yaml.Node] = {}
        allowed = required + optional
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None:
                self.error(key_node, msg("bank_key_not_word"), what)
            elif key in found:
                self.error(key_node, msg("bank_duplicate_key", key=key), what)
            elif key not in allowed:
                hint = _close_match(key, allowed)
                problem = (
                    msg("bank_unknown_key_hint", key=key, hint=hint)
                    if hint
                    else msg("bank_unknown_key", key=key)
                )
                self.error(key_node, problem, what)
            else:
                found[key] = value_node
        for key in required:
            if key not in found:
                self.error(node, msg("bank_missing_key", key=key), what)
        return found

    def field(
        self,
        fields: dict[str, yaml.Node],
        key: str,
        what: Msg | Callable[[], Msg],
        check: Callable[[yaml.Node], T],
    ) -> T | None:
        """Run ``check`` on one field; a failed check records an error and gives None."""
        node = fields.get(key)
        if node is None:
            return None
        try:
            return check(node)
        except _Invalid as exc:
            self.error(exc.node, exc.problem, what, key)
            return None


def _close_match(key: str, allowed: tuple[str, ...]) -> str | None:
    from difflib import get_close_matches

    matches = get_close_matches(key, allowed, n=1, cutoff=0.6)
    return matches[0] if matches else None


# --- field checks: each returns the value or raises _Invalid ---------------------------


def _scalar_text(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag not in (_STR, _INT, _FLOAT):
        hint = msg("bank_hint_quote") if node.tag == _BOOL else ""
        raise _Invalid(node, msg("bank_must_be_text", kind=kind_of(node), hint=hint))
    return str(node.value)


# YAML folds a line break into a space, which Chinese does not want between characters.
_CJK_SPACE = re.compile(
    r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])"
    r" +"
    r"(?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])"
)
# Invisible characters that have no place in a question: control characters (a tab and a
# line break aside), the bidirectional overrides that make text read other than it is
# stored, lone surrogates (not text at all) and the two non-characters.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)


def canonical_text(value: str) -> str:
    """A text as a bank keeps it: without surrounding space, nor a folded space in Chinese."""
    value = value.strip()
    if " " in value:
        value = _CJK_SPACE.sub("", value)
    return value


@cache
def text(limit: int, one_line: bool = False) -> Callable[[yaml.Node], str]:
    """A check of a non-empty text of at most ``limit`` characters."""

    def check(node: yaml.Node) -> str:
        # The common case inlined (a bank has hundreds of thousands of texts).
        if node.__class__ is _ScalarNode and node.tag == _STR:
            value: str = node.value.strip()
        else:
            value = _scalar_text(node).strip()
        if " " in value:
            value = _CJK_SPACE.sub("", value)
        if not value:
            raise _Invalid(node, msg("bank_empty"))
        if len(value) * 2 > limit and tg_len(value) > limit:
            raise _Invalid(node, msg("bank_too_long", length=tg_len(value), limit=limit))
        bad = _INVISIBLE.search(value)
        if bad:
            code = f"U+{ord(bad.group()):04X}"
            raise _Invalid(node, msg("bank_invisible", code=code))
        if one_line and ("\n" in value or "\r" in value):
            raise _Invalid(node, msg("bank_one_line", value=value.splitlines()[0]))
        return value

    return check


def identifier(node: yaml.Node) -> str:
    value = _scalar_text(node)
    if not ID_RE.match(value):
        raise _Invalid(node, msg("bank_bad_id", value=value))
    return value


def language(node: yaml.Node) -> str:
    value = _scalar_text(node)
    if value not in LANGUAGES:
        raise _Invalid(node, msg("bank_one_of", value=value, choices=", ".join(LANGUAGES)))
    return value


def difficulty(node: yaml.Node) -> int:
    if (
        not isinstance(node, yaml.ScalarNode)
        or node.tag != _INT
        or node.value not in ("1", "2", "3")
    ):
        shown = repr(node.value) if isinstance(node, yaml.ScalarNode) else kind_of(node)
        raise _Invalid(node, msg("bank_bad_difficulty", value=shown))
    return int(node.value)


@cache
def text_list(
    limit: int, minimum: int = 0, loose: bool = False
) -> Callable[[yaml.Node], tuple[str, ...]]:
    """A check of a list of one-line texts with no two alike.

    ``loose`` compares texts as the FAQ matcher does (normalised: punctuation, width and
    case aside); otherwise up to case and surrounding space, which is cheaper.
    """
    item_check = text(limit, one_line=True)

    def check(node: yaml.Node) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode) and node.tag != _NULL and minimum <= 1:
            return (item_check(node),)
        if not isinstance(node, yaml.SequenceNode):
            raise _Invalid(node, msg("bank_must_be_list", kind=kind_of(node)))
        if len(node.value) < minimum:
            raise _Invalid(node, msg("bank_too_few", minimum=minimum, count=len(node.value)))
        values = []
        seen: dict[str, yaml.Node] = {}
        for item in node.value:
            value = item_check(item)
            key = normalise(value) if loose else value.casefold()
            if key in seen:
                first = seen[key]
                if isinstance(first.start_mark, RowMark):  # the same cell: no place to add
                    raise _Invalid(item, msg("bank_repeats", value=value))
                raise _Invalid(item, msg("bank_repeats_at", value=value, place=_place(first)))
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
        raise _Invalid(node, msg("bank_one_of", value=value, choices=choices)) from None


def letters(node: yaml.Node, count: int, many: bool) -> frozenset[int]:
    """Option letters: 'B' for single choice, [A, C] or 'AC' for multiple choice."""
    if isinstance(node, yaml.SequenceNode) and many:
        items = [(_scalar_text(item).strip().upper(), item) for item in node.value]
    elif isinstance(node, yaml.ScalarNode) and node.tag == _STR:
        raw = node.value.replace(",", "").replace(" ", "").upper()
        items = [(ch, node) for ch in raw] if many else [(raw, node)]
    else:
        key = "bank_must_be_letters" if many else "bank_must_be_letter"
        raise _Invalid(node, msg(key, kind=kind_of(node)))
    if not items:
        raise _Invalid(node, msg("bank_empty"))
    if not many and len(items[0][0]) != 1:
        raise _Invalid(node, msg("bank_one_letter", value=items[0][0]))
    picked: set[int] = set()
    valid = LETTERS[:count]
    return _shared(_letters(node, items, picked, valid))


_ANSWERS: dict[frozenset[int], frozenset[int]] = {}


def _shared(answer: frozenset[int]) -> frozenset[int]:
    """One object per set of right options: a large bank holds the same few many times."""
    return _ANSWERS.setdefault(answer, answer)


def _letters(
    node: yaml.Node, items: list[tuple[str, yaml.Node]], picked: set[int], valid: str
) -> frozenset[int]:
    for letter, item in items:
        if len(letter) != 1 or letter not in valid:
            raise _Invalid(
                item, msg("bank_not_an_option", value=letter, first=valid[0], last=valid[-1])
            )
        index = LETTERS.index(letter)
        if index in picked:
            raise _Invalid(item, msg("bank_repeats", value=letter))
        picked.add(index)
    return frozenset(picked)


# --- sections ---------------------------------------------------------------------------

_BANK_KEYS = ("id", "title", "language")
_QUESTION_KEYS = ("id", "type", "text", "answer", "explanation", "source", "tags", "difficulty")
_FAQ_KEYS = ("id", "questions", "answer", "source")
_TOP_KEYS = ("bank", "questions", "faq")


@dataclass(slots=True)
class _BankHead:
    id: str
    title: str
    language: str
    description: str


class BankBuilder:
    """Validates a bank part by part (its head, then each entry) and builds it at the end.

    A YAML file gives its whole node tree at once (:func:`validate_document`); a spreadsheet
    gives one row's nodes at a time, so a large sheet never needs the tree of every row.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.checker = _Checker(path)
        self.head: _BankHead | None = None
        self.questions: list[Question] = []
        self.faq: list[FaqEntry] = []
        self.entries = 0
        self._ids: dict[tuple[str, str], yaml.Node] = {}

    @property
    def errors(self) -> list[BankError]:
        return self.checker.errors

    def bank(self, node: yaml.Node) -> None:
        """The ``bank:`` mapping (id, title, language, description)."""
        self.head = _bank_head(self.checker, node)

    def question(self, node: yaml.Node) -> Question | None:
        """One entry of ``questions``."""
        self.entries += 1
        head = self.head
        built = _question(self.checker, node, head.id if head else "", _lang(head))
        self._unique(node, "bank_what_question")
        if built is not None:
            self.questions.append(built)
        return built

    def faq_entry(self, node: yaml.Node) -> FaqEntry | None:
        """One entry of ``faq``."""
        self.entries += 1
        head = self.head
        built = _faq(self.checker, node, head.id if head else "", _lang(head))
        self._unique(node, "bank_what_faq")
        if built is not None:
            self.faq.append(built)
        return built

    def _unique(self, node: yaml.Node, kind: str) -> None:
        ident = id_node(node)
        if ident is None:
            return
        key = (kind, ident.value)
        first = self._ids.get(key)
        if first is None:
            self._ids[key] = ident
        else:
            place = _place(first)
            self.checker.error(
                ident, msg("bank_duplicate_id", kind=msg(kind), id=ident.value, place=place)
            )

    def build(self) -> tuple[Bank | None, list[BankError]]:
        """The bank and no errors, or None and every error found (sorted by place)."""
        head = self.head
        if self.errors or head is None:
            return None, sorted(self.errors, key=BankError.sort_key)
        bank = Bank(
            id=head.id,
            title=head.title,
            language=head.language,
            path=self.path,
            description=head.description,
            questions=tuple(self.questions),
            faq=tuple(self.faq),
        )
        return bank, []


def _lang(head: _BankHead | None) -> str:
    return head.language if head else "zh"


def validate_document(path: str, root: yaml.Node | None) -> tuple[Bank | None, list[BankError]]:
    """Validate one composed YAML document.

    Args:
        path: the file's path as it should appear in messages.
        root: the document's root node (None for an empty file).

    Returns:
        The bank and no errors, or None and every error found.
    """
    builder = BankBuilder(path)
    checker = builder.checker
    if root is None:
        checker.errors.append(BankError(path, 1, msg("bank_file_empty")))
        return None, checker.errors
    top = checker.mapping(root, msg("bank_what_file"), ("bank",), ("questions", "faq"))
    if top is None:
        return None, checker.errors
    if "bank" in top:
        builder.bank(top["bank"])
    for node in _items(checker, top.get("questions"), "questions"):
        builder.question(node)
    for node in _items(checker, top.get("faq"), "faq"):
        builder.faq_entry(node)
    if not builder.entries and "bank" in top:
        checker.error(root, msg("bank_bank_empty"))
    return builder.build()


def _bank_head(checker: _Checker, node: yaml.Node | None) -> _BankHead | None:
    if node is None:
        return None
    what = msg("bank_what_bank")
    fields = checker.mapping(node, what, _BANK_KEYS, ("description",))
    if fields is None:
        return None
    values = {
        "id": checker.field(fields, "id", what, identifier),
        "title": checker.field(fields, "title", what, text(LIMITS.title, one_line=True)),
        "language": checker.field(fields, "language", what, language),
    }
    description = checker.field(fields, "description", what, text(LIMITS.description))
    if any(v is None for v in values.values()):
        return None
    return _BankHead(description=str(description or ""), **values)  # type: ignore[arg-type]


def _items(checker: _Checker, node: yaml.Node | None, key: str) -> Iterator[yaml.Node]:
    if node is None:
        return
    if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
        return  # "questions:" with nothing under it: an empty section
    if not isinstance(node, yaml.SequenceNode):
        checker.error(node, msg("bank_section_list", key=key))
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


def _named(kind: str, node: yaml.Node) -> Msg:
    """ "question 'x-001'" when the entry has a usable id, else just the kind."""
    ident = id_node(node)
    if ident is not None and ident.value:
        return msg(f"{kind}_id", id=ident.value)
    return msg(kind)


def _question(checker: _Checker, node: yaml.Node, bank_id: str, lang: str) -> Question | None:
    what = _named("bank_what_question", node)
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
            checker.error(node, msg("bank_options_needed", type=str(qtype)), what)
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
            checker.error(fields["options"], msg("bank_no_options", type=str(qtype)), what)
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
        raise _Invalid(node, msg("bank_must_be_list", kind=kind_of(node)))
    count = len(node.value)
    if not LIMITS.options_min <= count <= LIMITS.options_max:
        raise _Invalid(
            node,
            msg(
                "bank_options_count",
                count=count,
                minimum=LIMITS.options_min,
                maximum=LIMITS.options_max,
            ),
        )
    return text_list(LIMITS.option)(node)


def _truth(node: yaml.Node) -> frozenset[int]:
    if not isinstance(node, yaml.ScalarNode) or node.tag != _BOOL:
        shown = repr(node.value) if isinstance(node, yaml.ScalarNode) else kind_of(node)
        raise _Invalid(node, msg("bank_must_be_bool", value=shown))
    return _shared(frozenset({0} if node.value.lower() in ("true", "yes", "on", "y") else {1}))


def _faq(checker: _Checker, node: yaml.Node, bank_id: str, lang: str) -> FaqEntry | None:
    what = _named("bank_what_faq", node)
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
