"""Loading bank files: safe YAML with line numbers, all errors at once, nothing half-loaded.

A file with any error is skipped whole. When a previous catalogue is given (a reload), the
previous version of a broken file keeps serving.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.banks.limits import LOCAL, FileRefused, Limits, check_size, check_tree, refuse
from bot.banks.problems import BankError, Msg, msg
from bot.banks.schema import id_node, validate_document
from bot.banks.vocabulary import FOLDER as VOCABULARY_FOLDER
from bot.banks.vocabulary import VocabularyFile, parse_vocabulary
from bot.domain import languages
from bot.domain.catalogue import Catalogue
from bot.domain.models import Bank
from bot.domain.vocabulary import Vocabulary
from bot.perf import cyclic_gc_paused

__all__ = [
    "LoadReport",
    "compose",
    "discover",
    "display_path",
    "load_banks",
    "parse_bank",
    "read_text",
]

logger = logging.getLogger(__name__)

# libyaml when PyYAML was built with it (the PyPI wheels are): several times faster.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, with a short cut in tag resolution.

    libyaml parses in C but asks Python to resolve every scalar's tag; most of a bank's
    scalars are texts whose first character (a Chinese one, say) cannot start a number,
    a boolean or a null, and need no regular expression to say so.
    """

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if (
            kind is yaml.ScalarNode
            and implicit[0]
            and value
            and value[0] not in self.yaml_implicit_resolvers
        ):
            return str(self.DEFAULT_SCALAR_TAG)
        return str(super().resolve(kind, value, implicit))


SUFFIXES = (".yaml", ".yml")


