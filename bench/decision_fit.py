"""Fit the FAQ's decision model on the dev half of the blind set, and choose its thresholds.

``python -m bench.decision_fit`` prints what ``Tuning.model`` and ``_ANSWER_AT`` in
``bot/domain/faq.py`` would be, fitted on today's banks and dev half. Only the dev half is
read: the test half is for reporting.

* **The model** is a logistic regression of "the best entry is right" on the matcher's
  :meth:`~bot.domain.faq.FaqMatcher.signals`, both languages together. Every dev message the
  model would weigh counts: a message some entry answers is a positive when the best entry is
  one of them; out-of-scope and no-entry messages are negatives. It is fitted by Newton's
  method (seven numbers from a few hundred messages, in plain Python), with a small L2
  penalty on the weights so that a separable sample still converges.
* **The threshold** per language is the lowest probability (in steps of 0.05) at which, on
  the dev half, answers with a wrong entry stay at 1.5% of the covered messages or under and
  out-of-scope messages are declined at 95% or more, by the bot's whole decision.

The shipped weights were fitted this way before the set grew (docs/faq-matching.md); a refit
on the grown dev half moves them by up to a fifth, and cross-validation on the dev half found
no gain in it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bench.blind import BlindCase, decider, load_blind, score
from bot.domain.faq import FaqMatcher, Tuning
from bot.domain.models import FaqEntry
from bot.domain.vocabulary import Vocabulary

__all__ = ["choose_threshold", "fit", "main", "samples"]

LANGUAGES = ("zh", "en")
#: The L2 penalty on the weights (not on the intercept).
PENALTY = 0.01
MAX_WRONG = 0.015
MIN_DECLINED = 0.95


def samples(
    matcher: FaqMatcher, cases: Sequence[BlindCase]
) -> list[tuple[tuple[float, ...], int]]:
    """(signals, 1 when the best entry is right) of each message the model would weigh:
    small talk never reaches it, nor a message nothing scores."""
    found = []
    for case in cases:
        if matcher.vocabulary.smalltalk_kind(case.query) is not None:
            continue
        scored, signals = matcher.evidence(case.query)
        if signals:
            found.append((signals, int(matcher.entries[scored[0][1]].id in case.ids)))
    return found


def fit(rows: Sequence[tuple[tuple[float, ...], int]], penalty: float = PENALTY) -> list[float]:
    """Logistic regression by Newton's method: the intercept, then a weight per feature.

    ``rows`` are (features, label 0 or 1)."""
    design = [(1.0, *x) for x, _ in rows]
    labels = [label for _, label in rows]
    width = len(design[0])
    w = [0.0] * width
    for _ in range(100):
        gradient = [-penalty * w[j] if j else 0.0 for j in range(width)]
        hessian = [[penalty if i == j and i else 0.0 for j in range(width)] for i in range(width)]
        for x, y in zip(design, labels, strict=True):
            z = max(min(sum(a * b for a, b in zip(w, x, strict=True)), 30.0), -30.0)
            p = 1 / (1 + math.exp(-z))
            for i in range(width):
                gradient[i] += (y - p) * x[i]
                for j in range(width):
                    hessian[i][j] += p * (1 - p) * x[i] * x[j]
        step = _solve(hessian, gradient)
        w = [a + b for a, b in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-9:
            break
    return w


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the Hessian is positive definite)."""
    n = len(vector)
    a = [row[:] + [v] for row, v in zip(matrix, vector, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            for c in range(col, n + 1):
                a[r][c] -= factor * a[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (a[r][n] - sum(a[r][c] * x[c] for c in range(r + 1, n))) / a[r][r]
    return x


def choose_threshold(
    entries: Sequence[FaqEntry],
    vocabulary: Vocabulary,
    model: tuple[float, ...],
    dev: Sequence[BlindCase],
) -> float:
    """The lowest answer threshold the dev half allows (module docstring)."""
    steps = [round(0.05 * k, 2) for k in range(1, 20)]
    for threshold in steps:
        matcher = FaqMatcher(entries, vocabulary, Tuning(model=model, answer_at=threshold))
        scores = score(dev, decider(matcher))
        if scores.wrong_rate <= MAX_WRONG and scores.declined_rate >= MIN_DECLINED:
            return threshold
    return steps[-1]


def main() -> None:
    from bench.run import real_catalogue

    catalogue = real_catalogue()
    cases = load_blind()
    banks: dict[str, tuple[list[FaqEntry], Vocabulary, list[BlindCase]]] = {}
    rows: list[tuple[tuple[float, ...], int]] = []
    for language in LANGUAGES:
        entries = [e for e in catalogue.faq.values() if e.language == language]
        vocabulary = catalogue.vocabulary(language)
        dev = [c for c in cases if c.language == language and c.half == "dev"]
        banks[language] = (entries, vocabulary, dev)
        rows += samples(FaqMatcher(entries, vocabulary), dev)
    model = tuple(round(w, 3) for w in fit(rows))
    print(f"{len(rows)} dev messages; model (intercept, weights): {model}")
    print(f"shipped: {Tuning().model}")
    for language, (entries, vocabulary, dev) in banks.items():
        print(f"{language}: answer at {choose_threshold(entries, vocabulary, model, dev)}")


if __name__ == "__main__":
    main()
