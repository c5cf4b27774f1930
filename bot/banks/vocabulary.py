"""Vocabulary files: ``questions/vocabulary/<lang>.yaml``, validated like the banks.

::

    vocabulary: {language: zh}
    terms:
      - term: 市场监管部门                # the banks' word
        also: [工商, 工商局, 市监局]       # what people type instead
    smalltalk:
      greeting: [你好, 您好, 在吗]
      thanks: [谢谢, 多谢]

Every problem is reported as ``path:line: message``, all at once; a file with any problem
is not used (the previous version keeps serving on a reload, as for banks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from bot.banks.problems import BankError, msg
from bot.domain import languages
from bot.domain.text import normalise
from bot.domain.vocabulary import SMALLTALK_KINDS, TermGroup, Vocabulary

__all__ = ["FOLDER", "VocabularyFile", "parse_vocabulary"]

#: The folder, under a questions folder, that holds vocabulary files (not banks).
FOLDER = "vocabulary"
#: Limits that keep a file readable and matching fast.
MAX_WORD = 30
MAX_GROUPS = 5000


@dataclass(slots=True)
class VocabularyFile:
    path: str
    language: str
    vocabulary: Vocabulary
    errors: list[BankError] = field(default_factory=list)


class _Problems:
    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[BankError] = []

    def add(self, node: yaml.Node, text: str, /, **values: object) -> None:
        problem = msg(text, **values)
        self.errors.append(BankError(self.path, node.start_mark.line + 1, problem))


def _mapping(
    node: yaml.Node, what: str, allowed: tuple[str, ...], problems: _Problems
) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, "vocab_not_mapping", what=what)
        return {}
    found: dict[str, yaml.Node] = {}
    for key, value in node.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if name not in allowed:
            problems.add(key, "vocab_unknown_key", what=what, key=name, allowed=", ".join(allowed))
        elif name in found:
            problems.add(key, "vocab_duplicate_key", what=what, key=name)
        else:
            found[name] = value
    return found


def _word(node: yaml.Node, what: str, problems: _Problems) -> str | None:
    if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(("null", "bool", "map", "seq")):
        problems.add(node, "vocab_not_text", what=what)
        return None
    word = str(node.value).strip()
    if not word or not normalise(word):
        problems.add(node, "vocab_empty", what=what)
        return None
    if len(word) > MAX_WORD:
        problems.add(node, "vocab_too_long", what=what, word=word[:12], limit=MAX_WORD)
        return None
    return word


def _words(node: yaml.Node, what: str, problems: _Problems) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.SequenceNode):
        problems.add(node, "vocab_not_list", what=what)
        return []
    words = []
    for item in node.value:
        word = _word(item, what, problems)
        if word is not None:
            words.append((word, item))
    return words


def parse_vocabulary(root: yaml.Node | None, shown_as: str) -> VocabularyFile:
    """Validate one vocabulary file's YAML tree (composed within the banks' limits)."""
    problems = _Problems(shown_as)
    empty = VocabularyFile(shown_as, languages.DEFAULT, Vocabulary(), problems.errors)
    if root is None:
        problems.errors.append(BankError(shown_as, 1, msg("vocab_empty_file")))
        return empty
    top = _mapping(root, "vocabulary file", ("vocabulary", "terms", "smalltalk"), problems)
    language = languages.DEFAULT
    head = top.get("vocabulary")
    if head is None:
        problems.add(root, "vocab_no_header")
    else:
        fields = _mapping(head, "vocabulary", ("language",), problems)
        lang_node = fields.get("language")
        if lang_node is None or not languages.is_code(getattr(lang_node, "value", None)):
            problems.add(lang_node or head, "vocab_language", codes=", ".join(languages.codes()))
        else:
            language = str(lang_node.value)
    groups: list[TermGroup] = []
    terms = top.get("terms")
    if terms is not None and not isinstance(terms, yaml.SequenceNode):
        problems.add(terms, "vocab_not_list", what="terms")
    elif terms is not None:
        if len(terms.value) > MAX_GROUPS:
            problems.add(terms, "vocab_too_many", limit=MAX_GROUPS)
        for entry in terms.value[:MAX_GROUPS]:
            fields = _mapping(entry, "term", ("term", "also"), problems)
            if "term" not in fields or "also" not in fields:
                if fields or isinstance(entry, yaml.MappingNode):
                    problems.add(entry, "vocab_term_needs_also")
                continue
            term = _word(fields["term"], "term", problems)
            variants = _words(fields["also"], f"also ({term})", problems)
            if term is None:
                continue
            seen: dict[str, int] = {}
            for word, node in variants:
                norm = normalise(word)
                if norm in seen:
                    problems.add(node, "vocab_twice", word=word, term=term, line=seen[norm])
                seen.setdefault(norm, node.start_mark.line + 1)
            groups.append(TermGroup(term, tuple(word for word, _ in variants)))
    small: dict[str, tuple[str, ...]] = {}
    talk = top.get("smalltalk")
    if talk is not None:
        for kind, node in _mapping(talk, "smalltalk", SMALLTALK_KINDS, problems).items():
            small[kind] = tuple(word for word, _ in _words(node, f"smalltalk {kind}", problems))
    if problems.errors:
        errors = sorted(problems.errors, key=_place)
        return VocabularyFile(shown_as, language, Vocabulary(), errors)
    return VocabularyFile(shown_as, language, Vocabulary(tuple(groups), small))


def _place(error: BankError) -> int:
    return error.line