@dataclass(slots=True)
class LoadReport:
    """What a load or reload did."""

    catalogue: Catalogue
    errors: list[BankError] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)
    #: Broken files whose previous version keeps serving.
    kept: list[str] = field(default_factory=list)
    #: Broken files with nothing to fall back on: not served at all.
    skipped: list[str] = field(default_factory=list)
    #: The vocabulary files in use: path -> (language, vocabulary).
    vocabulary_files: dict[str, tuple[str, Vocabulary]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def display_path(path: Path) -> str:
    """A path as messages show it: relative to the working directory when inside it."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:  # outside the working directory
        return str(path)


def discover(paths: Iterable[Path]) -> list[Path]:
    """Every YAML file named by ``paths`` (files, or folders searched recursively), sorted."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        else:
            found.add(path)
    return sorted(found)


def is_vocabulary(path: Path) -> bool:
    """Vocabulary files live in a folder named ``vocabulary`` (see bot/banks/vocabulary.py)."""
    return path.parent.name == VOCABULARY_FOLDER


def parse_bank(
    text: str, shown_as: str, limits: Limits = LOCAL
) -> tuple[Bank | None, list[BankError], yaml.Node | None]:
    """Parse and validate the text of one bank file.

    Returns:
        The bank (None if there is any error), its errors, and the root node.
    """
    try:
        root = compose(text, shown_as, limits)
    except FileRefused as exc:
        return None, [exc.error], None
    bank, errors = validate_document(shown_as, root)
    return bank, errors, root


def compose(text: str, shown_as: str, limits: Limits = LOCAL) -> yaml.Node | None:
    """The YAML node tree of ``text``, within ``limits``.

    Raises:
        FileRefused: not YAML (with the line of the problem), an alias, too deep.
    """
    try:
        root = yaml.compose(text, Loader=_SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise refuse(shown_as, yaml_problem(exc), line) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        code = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "?"
        raise refuse(shown_as, msg("bank_yaml_character", code=code), line) from None
    except yaml.YAMLError as exc:
        raise refuse(shown_as, msg("bank_yaml", problem=str(exc)), 1) from None
    except RecursionError:  # PyYAML without libyaml composes recursively
        raise refuse(shown_as, msg("bank_too_deep", limit=limits.max_depth), 1) from None
    if root is not None:
        check_tree(shown_as, root, limits)
    return root


# PyYAML's problems that organizers meet most, in words they can act on.
_YAML_PROBLEMS = (
    ("mapping values are not allowed here", "bank_yaml_colon"),
    ("cannot start any token", "bank_yaml_tab"),
    ("found unexpected end of stream", "bank_yaml_unclosed"),
    ("expected a single document", "bank_yaml_documents"),
    ("exceeded maximum nesting depth", "bank_yaml_deep"),
    ("expected <block end>", "bank_yaml_indent"),
    ("could not find expected ':'", "bank_yaml_indent"),
    ("did not find expected key", "bank_yaml_indent"),
    ("did not find expected '-' indicator", "bank_yaml_indent"),
    ("found undefined alias", "bank_alias_undefined"),
)


def yaml_problem(exc: yaml.MarkedYAMLError) -> Msg:
    """A YAML syntax error as a sentence (PyYAML's own words kept for the rare ones)."""
    problem = " ".join(filter(None, [exc.context, exc.problem]))
    for words, key in _YAML_PROBLEMS:
        if words in problem:
            return msg(key)
    return msg("bank_yaml", problem=problem)


def read_text(path: Path, shown_as: str, limits: Limits = LOCAL) -> str:
    """A bank file's text (UTF-8, with or without BOM), after checking its size.

    Raises:
        FileRefused: it cannot be read, is too large, or is not UTF-8.
    """
    try:
        check_size(shown_as, path.stat().st_size, limits)
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise refuse(shown_as, msg("bank_cannot_read", reason=reason), 1) from None
    check_size(shown_as, len(raw), limits)  # it may have grown since
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise refuse(shown_as, msg("bank_not_utf8"), line) from None


class _Ids:
    """Ids seen so far across files, to report duplicates with both places."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], str] = {}

    def clashes(self, bank: Bank, lines: dict[tuple[str, str], int]) -> list[BankError]:
        errors = []
        for key in _keys(bank):
            if key in self.seen:
                kind, ident = key
                line = lines.get(key, 1)
                problem = msg(
                    "bank_duplicate_elsewhere", kind=msg(kind), id=ident, where=self.seen[key]
                )
                errors.append(BankError(bank.path, line, problem))
        return errors

    def add(self, bank: Bank, lines: dict[tuple[str, str], int]) -> None:
        for key in _keys(bank):
            self.seen[key] = f"{bank.path}:{lines.get(key, 1)}"


def _keys(bank: Bank) -> list[tuple[str, str]]:
    return (
        [("bank_what_bank_kind", bank.id)]
        + [("bank_what_question", q.id) for q in bank.questions]
        + [("bank_what_faq", f.id) for f in bank.faq]
    )


_SECTIONS = {
    "bank": "bank_what_bank_kind",
    "questions": "bank_what_question",
    "faq": "bank_what_faq",
}


def _id_lines(root: yaml.Node | None) -> dict[tuple[str, str], int]:
    """Where each id of a valid bank is written: for messages about duplicates across files."""
    lines: dict[tuple[str, str], int] = {}
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key, value in root.value:
        if not isinstance(key, yaml.ScalarNode) or key.value not in _SECTIONS:
            continue
        kind = _SECTIONS[key.value]
        if key.value == "bank":
            entries = [value]
        else:
            entries = value.value if isinstance(value, yaml.SequenceNode) else []
        for entry in entries:
            ident = id_node(entry)
            if ident is not None:
                lines[(kind, ident.value)] = ident.start_mark.line + 1
    return lines


def load_banks(
    paths: Sequence[Path],
    previous: Catalogue | None = None,
    limits: Limits = LOCAL,
) -> LoadReport:
    """Load every bank file under ``paths`` into a new catalogue (see :func:`_load`)."""
    with cyclic_gc_paused():
        return _load(paths, previous, limits)


def _load(
    paths: Sequence[Path],
    previous: Catalogue | None = None,
    limits: Limits = LOCAL,
) -> LoadReport:
    """Load every bank file under ``paths`` into a new catalogue.

    Args:
        paths: files or folders.
        previous: the catalogue now serving, on a reload. A broken file's previous version
            (same path) keeps serving instead of vanishing.
        limits: what one file may hold (see :mod:`bot.banks.limits`).

    Returns:
        The new catalogue with every error found, file by file.
    """
    old = {bank.path: bank for bank in previous.banks} if previous else {}
    ids = _Ids()
    report = LoadReport(catalogue=Catalogue.empty())
    banks: list[Bank] = []
    found = discover(paths)
    vocabularies = _vocabularies([p for p in found if is_vocabulary(p)], previous, report)
    for path in (p for p in found if not is_vocabulary(p)):
        shown = display_path(path)
        lines: dict[tuple[str, str], int] = {}
        try:
            text = read_text(path, shown, limits)
        except FileRefused as exc:
            errors, bank = [exc.error], None
        else:
            bank, errors, root = parse_bank(text, shown, limits)
            if bank is not None:  # a broken file's nodes may be of any shape
                lines = _id_lines(root)
                errors = ids.clashes(bank, lines)
        if not errors and bank is not None:
            ids.add(bank, lines)
            banks.append(bank)
            report.loaded.append(shown)
            continue
        report.errors.extend(errors)
        fallback = old.get(shown)
        if fallback is not None and not ids.clashes(fallback, {}):
            ids.add(fallback, {})
            banks.append(fallback)
            report.kept.append(shown)
            logger.warning(
                "%s has %d error(s); its previous version keeps serving", shown, len(errors)
            )
        else:
            report.skipped.append(shown)
            logger.warning("%s has %d error(s) and is not loaded", shown, len(errors))
    report.catalogue = Catalogue(tuple(banks), vocabularies, report.vocabulary_files)
    return report


def _load_vocabulary(path: Path, shown: str) -> VocabularyFile:
    """Read one vocabulary file, within the limits of a bank file of the folder."""
    try:
        root = compose(read_text(path, shown, LOCAL), shown, LOCAL)
    except FileRefused as exc:
        return VocabularyFile(shown, languages.DEFAULT, Vocabulary(), [exc.error])
    return parse_vocabulary(root, shown)


def _vocabularies(
    paths: list[Path], previous: Catalogue | None, report: LoadReport
) -> dict[str, Vocabulary]:
    """Each language's vocabulary, from its files; a broken file keeps its previous version."""
    old = previous.vocabulary_files if previous else {}
    parts: dict[str, list[Vocabulary]] = {}
    files: dict[str, tuple[str, Vocabulary]] = {}
    for path in paths:
        shown = display_path(path)
        loaded = _load_vocabulary(path, shown)
        if loaded.errors:
            report.errors.extend(loaded.errors)
            if shown in old:
                report.kept.append(shown)
                files[shown] = old[shown]
            else:
                report.skipped.append(shown)
            continue
        report.loaded.append(shown)
        files[shown] = (loaded.language, loaded.vocabulary)
    for language, vocabulary in files.values():
        parts.setdefault(language, []).append(vocabulary)
    report.vocabulary_files = files
    return {lang: Vocabulary.merged(found) for lang, found in parts.items()}
