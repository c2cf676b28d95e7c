"""Fitting the learned ranker (rank.py) on the training voices and the 相似问.

`python -m widget.bot.fit_ranker --voices /work/shared/kb/queries` refits data/ranker.json; then
refit the decision on the new ranking (`python -m widget.bot.calibrate --voices ...`).

Training questions: every in-scope question of every training voice, its candidates taken from a
matcher built without that voice (and without the voices the fit leaves out), so its scores are
those of a voice the matcher has not seen; and the hand-written 相似问 (similar.zh and
similar_contrast.zh), FOLDS folds, each matched by a matcher without its fold and without
anything mined from any voice (so they carry nothing of a voice either). A question whose right
entry is among the candidates gives one pair per wrong candidate: right features minus wrong,
labelled 1 (and the negation, labelled 0), weighted so each question counts once (a training
voice's questions VOICE_WEIGHT times). The fit is scikit-learn's L2 logistic regression without
intercept on columns scaled by their spread; weights are stored for the raw columns.

"all" is fitted on everything; "without" holds one fit per set of one or two training voices
left out: one for leave-one-voice-out, two for the decision's fit (calibrate.voice_rows matches
voice W of the fold without V with a matcher, and a ranker, without V and W)."""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import decide as D
from . import rank as R
from . import smalltalk
from .evaluate import is_training, voice
from .kb import load_entries, load_oos_examples, read_jsonl
from .matcher import Matcher, build_matcher
from .thesaurus import Thesaurus

FOLDS = 5
# How much one training-voice question counts against one 相似问 (chosen by leave-one-voice-out).
VOICE_WEIGHT = 1.0
C = 10.0  # inverse L2 strength of the logistic regression (chosen by leave-one-voice-out)
# (gold index among the candidates, candidate features): one training question
Row = tuple[int, np.ndarray]
_DUMMY = D.Decision((0.0,) * len(D.FEATURES), 1.0, (0.0,) * len(D.FEATURES), 1.0)


def _rows(m: Matcher, questions: Iterable[tuple[str, str]]) -> list[Row]:
    out = []
    for q, gold in questions:
        if smalltalk.is_greeting(q) or (m.human_id and smalltalk.wants_human(q)):
            continue
        ids, x = m.candidates(q)
        if gold in ids and len(ids) > 1:
            out.append((ids.index(gold), x))
    return out


def voice_rows(path: Path, exclude: frozenset[str]) -> list[Row]:
    """A training voice's in-scope questions, matched without it and without exclude."""
    m = build_matcher(exclude_sources=exclude | {voice(path)}, decision=_DUMMY, rank=False)
    qs = [(r["q"], r["expect"]) for r in read_jsonl(path) if r.get("expect")]
    return _rows(m, qs)


def similar_rows(voices: Sequence[str], folds: int = FOLDS) -> list[Row]:
    """The hand-written similar questions, each matched by a matcher without its fold and without
    anything mined from the voices."""
    entries = load_entries(mined=False)
    thesaurus, oos = Thesaurus.load().without(voices), load_oos_examples(voices)
    out: list[Row] = []
    for f in range(folds):
        kept = [
            replace(e, similar=tuple(s for i, s in enumerate(e.similar) if i % folds != f))
            for e in entries
        ]
        m = Matcher(
            kept, decision=_DUMMY, oos_examples=oos, thesaurus=thesaurus, ranker=None, rank=False
        )
        out += _rows(m, [(s, e.id) for e in entries for s in e.similar[f::folds]])
    return out


def fit(groups: Sequence[tuple[list[Row], float]], c: float = C) -> R.Ranker:
    """Pairwise logistic regression over (rows, weight per question) groups."""
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    diffs, weights = [], []
    for rows, weight in groups:
        for gold, x in rows:
            d = x[gold] - np.delete(x, gold, axis=0)
            diffs.append(d)
            weights.append(np.full(len(d), weight / len(d)))
    d, w = np.vstack(diffs), np.concatenate(weights)
    sd = d.std(axis=0)
    sd[sd == 0] = 1.0
    z = np.vstack([d / sd, -d / sd])
    y = np.concatenate([np.ones(len(d)), np.zeros(len(d))])
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=2000)
    model.fit(z, y, sample_weight=np.concatenate([w, w]))
    return R.Ranker(tuple(float(x) for x in model.coef_[0] / sd))


def fit_voices(files: Sequence[Path], voice_weight: float = VOICE_WEIGHT, c: float = C) -> dict:
    """data/ranker.json: "all" and one fit per set of one or two training voices left out."""
    names = [voice(f) for f in files if is_training(f)]
    by_name = {voice(f): f for f in files if is_training(f)}
    print("matching the 相似问 ...", file=sys.stderr, flush=True)
    similar = similar_rows(names)
    cache: dict[tuple[str, frozenset[str]], list[Row]] = {}

    def rows_of(name: str, exclude: frozenset[str]) -> list[Row]:
        key = (name, exclude | {name})
        if key not in cache:
            print(f"matching {name} without {sorted(key[1])} ...", file=sys.stderr, flush=True)
            cache[key] = voice_rows(by_name[name], exclude)
        return cache[key]

    def fitted(exclude: frozenset[str]) -> R.Ranker:
        groups = [(rows_of(n, exclude), voice_weight) for n in names if n not in exclude]
        return fit([(similar, 1.0), *groups], c)

    out = {"all": {**fitted(frozenset()).to_json(), "sources": names}, "without": {}}
    for k in (1, 2):
        for left in itertools.combinations(names, k):
            out["without"][R.group_key(left)] = fitted(frozenset(left)).to_json()
    return out


def main(argv: list[str] | None = None) -> int:
    """Refit data/ranker.json on DIR/train-*.jsonl and the 相似问."""
    parser = argparse.ArgumentParser(prog="python -m widget.bot.fit_ranker")
    parser.add_argument("--voices", metavar="DIR", required=True)
    parser.add_argument("--voice-weight", type=float, default=VOICE_WEIGHT)
    parser.add_argument("--c", type=float, default=C)
    args = parser.parse_args(argv)
    files = sorted(Path(args.voices).glob("train-*.jsonl"))
    fitted = fit_voices(files, args.voice_weight, args.c)
    R.RANKER_FILE.write_text(json.dumps(fitted, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {R.RANKER_FILE} (fitted on {', '.join(voice(f) for f in files)} and the 相似问)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
