"""Hard limits on bank files, checked before anything large is built.

Organizers bring files from everywhere, and a file of a few hundred bytes can ask a parser
for gigabytes: YAML aliases that expand ("billion laughs"), a spreadsheet that declares a
million rows or holds millions of tiny cells, a zip whose parts unpack a thousand times
larger. Every path that reads a bank (``banks validate``, ``banks import``, an upload, a
reload) goes through these limits, so such a file is refused within milliseconds, with one
located message, instead of growing until the machine gives way.

Two sets of limits: :data:`UPLOAD` for files sent to the bot (at most 1 MB, as Telegram
lets a bot download), :data:`LOCAL` for files an operator reads on the server.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from bot.banks.problems import BankError, Msg, Unit, msg

__all__ = ["LOCAL", "UPLOAD", "FileRefused", "Limits", "check_size", "check_tree"]


@dataclass(frozen=True, slots=True)
class Limits:
    """What one bank file may hold."""

    #: The file itself.
    max_bytes: int
    #: Rows of one table (a sheet, or a CSV's questions or FAQ).
    max_rows: int
    #: Cells of a whole .xlsx file.
    max_cells: int
    #: Columns of a row (a bank uses 19).
    max_columns: int = 64
    #: Characters of one physical line of a CSV file (a row of long texts is under 20,000).
    max_line: int = 100_000
    #: Levels of nesting in YAML (a bank uses 4).
    max_depth: int = 12
    #: Parts of an .xlsx file (a workbook has about a dozen).
    max_parts: int = 200
    #: Unpacked bytes of one part of an .xlsx file, and of all of them together.
    max_part_bytes: int = 64 * 1024 * 1024
    max_total_bytes: int = 128 * 1024 * 1024
    #: How many times larger a part may unpack (office files stay under 30).
    max_ratio: int = 100


UPLOAD = Limits(max_bytes=1024 * 1024, max_rows=50_000, max_cells=500_000)
LOCAL = Limits(
    max_bytes=64 * 1024 * 1024,
    max_rows=200_000,
    max_cells=4_000_000,
    max_part_bytes=256 * 1024 * 1024,
    max_total_bytes=512 * 1024 * 1024,
)


class FileRefused(ValueError):
    """The file breaks a limit or cannot be read at all: one located problem."""

    def __init__(self, error: BankError) -> None:
        super().__init__(str(error))
        self.error = error


def refuse(
    path: str, problem: Msg, line: int = 0, unit: Unit = Unit.LINE, sheet: str = ""
) -> FileRefused:
    """The exception refusing ``path`` for ``problem`` (at ``line``, if known)."""
    return FileRefused(BankError(path, line, problem, unit, sheet=sheet))


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def check_size(path: str, size: int, limits: Limits) -> None:
    """Refuse a file larger than ``limits`` allow, before reading it."""
    if size > limits.max_bytes:
        raise refuse(
            path, msg("bank_file_too_big", size=megabytes(size), limit=megabytes(limits.max_bytes))
        )


def check_tree(path: str, root: yaml.Node, limits: Limits) -> None:
    """Refuse a YAML node tree that reuses a node (an alias) or nests too deeply.

    PyYAML composes an alias as the very node of its anchor, so the tree stays small; what
    expands it is whoever walks it as if it were a tree (the constructor, ``str()``, a
    validator). Bank files have no use for aliases, so the first one is refused. Walked
    without recursion, so a deep file cannot exhaust the stack either.
    """
    mapping, sequence = yaml.MappingNode, yaml.SequenceNode
    if root.__class__ is not mapping and root.__class__ is not sequence:
        return
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limits.max_depth:
            problem = msg("bank_too_deep", limit=limits.max_depth)
            raise refuse(path, problem, node.start_mark.line + 1)
        if id(node) in seen:
            raise refuse(path, msg("bank_alias"), node.start_mark.line + 1)
        seen.add(id(node))
        # Only collections go on the stack: a scalar met twice costs nothing, and cannot
        # nest. Children are pushed last first, so problems come in the file's order.
        if node.__class__ is mapping:
            for key, value in reversed(node.value):
                if value.__class__ is mapping or value.__class__ is sequence:
                    stack.append((value, depth + 1))
                if key.__class__ is not yaml.ScalarNode:
                    stack.append((key, depth + 1))
        else:
            stack.extend(
                (item, depth + 1)
                for item in reversed(node.value)
                if item.__class__ is mapping or item.__class__ is sequence
            )
