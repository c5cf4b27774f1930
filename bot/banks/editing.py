"""Editing a bank file in place, keeping its comments and layout: a new FAQ phrasing.

The organizers' review of the FAQ (``/review_faq``, ``quizbot faq review``) approves what
people asked as a new phrasing of an entry. The phrasing goes in as one new line after the
entry's last phrasing (or inside its ``[...]`` list); nothing else in the file changes. The
edited text is validated as a whole before it replaces the file (by rename), so a file is
never left broken or half-written.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import yaml

from bot.banks.loader import parse_bank
from bot.domain.text import normalise

__all__ = ["EditError", "add_phrasing"]


class EditError(Exception):
    """The edit cannot be made; the message says why (the file is unchanged)."""


def _questions_node(root: yaml.Node, entry_id: str) -> yaml.SequenceNode:
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if getattr(key, "value", None) != "faq" or not isinstance(value, yaml.SequenceNode):
                continue
            for entry in value.value:
                if not isinstance(entry, yaml.MappingNode):
                    continue
                fields = {getattr(k, "value", None): v for k, v in entry.value}
                if getattr(fields.get("id"), "value", None) != entry_id:
                    continue
                questions = fields.get("questions")
                if isinstance(questions, yaml.SequenceNode) and questions.value:
                    return questions
                raise EditError(f"FAQ entry '{entry_id}' has no list of questions to add to")
    raise EditError(f"no FAQ entry '{entry_id}' in the file")


def _scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain when that reads back the same, else double-quoted."""
    plain = text.strip()
    if plain and "\n" not in plain and plain[0] not in "\"'[]{}#&*!|>%@`-?:,":
        try:
            if yaml.safe_load(plain) == plain and ": " not in plain and " #" not in plain:
                return plain
        except yaml.YAMLError:
            pass
    return json.dumps(plain, ensure_ascii=False)


def add_phrasing(path: Path, entry_id: str, phrasing: str) -> None:
    """Add ``phrasing`` to the FAQ entry ``entry_id`` of the bank file at ``path``.

    Raises:
        EditError: the entry is not there, already has this phrasing, or the file would not
            validate (or cannot be written).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise EditError(f"cannot read {path.name}: {exc.strerror}") from exc
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    node = _questions_node(root, entry_id) if root is not None else None
    if node is None:
        raise EditError(f"no FAQ entry '{entry_id}' in the file")
    wanted = normalise(phrasing)
    if any(normalise(str(getattr(item, "value", ""))) == wanted for item in node.value):
        raise EditError(f"'{phrasing}' is already a phrasing of '{entry_id}'")
    if node.flow_style:
        at = node.end_mark.index - 1  # the closing bracket
        edited = text[:at].rstrip() + ", " + json.dumps(phrasing.strip(), ensure_ascii=False)
        edited += text[at:]
    else:
        last = node.value[-1]
        lines = text.splitlines(keepends=True)
        end_line = last.end_mark.line if last.end_mark.column else last.end_mark.line - 1
        indent = " " * max(last.start_mark.column - 2, 0)
        newline = "\n" if not lines[end_line].endswith("\n") else ""
        lines.insert(end_line + 1, f"{newline}{indent}- {_scalar(phrasing)}\n")
        edited = "".join(lines)
    bank, errors, _ = parse_bank(edited, str(path))
    if bank is None:
        raise EditError("; ".join(error.message for error in errors[:3]))
    _replace(path, edited)


def _replace(path: Path, text: str) -> None:
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".edit-", suffix=".yaml")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        raise EditError(f"cannot write {path.name}: {exc.strerror}") from exc
