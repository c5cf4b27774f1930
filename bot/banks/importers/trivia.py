"""Trivia from other bots: Red-DiscordBot trivia lists (YAML: question → accepted answers) as
open questions, and Open Trivia DB JSON (``results`` of multiple and boolean questions).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import yaml

from bot.banks.importers.common import (
    Imported,
    ImportError_,
    Problems,
    Row,
    bank_meta,
    finish,
    row_id,
)
from bot.domain.models import LETTERS

__all__ = ["import_opentdb", "import_red_trivia"]


def import_red_trivia(raw: bytes, name: str, bank_id: str, title: str) -> Imported:
    """A Red-DiscordBot trivia list: ``question: [answers]``, plus an optional AUTHOR."""
    problems = Problems(name)
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ImportError_(f"{name}: not a readable YAML trivia list ({exc})") from exc
    if not isinstance(data, dict):
        raise ImportError_(f"{name}: a trivia list maps each question to its answers")
    author = str(data.pop("AUTHOR", "") or "")
    data.pop("CONFIG", None)
    rows = []
    for number, (question, answers) in enumerate(data.items(), start=1):
        if not isinstance(answers, list) or not answers:
            problems.add(number, None, f"'{question}' has no list of answers")
            continue
        variants = [str(a) for a in answers]
        rows.append(
            Row(
                number,
                {
                    "id": row_id(bank_id, str(question)),
                    "type": "open",
                    "text": str(question),
                    "answer": variants,
                    "explanation": f"Accepted answers: {', '.join(variants)}.",
                    "source": f"Red-DiscordBot trivia list '{Path(name).stem}'"
                    + (f" by {author}" if author else ""),
                    "tags": [bank_id],
                    "difficulty": 2,
                },
            )
        )
    meta = bank_meta(bank_id, title, (r.data["text"] for r in rows))
    return finish(name, meta, rows, [], problems)


def import_opentdb(raw: bytes, name: str, bank_id: str, title: str) -> Imported:
    """Open Trivia DB JSON: multiple-choice and boolean questions, HTML entities decoded."""
    problems = Problems(name)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportError_(f"{name}: not Open Trivia DB JSON ({exc})") from exc
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise ImportError_(f"{name}: no 'results' list (is this Open Trivia DB JSON?)")
    rows = []
    for number, item in enumerate(results, start=1):
        try:
            text = html.unescape(item["question"])
            correct = html.unescape(item["correct_answer"])
            wrong = [html.unescape(w) for w in item.get("incorrect_answers", [])]
            level = {"easy": 1, "medium": 2, "hard": 3}.get(item.get("difficulty"), 2)
            category = html.unescape(item.get("category", "trivia"))
        except (KeyError, TypeError):
            problems.add(number, None, "not a question of Open Trivia DB's shape")
            continue
        entry: dict[str, Any] = {"id": row_id(bank_id, text), "text": text}
        if item.get("type") == "boolean":
            entry.update(type="truefalse", answer=correct.lower() == "true")
        else:
            options = sorted([correct, *wrong])  # a stable order that does not give it away
            entry.update(type="single", options=options, answer=LETTERS[options.index(correct)])
        entry.update(
            explanation=f"The answer is {correct}.",
            source=f"Open Trivia Database ({category}), CC BY-SA 4.0",
            tags=[category[:30]],
            difficulty=level,
        )
        rows.append(Row(number, entry))
    meta = bank_meta(bank_id, title, (r.data["text"] for r in rows))
    return finish(name, meta, rows, [], problems)
