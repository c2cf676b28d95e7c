"""Choose the decision's target rates by leave-one-voice-out over the training voices.

`python bench/bot_decision_sweep.py [--cache FILE]`

For each training voice V: the fitting rows of calibrate.fit_decision without V (the other
voices, each from a matcher built without it and V, plus the English aliases), and V's own
questions matched by a matcher without V (what `eval --leave-one-voice-out` sees). The matchers
are built once and their signals cached (--cache, a pickle), then every pair of target rates
(wrong answers allowed, in-scope questions left with nothing allowed) is fitted per fold and
scored on the held-out voice exactly as evaluate.evaluate scores it. Only training voices are
read; dev and validation are not touched."""

from __future__ import annotations

import argparse
import itertools
import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from widget.bot import calibrate as C  # noqa: E402
from widget.bot import decide as D  # noqa: E402
from widget.bot import smalltalk  # noqa: E402
from widget.bot.evaluate import voice  # noqa: E402
from widget.bot.kb import read_jsonl  # noqa: E402
from widget.bot.matcher import SUGGESTIONS, build_matcher  # noqa: E402

VOICES = Path("/work/shared/kb/queries")
# (expected id, kind, ranked ids, signals): one held-out question, see held_out_rows.
HeldRow = tuple[str | None, str, tuple[str, ...], D.Signals | None]


def held_out_rows(path: Path) -> list[HeldRow]:
    """(expected id, kind, ranked ids, signals) for each question of a voice, matched by a matcher
    built without it; kind is "greeting", "human" (a bare request for a person) or "match"."""
    name = voice(path)
    dummy = D.Decision((0.0,) * len(D.FEATURES), 1.0, (0.0,) * len(D.FEATURES), 1.0)
    m = build_matcher(exclude_sources=frozenset({name}), decision=dummy)
    out: list[HeldRow] = []
    for row in read_jsonl(path):
        q = row["q"]
        if smalltalk.is_greeting(q):
            out.append((row.get("expect"), "greeting", (), None))
        elif m.human_id and smalltalk.wants_human(q):
            out.append((row.get("expect"), "human", (m.human_id,), None))
        else:
            ranked, sig = m.signals(q)
            out.append((row.get("expect"), "match", tuple(i for i, _ in ranked), sig))
    return out


def collect(files: list[Path]) -> dict:
    """Per voice: its held-out rows and the fitting rows without it."""
    data = {}
    for path in files:
        name = voice(path)
        ex = frozenset({name})
        print(f"matching {name} ...", file=sys.stderr, flush=True)
        data[name] = {
            "held": held_out_rows(path),
            "fit": C.voice_rows(files, ex),
            "en": C.english_rows(ex),
        }
    return data


def score(decision: D.Decision, rows) -> tuple[float, ...]:
    """top-1, first, top-3, nothing, oos handled, confident wrong (evaluate.evaluate's columns)."""
    n_in = n_out = top1 = first = top3 = nothing = oos_ok = wrong = 0
    shown: tuple[str, ...]
    answer: str | None
    for expect, kind, ids, sig in rows:
        if kind == "greeting":
            shown, answer = (), None
        elif kind == "human":
            shown, answer = ids, ids[0]
        else:
            outcome = decision.decide(sig)
            answer = ids[0] if outcome == "answer" and ids else None
            shown = (answer,) if answer else (ids[:SUGGESTIONS] if outcome == "suggest" else ())
        if answer and answer != expect:
            wrong += 1
        if expect is None:
            n_out += 1
            oos_ok += not shown
        else:
            n_in += 1
            top1 += answer == expect
            first += bool(shown) and shown[0] == expect
            top3 += expect in shown[:3]
            nothing += not shown
    n_in, n_out = max(n_in, 1), max(n_out, 1)
    return (
        top1 / n_in,
        first / n_in,
        top3 / n_in,
        nothing / n_in,
        oos_ok / n_out,
        wrong / (n_in + n_out),
    )


def lovo(data: dict, wrong_max: float, nothing_max: float, wrong_max_en: float) -> tuple:
    """Mean over the held-out voices of score() with the decision fitted without each."""
    old = C.WRONG_MAX_EN
    C.WRONG_MAX_EN = wrong_max_en
    try:
        rows = []
        for d in data.values():
            dec = C.fit_decision(d["fit"], wrong_max, nothing_max, d["en"])
            rows.append(score(dec, d["held"]))
    finally:
        C.WRONG_MAX_EN = old
    return tuple(sum(r[i] for r in rows) / len(rows) for i in range(6))


def main(argv: list[str] | None = None) -> int:
    """Print the LOVO mean for each pair of target rates."""
    parser = argparse.ArgumentParser(prog="python bench/bot_decision_sweep.py")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/bot_decision_rows.pickle"))
    parser.add_argument("--wrong", default="0.01,0.015,0.02,0.025,0.03")
    parser.add_argument("--nothing", default="0.005,0.01,0.015")
    parser.add_argument("--wrong-en", default="0.03")
    args = parser.parse_args(argv)
    files = sorted(VOICES.glob("train-*.jsonl"))
    if args.cache.exists():
        data = pickle.loads(args.cache.read_bytes())
    else:
        data = collect(files)
        args.cache.write_bytes(pickle.dumps(data))
    grid = itertools.product(
        *(map(float, s.split(",")) for s in (args.wrong, args.nothing, args.wrong_en))
    )
    print("wrong_max nothing_max wrong_en | top-1 first top-3 nothing oos cw")
    for wm, nm, we in grid:
        figs = lovo(data, wm, nm, we)
        print(f"{wm:.3f} {nm:.3f} {we:.3f} | " + " ".join(f"{x:.3f}" for x in figs), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
