"""Bigger banks and FAQs made from the real ones, so the text looks like real queries.

FAQ entries are paraphrased (prefixes and endings people add, synonyms swapped) and
recombined (phrasings of one entry joined to the situation of another); questions are
recombined the same way. Everything is seeded: the same size gives the same text.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import yaml

from bot.banks.loader import load_banks
from bot.domain.models import LETTERS, Bank, FaqEntry, Question, QuestionType

__all__ = ["real_catalogue", "synthetic_banks", "synthetic_faq"]

ROOT = Path(__file__).resolve().parent.parent
PREFIXES = (
    "",
    "请问",
    "想问下",
    "我妈问",
    "在淘宝买的",
    "朋友说",
    "急",
    "有人知道吗",
    "那个",
    "去年",
    "小区门口的店",
    "网上看到",
)
ENDINGS = ("", "吗", "呢", "怎么办", "谢谢", "啊", "求解答", "有用吗", "咋整", "合法吗")
SWAPS = (
    ("商家", "店家"),
    ("退货", "退"),
    ("赔偿", "赔钱"),
    ("怎么办", "咋办"),
    ("可以", "能"),
    ("网购", "网上买"),
    ("银行", "银行网点"),
    ("手机", "电话"),
)


def real_catalogue():  # type: ignore[no-untyped-def]
    report = load_banks([ROOT / "questions"])
    return report.catalogue


def _paraphrase(text: str, rng: random.Random) -> str:
    for old, new in SWAPS:
        if old in text and rng.random() < 0.5:
            text = text.replace(old, new)
    return rng.choice(PREFIXES) + text + rng.choice(ENDINGS)


def synthetic_faq(
    entries: int, phrasings: int = 5, seed: int = 1, base: Sequence[FaqEntry] | None = None
) -> list[FaqEntry]:
    """``entries`` FAQ entries of ``phrasings`` phrasings each, from the real Chinese FAQ."""
    rng = random.Random(seed)
    if base is None:
        base = [e for e in real_catalogue().faq.values() if e.language == "zh"]
    made = []
    for number in range(entries):
        source = base[number % len(base)]
        other = base[rng.randrange(len(base))]
        texts: list[str] = []
        while len(texts) < phrasings:
            phrasing = _paraphrase(rng.choice(source.questions), rng)
            if rng.random() < 0.3:  # recombine with another entry's situation
                phrasing = rng.choice(other.questions)[:6] + "，" + phrasing
            if phrasing not in texts:
                texts.append(phrasing)
        made.append(
            FaqEntry(
                f"syn-{number}", "synthetic", "zh", tuple(texts), source.answer, source.source, ()
            )
        )
    return made


def _question_data(question: Question, new_id: str, rng: random.Random) -> dict[str, object]:
    data: dict[str, object] = {
        "id": new_id,
        "type": question.type.value,
        "text": _paraphrase(question.text, rng)[:300],
        "explanation": question.explanation,
        "source": question.source,
        "tags": list(question.tags),
        "difficulty": question.difficulty,
    }
    if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        data["options"] = list(question.options)
        letters = [LETTERS[i] for i in sorted(question.answer)]
        data["answer"] = letters[0] if question.type is QuestionType.SINGLE else letters
    elif question.type is QuestionType.TRUEFALSE:
        data["answer"] = 0 in question.answer
    else:
        data["answer"] = list(question.accepted)
    return data


def synthetic_banks(
    folder: Path, questions: int, faq_entries: int = 0, files: int = 10, seed: int = 1
) -> Path:
    """Write ``questions`` questions (and FAQ entries) as ``files`` bank files under ``folder``."""
    rng = random.Random(seed)
    catalogue = real_catalogue()
    real: list[Question] = [q for b in catalogue.banks for q in b.questions if b.language == "zh"]
    faq = synthetic_faq(faq_entries, seed=seed) if faq_entries else []
    folder.mkdir(parents=True, exist_ok=True)
    per_file = -(-questions // files)
    faq_per_file = -(-len(faq) // files) if faq else 0
    for number in range(files):
        chunk = range(number * per_file, min(questions, (number + 1) * per_file))
        entries = faq[number * faq_per_file : (number + 1) * faq_per_file]
        if not chunk and not entries:
            continue
        bank = {
            "bank": {"id": f"synthetic-{number}", "title": f"合成题库 {number}", "language": "zh"},
            "questions": [_question_data(real[i % len(real)], f"syn-q-{i}", rng) for i in chunk],
        }
        if entries:
            bank["faq"] = [
                {
                    "id": e.id,
                    "questions": list(e.questions),
                    "answer": e.answer,
                    "source": e.source,
                }
                for e in entries
            ]
        if not bank["questions"]:
            del bank["questions"]
        (folder / f"synthetic-{number}.yaml").write_text(
            yaml.safe_dump(bank, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return folder


def bank_summary(banks: Sequence[Bank]) -> tuple[int, int]:
    return sum(len(b.questions) for b in banks), sum(len(b.faq) for b in banks)
