"""Fitting the decision on the training voices, and synthetic validation from the KB itself.

`python -m widget.bot.calibrate --voices /work/shared/kb/queries` refits data/decision.json (see
decide.py) on the training voices only; `python -m widget.bot.calibrate [--folds 10]` prints the
synthetic validation below.

The similar questions are split into folds; for each fold a matcher is built without it and every
left-out similar question is matched as if a taxpayer had typed it. This gives labelled queries that
never touch the dev set (3,895 with the shipped KB). On them the script reports rank-1 and the
confusable pairs (entries that take each other's questions: where new distinguishing similar
questions are most needed)."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import decide as D
from . import smalltalk
from .evaluate import is_training, voice
from .kb import Entry, load_entries, load_oos_examples, read_jsonl
from .matcher import Matcher, build_matcher
from .thesaurus import Thesaurus


def leave_out(
    entries: Sequence[Entry], folds: int = 10
) -> list[tuple[str, tuple[str, ...], D.Signals]]:
    """(right id, ranked ids, signals) per similar question, matched by a matcher that lacks it."""
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
    """Entry pairs whose questions go to each other (wrong first, or right first with the other a
    close second)."""
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


def voice_rows(
    files: Sequence[Path], exclude: frozenset[str] = frozenset(), written: bool = True
) -> list[tuple[str | None, tuple[str, ...], D.Signals]]:
    """(expected id or None, ranked ids, signals) for every question of every training voice not
    in exclude, each voice matched by a matcher built without it (and without exclude): the
    scores a voice the matcher has never seen gets. Greetings and bare requests for a person are
    left out (they never reach the decision)."""
    rows = []
    dummy = D.Decision((0.0,) * len(D.FEATURES), 1.0, (0.0,) * len(D.FEATURES), 1.0)
    for path in files:
        name = voice(path)
        if not is_training(path) or name in exclude:
            continue
        m = build_matcher(exclude_sources=exclude | {name}, decision=dummy, written=written)
        for row in read_jsonl(path):
            q = row["q"]
            if smalltalk.is_greeting(q) or (m.human_id and smalltalk.wants_human(q)):
                continue
            ranked, sig = m.signals(q)
            rows.append((row.get("expect"), tuple(i for i, _ in ranked), sig))
    return rows


# Target rates of the fit, chosen by leave-one-voice-out over the training voices
# (bench/bot_decision_sweep.py): the largest whose LOVO mean keeps confident wrong <= 0.02 and
# out-of-scope handled >= 0.85, maximising top-1 + first - 2 x nothing (nothing shown for an
# in-scope question is the worse failure). Wrong answers allowed among all rows (answer_p):
WRONG_MAX = 0.025  # 0.02 -> LOVO top-1 0.733 (cw 0.017); 0.025 -> 0.738 (cw 0.019)
# In-scope rows left with nothing allowed (scope_p). Before the vote feature and the suggestions
# for off-topic words the best entry's phrasings name: 0.0125 gave nothing 0.037 but oos 0.835.
# With them (LOVO, wrong 0.025): 0.01 -> nothing 0.027 / oos 0.855, 0.0125 -> 0.032 / 0.876,
# 0.015 -> 0.038 / 0.897. The shipped fit at 0.01 (and 0.0125) shows suggestions for
# holdout2's 明天会下雨吗 (holdout2 out-of-scope 0.8 -> 0.7): nothing shown for an in-scope
# question is the worse failure (issue 10), so 0.01.
NOTHING_MAX = 0.01
# Wrong answers allowed among the English rows (answer_p_en). The entries' own English aliases are
# harder than questions (short, and written next to their neighbours), so they need a looser
# rate: 0.03 -> LOVO English top-1 0.613, 0.06 -> 0.613, 0.10 -> 0.707 (English cw 0.023),
# 0.15 -> mean cw 0.021 and top-3 lower.
WRONG_MAX_EN = 0.10


def english_rows(
    exclude: frozenset[str] = frozenset(), folds: int = 2, written: bool = True
) -> list[tuple[str, tuple[str, ...], D.Signals]]:
    """(id, ranked ids, signals) for every English alias of every entry, matched by a matcher
    built without that fold of the English aliases (and without the voices in exclude)."""
    dummy = D.Decision((0.0,) * len(D.FEATURES), 1.0, (0.0,) * len(D.FEATURES), 1.0)
    entries = load_entries(exclude_sources=exclude, written=written)
    rows = []
    for f in range(folds):
        kept = [
            replace(e, aliases_en=tuple(a for i, a in enumerate(e.aliases_en) if i % folds != f))
            for e in entries
        ]
        m = Matcher(
            kept,
            decision=dummy,
            oos_examples=load_oos_examples(exclude),
            thesaurus=Thesaurus.load().without(exclude),
        )
        for e in entries:
            for a in e.aliases_en[f::folds]:
                ranked, sig = m.signals(a)
                if sig.en:
                    rows.append((e.id, tuple(i for i, _ in ranked), sig))
    return rows


def _lowest_safe(p: np.ndarray, right: np.ndarray, n: int, wrong_max: float) -> float:
    """The lowest probability threshold at which wrong answers stay at most wrong_max of n."""
    chosen = 1.0
    for th in np.arange(0.99, 0.0, -0.01):
        if (~right & (p >= th)).sum() / max(n, 1) > wrong_max:
            break
        chosen = float(th)
    return chosen


def fit_standardised(x: np.ndarray, y: np.ndarray, l2: float = 1e-3) -> np.ndarray:
    """Logistic regression on standardised columns (the last column is the bias), with the
    weights given back for the raw columns."""
    mu, sd = x[:, :-1].mean(axis=0), x[:, :-1].std(axis=0)
    sd[sd == 0] = 1.0
    z = np.hstack([(x[:, :-1] - mu) / sd, x[:, -1:]])
    w = fit_logistic(z, y, l2=l2, steps=4000, rate=0.5)
    raw = w[:-1] / sd
    return np.append(raw, w[-1] - float((w[:-1] * mu / sd).sum()))


def fit_decision(
    rows, wrong_max: float = WRONG_MAX, nothing_max: float = NOTHING_MAX, en_rows=()
) -> D.Decision:
    """The answer and scope models fitted on labelled rows (see voice_rows), with answer_p the
    lowest threshold at which wrong answers stay at most wrong_max of all rows and scope_p the
    highest at which in-scope rows left with nothing stay at most nothing_max of in-scope rows;
    answer_p_en as answer_p over the English rows and en_rows (see english_rows) alone."""
    use = [
        (g, ids, s)
        for g, ids, s in rows
        if not s.empty and not s.offtopic and s.top > 0.0 and s.known >= D.KNOWN_MIN
    ]
    x = np.array([s.features() for _, _, s in use])
    right = np.array([bool(ids) and ids[0] == g for g, ids, _ in use])
    inscope = np.array([g is not None for g, _, _ in use])
    wa = fit_standardised(x, right.astype(float))
    pa = 1.0 / (1.0 + np.exp(-(x @ wa)))
    answer_p = _lowest_safe(pa, right, len(rows), wrong_max)
    en = [(g, ids, s) for g, ids, s in [*rows, *en_rows] if s.en and s.known >= D.KNOWN_MIN]
    answer_p_en = None
    if en:
        xe = np.array([s.features() for _, _, s in en])
        re_ = np.array([bool(ids) and ids[0] == g for g, ids, _ in en])
        pe = 1.0 / (1.0 + np.exp(-(xe @ wa)))
        answer_p_en = _lowest_safe(pe, re_, len(en), WRONG_MAX_EN)
    ws = fit_standardised(x, inscope.astype(float))
    ps = 1.0 / (1.0 + np.exp(-(x @ ws)))
    open_rows = inscope & (pa < answer_p)
    n_in = max(int(sum(g is not None for g, _, _ in rows)), 1)
    scope_p = 0.0
    for th in np.arange(0.01, 1.0, 0.01):
        if (open_rows & (ps < th)).sum() / n_in > nothing_max:
            break
        scope_p = float(th)
    return D.Decision(tuple(map(float, wa)), answer_p, tuple(map(float, ws)), scope_p, answer_p_en)


def fit_voices(
    files: Sequence[Path], wrong_max: float, nothing_max: float, written: bool = True
) -> dict:
    """data/decision.json: "all" fitted on every training voice, "without" one per voice fitted
    on the others (their signals from matchers built without the held-out voice as well);
    written=False: for matchers without the written similar questions (the ablation)."""
    names = [voice(f) for f in files if is_training(f)]
    rows, en = voice_rows(files, written=written), english_rows(written=written)
    out = {"all": fit_decision(rows, wrong_max, nothing_max, en).to_json()}
    out["without"] = {}
    for name in names:
        ex = frozenset({name})
        rows, en = voice_rows(files, ex, written), english_rows(ex, written=written)
        fitted = fit_decision(rows, wrong_max, nothing_max, en)
        out["without"][name] = fitted.to_json()
    return out


def main(argv: list[str] | None = None) -> int:
    """Synthetic figures and confusable pairs, or (--voices) refit data/decision.json."""
    parser = argparse.ArgumentParser(prog="python -m widget.bot.calibrate")
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument(
        "--voices", metavar="DIR", help="refit data/decision.json on DIR/train-*.jsonl"
    )
    parser.add_argument("--wrong-max", type=float, default=WRONG_MAX)
    parser.add_argument("--nothing-max", type=float, default=NOTHING_MAX)
    parser.add_argument(
        "--no-written", action="store_true", help="fit for matchers without the written questions"
    )
    parser.add_argument("--out", type=Path, default=D.DECISION_FILE, help="where --voices writes")
    args = parser.parse_args(argv)
    if args.voices:
        files = sorted(Path(args.voices).glob("train-*.jsonl"))
        fitted = fit_voices(files, args.wrong_max, args.nothing_max, not args.no_written)
        args.out.write_text(json.dumps(fitted, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out} (fitted on {', '.join(voice(f) for f in files)})")
        return 0
    rows = leave_out(load_entries(), args.folds)
    right = np.array([ids[0] == gold for gold, ids, _ in rows])
    answered = np.array([D.decide(s) == "answer" for _, _, s in rows])
    print(
        f"synthetic queries {len(rows)}: rank-1 {right.mean():.3f}, answered right "
        f"{(right & answered).mean():.3f}, answered wrong {(~right & answered).mean():.3f}"
    )
    print("confusable pairs:", " ".join(f"{a}/{b}:{c}" for (a, b), c in confusable_pairs(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
