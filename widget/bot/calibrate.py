"""Synthetic validation from the KB itself, and the fit of the answer / suggest decision on it.

`python -m widget.bot.calibrate [--folds 10] [--precision 0.92]`

The similar questions are split into folds; for each fold a matcher is built without it and every left-out
similar question is matched as if a taxpayer had typed it. This gives labelled queries that never touch the
dev set (3,895 with the shipped KB). On them the script reports rank-1 and the confusable pairs (entries that
take each other's questions: where new distinguishing similar questions are most needed), fits the logistic answer model (decide.ANSWER_WEIGHTS) and picks the lowest probability threshold
(decide.ANSWER_P) at which the answers it would give are at least --precision right."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from . import decide as D
from .kb import Entry, load_entries
from .matcher import Matcher


def leave_out(
    entries: Sequence[Entry], folds: int = 10
) -> list[tuple[str, tuple[str, ...], D.Signals]]:
    """(right id, ranked ids, signals) for every similar question, matched by a matcher that lacks it."""
    out = []
    for f in range(folds):
        kept = [
            replace(e, similar=tuple(s for i, s in enumerate(e.similar) if i % folds != f))
            for e in entries
        ]
        m = Matcher(kept)
        for e in entries:
            for s in e.similar[f::folds]:
                ranked, sig = m.signals(s)
                out.append((e.id, tuple(i for i, _ in ranked), sig))
    return out


def eligible(s: D.Signals) -> bool:
    """Would decide() consider answering at all (not rejected, enough score and coverage)?"""
    return (
        not s.empty
        and not s.offtopic
        and s.top >= D.ANSWER_MIN
        and s.known >= D.KNOWN_MIN
        and s.coverage >= D.COVERAGE_MIN
    )


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1e-4, steps: int = 5000, rate: float = 1.0
) -> np.ndarray:
    """Plain gradient-descent logistic regression (no extra dependency)."""
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        w -= rate * (x.T @ (p - y) / len(y) + l2 * w)
    return w


def confusable_pairs(rows, top: int = 60) -> list[tuple[tuple[str, str], int]]:
    """Entry pairs whose questions go to each other (wrong first, or right first with the other a close second)."""
    pairs: Counter = Counter()
    for gold, ids, sig in rows:
        if not ids:
            continue
        other = (
            ids[0]
            if ids[0] != gold
            else (ids[1] if len(ids) > 1 and D.decide(sig) != "answer" else None)
        )
        if other:
            pairs[tuple(sorted((gold, other)))] += 1
    return pairs.most_common(top)


def main(argv: list[str] | None = None) -> int:
    """Print the synthetic figures, the confusable pairs and the fitted decision constants."""
    parser = argparse.ArgumentParser(prog="python -m widget.bot.calibrate")
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--precision", type=float, default=0.92)
    args = parser.parse_args(argv)
    rows = leave_out(load_entries(), args.folds)
    n = len(rows)
    right = np.array([ids[0] == gold for gold, ids, _ in rows])
    answered = np.array([D.decide(s) == "answer" for _, _, s in rows])
    print(
        f"synthetic queries {n}: rank-1 {right.mean():.3f}, answered right {(right & answered).mean():.3f}, "
        f"answered wrong {(~right & answered).mean():.3f} (current constants)"
    )
    print("confusable pairs:", " ".join(f"{a}/{b}:{c}" for (a, b), c in confusable_pairs(rows)))
    ok = np.array([eligible(s) for _, _, s in rows])
    x = np.array([s.features() for _, _, s in rows])[ok]
    y = right[ok].astype(float)
    w = fit_logistic(x, y)
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    chosen = 1.0
    for th in np.arange(0.30, 0.96, 0.01):
        sel = p >= th
        if sel.any() and y[sel].mean() >= args.precision:
            chosen = float(th)
            break
    sel = p >= chosen
    print(f"ANSWER_WEIGHTS = ({', '.join(f'{v:.3f}' for v in w)})")
    print(
        f"ANSWER_P = {chosen:.2f}  -> answered right {y[sel].sum() / n:.3f}, "
        f"answered wrong {(1 - y[sel]).sum() / n:.3f} of the synthetic queries"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
