"""Problems in bank files: what is wrong (a text key and its values) and where.

A problem is kept as data, not as a sentence, so that the same problem reads in the
language of whoever sees it: the organizer's on Telegram, ``--lang`` (or the locale) in the
command line. The sentences live in ``bot/texts/<lang>.py`` under ``bank_*`` keys.

Where a problem is: a YAML file names its line (``path:line: …``); a spreadsheet its row,
and its sheet and column when they are known (``name, row 3, column 答案 (F): …``); an Open
Trivia DB file its item. One problem never mixes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["BankError", "Msg", "Unit", "msg"]


@dataclass(frozen=True, slots=True)
class Msg:
    """A sentence to be written in some language: a text key and the values it takes.

    A value may itself be a :class:`Msg` (a phrase such as "question 'x-1'"), written in the
    same language.
    """

    key: str
    values: tuple[tuple[str, object], ...] = ()

    def render(self, language: str) -> str:
        from bot.texts import t  # texts are rendering; imported when a sentence is written

        filled = {
            name: value.render(language) if isinstance(value, Msg) else value
            for name, value in self.values
        }
        return t(language, self.key, **filled)

    def __str__(self) -> str:
        return self.render("en")


def msg(key: str, /, **values: object) -> Msg:
    """The sentence ``key`` with ``values``."""
    return Msg(key, tuple(values.items()))


class Unit(Enum):
    """What a problem's position counts."""

    LINE = "line"  # a line of a YAML file
    ROW = "row"  # a row of a spreadsheet
    ITEM = "item"  # an item of a JSON list


@dataclass(frozen=True, slots=True)
class BankError:
    """One problem in a bank file.

    ``line`` is the YAML line, the spreadsheet row or the JSON item (by ``unit``); 0 when the
    problem is the whole file's.
    """

    path: str
    line: int
    problem: Msg
    unit: Unit = Unit.LINE
    #: A spreadsheet column as the sheet names it, e.g. "答案 (F)".
    column: str = ""
    #: A spreadsheet's sheet, when the file has several and it is not the questions'.
    sheet: str = ""

    @property
    def message(self) -> str:
        """The problem alone, in English."""
        return self.problem.render("en")

    def render(self, language: str) -> str:
        """The problem with its place, in ``language``."""
        from bot.texts import t

        text = self.problem.render(language)
        if self.unit is Unit.LINE and self.line:
            return f"{self.path}:{self.line}: {text}"
        parts = [self.path]
        if self.sheet:
            parts.append(t(language, "bank_at_sheet", sheet=self.sheet))
        if self.line:
            key = "bank_at_row" if self.unit is Unit.ROW else "bank_at_item"  # never a line
            parts.append(t(language, key, number=self.line))
        if self.column:
            parts.append(t(language, "bank_at_column", column=self.column))
        return t(
            language, "bank_where", where=t(language, "bank_where_sep").join(parts), text=text
        )

    def sort_key(self) -> tuple[str, str, int, str]:
        """File, sheet, place; then a line's problems by their words, while a row's keep
        the order they were found in (the order of its columns)."""
        return (self.path, self.sheet, self.line, self.message if self.unit is Unit.LINE else "")

    def __str__(self) -> str:
        return self.render("en")
