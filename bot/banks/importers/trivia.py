"""Trivia from other bots: Red-DiscordBot trivia lists (YAML: question → accepted answers) as
open questions, and Open Trivia DB JSON (``results`` of multiple and boolean questions).

A file is read as a Red trivia list only when it is one exactly (Red's own schema): a
mapping of each question (text) to a non-empty list of answers (texts, numbers or truths),
with an optional ``AUTHOR`` (text) and ``CONFIG`` (Red's settings). Anything else is
refused with the line of each thing that does not fit, never turned into questions.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import yaml

from bot.banks.importers.common import Converter, Imported, auto_id, language_of
from bot.banks.limits import refuse
from bot.banks.problems import Unit, msg
from bot.banks.schema import RowMark, kind_of
from bot.domain.models import LETTERS
from bot.texts import t

__all__ = ["RED_CONFIG", "import_opentdb", "import_red_trivia"]

_STR = "tag:yaml.org,2002:str"
_ANSWER_TAGS = (_STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool")
#: Red's CONFIG keys and the kinds of value it accepts.
RED_CONFIG = {
    "bot_plays": ("tag:yaml.org,2002:bool",),
    "delay": ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"),
    "timeout": ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"),
    "max_score": ("tag:yaml.org,2002:int",),
    "reveal_answer": ("tag:yaml.org,2002:bool",),
    "payout_multiplier": ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"),
    "use_spoilers": ("tag:yaml.org,2002:bool",),
}


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def import_red_trivia(root: yaml.Node, name: str, bank_id: str, title: str) -> Imported:
    """A Red-DiscordBot trivia list, already composed (and checked against the limits).

    Every question becomes an open question whose accepted answers are Red's; a file that
    is not a trivia list is refused with a problem at each line that does not fit.
    """
    convert = Converter(name, Unit.LINE)
    if not isinstance(root, yaml.MappingNode):
        convert.problem(_line(root), msg("bank_not_a_bank", kind=kind_of(root)))
        return convert.finish()
    author = ""
    questions: list[tuple[yaml.ScalarNode, list[yaml.ScalarNode]]] = []
    for key, value in root.value:
        line = _line(key)
        if isinstance(key, yaml.ScalarNode) and key.value == "AUTHOR":
            if isinstance(value, yaml.ScalarNode) and value.tag == _STR:
                author = value.value
            else:
                convert.problem(_line(value), msg("bank_trivia_author", kind=kind_of(value)))
        elif isinstance(key, yaml.ScalarNode) and key.value == "CONFIG":
            _config(convert, value)
        elif not isinstance(key, yaml.ScalarNode) or key.tag != _STR:
            convert.problem(line, msg("bank_trivia_question", kind=kind_of(key)))
        elif not isinstance(value, yaml.SequenceNode):
            problem = msg("bank_trivia_answers", question=key.value[:40], kind=kind_of(value))
            convert.problem(_line(value), problem)
        elif not value.value:
            convert.problem(line, msg("bank_trivia_no_answers", question=key.value[:40]))
        else:
            answers = [a for a in value.value if isinstance(a, yaml.ScalarNode)]
            bad = [a for a in value.value if a not in answers or a.tag not in _ANSWER_TAGS]
            for answer in bad:
                convert.problem(_line(answer), msg("bank_trivia_answer", kind=kind_of(answer)))
            if not bad:
                questions.append((key, answers))
    if not questions and convert.problems:  # nothing of a trivia list: say what it is not
        convert.problem(1, msg("bank_not_a_bank", kind=msg("bank_kind_mapping")))
        return convert.finish()
    language = language_of(key.value for key, _answers in questions)
    convert.builder.bank(
        _head({"id": bank_id, "title": title[:100], "language": language}, root.start_mark)
    )
    stem = Path(name).stem
    source = (
        t(language, "bank_trivia_source_by", name=stem, author=author)
        if author
        else t(language, "bank_trivia_source", name=stem)
    )
    for key, answers in questions:
        if not convert.unique_text("q", key.value, _line(key)):
            continue
        variants: list[str] = []
        for answer in answers:  # Red compares case-blind: one of each is enough
            value = answer.value.strip()
            if value.casefold() not in (v.casefold() for v in variants):
                variants.append(value)
        entry = {
            "id": auto_id(bank_id, key.value),
            "type": "open",
            "text": key,
            "answer": variants,
            "explanation": t(language, "bank_trivia_explanation", answers=", ".join(variants)),
            "source": source,
            "tags": [bank_id],
            "difficulty": 2,
        }
        convert.question(entry, key.start_mark)
    return convert.finish()


def _head(fields: dict[str, str], mark: Any) -> yaml.Node:
    from bot.banks.importers.common import node

    return node(fields, mark)


def _config(convert: Converter, value: yaml.Node) -> None:
    if not isinstance(value, yaml.MappingNode):
        convert.problem(_line(value), msg("bank_trivia_config", kind=kind_of(value)))
        return
    for key, setting in value.value:
        kinds = RED_CONFIG.get(key.value) if isinstance(key, yaml.ScalarNode) else None
        if kinds is None:
            shown = key.value if isinstance(key, yaml.ScalarNode) else "?"
            known = ", ".join(RED_CONFIG)
            convert.problem(_line(key), msg("bank_trivia_config_key", key=shown, known=known))
        elif not isinstance(setting, yaml.ScalarNode) or setting.tag not in kinds:
            problem = msg("bank_trivia_config_value", key=key.value, kind=kind_of(setting))
            convert.problem(_line(setting), problem)


def import_opentdb(raw: bytes, name: str, bank_id: str, title: str) -> Imported:
    """Open Trivia DB JSON: multiple-choice and boolean questions, HTML entities decoded."""
    convert = Converter(name, Unit.ITEM)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise refuse(name, msg("bank_otdb_not_json", problem=str(exc)[:200])) from None
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise refuse(name, msg("bank_otdb_no_results"))
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, item in enumerate(results, start=1):
        try:
            text = html.unescape(item["question"])
            correct = html.unescape(item["correct_answer"])
            wrong = [html.unescape(w) for w in item.get("incorrect_answers", [])]
            level = {"easy": 1, "medium": 2, "hard": 3}.get(item.get("difficulty"), 2)
            category = html.unescape(item.get("category", "trivia"))
        except (KeyError, TypeError, AttributeError):
            convert.problem(number, msg("bank_otdb_item"))
            continue
        entry: dict[str, Any] = {"id": auto_id(bank_id, text), "text": text}
        if item.get("type") == "boolean":
            entry.update(type="truefalse", answer=correct.lower() == "true")
        else:
            options = sorted({correct, *wrong})  # a stable order that does not give it away
            entry.update(type="single", options=options, answer=LETTERS[options.index(correct)])
        entry.update(
            explanation=f"The answer is {correct}.",
            source=f"Open Trivia Database ({category}), CC BY-SA 4.0",
            tags=[category[:30]],
            difficulty=level,
        )
        rows.append((number, entry))
    language = language_of(str(entry["text"]) for _n, entry in rows)
    head = {"id": bank_id, "title": title[:100], "language": language}
    convert.builder.bank(_head(head, RowMark(0, {}, "")))
    for number, entry in rows:
        if convert.unique_text("q", str(entry["text"]), number):
            convert.question(entry, RowMark(number, {}, "", Unit.ITEM))
    return convert.finish()
