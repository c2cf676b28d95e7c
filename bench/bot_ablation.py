"""Ablation study: `python bench/bot_ablation.py [--queries FILE ...]` prints the figures with each part removed.

Parts are switched off by patching module attributes for the duration of one configuration only."""
from __future__ import annotations

import argparse
import contextlib
from dataclasses import replace
from pathlib import Path
from unittest import mock

import sys

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from widget.bot import features, lexicon, matcher, normalise, phonetic  # noqa: E402
from widget.bot.evaluate import evaluate  # noqa: E402
from widget.bot.kb import load_entries, read_jsonl  # noqa: E402

DEFAULT_QUERIES = [str(ROOT / "tests/unit/data/queries-dev.jsonl"), str(ROOT / "tests/unit/data/bot_holdout.jsonl")]


def _configs():
    """(label, context manager factory, similar questions per entry or None for all)."""
    null = contextlib.nullcontext
    yield "full (all similar questions)", null, None
    yield "similar questions: 0", null, 0
    yield "similar questions: 10", null, 10
    yield "similar questions: 20", null, 20
    yield "- synonym groups", lambda: mock.patch.object(lexicon, "synonyms", lambda: lexicon.Synonyms({}, None, {})), None
    yield "- pinyin typo repair", lambda: mock.patch.object(phonetic, "repair_typos", lambda t: t), None
    yield "- pinyin view", lambda: mock.patch.dict(features.VIEW_WEIGHTS, {"p": 0.0}), None
    yield "- word view", lambda: mock.patch.dict(features.VIEW_WEIGHTS, {"w": 0.0}), None
    yield "- char n-gram view", lambda: mock.patch.dict(features.VIEW_WEIGHTS, {"c": 0.0}), None
    yield "- pooled entry signal", lambda: mock.patch.object(matcher.Matcher, "_retrieve", _phrase_only), None
    yield "- fillers and focus", lambda: _stack(mock.patch.object(normalise, "strip_fillers", lambda t: t),
                                                mock.patch.object(normalise, "focus", lambda t: t)), None
    yield "- off-topic list", lambda: mock.patch.object(matcher, "_names_offtopic", lambda toks: False), None


def _stack(*cms):
    stack = contextlib.ExitStack()
    for cm in cms:
        stack.enter_context(cm)
    return stack


_ORIGINAL_RETRIEVE = matcher.Matcher._retrieve


def _phrase_only(self, norm, raw):
    """_retrieve with the pooled signal replaced by the phrasing signal (so scores keep their scale)."""
    with mock.patch.object(self, "pooled", self.index):
        return _ORIGINAL_RETRIEVE(self, norm, raw)


def main() -> int:
    """Print one row per configuration and query set."""
    parser = argparse.ArgumentParser(prog="python -m widget.bot.ablation")
    parser.add_argument("--queries", nargs="*", default=DEFAULT_QUERIES)
    args = parser.parse_args()
    sets = [(Path(q).name, read_jsonl(q)) for q in args.queries]
    base = load_entries()
    print("| configuration | set | top-1 | top-3 | OOS ok | confident wrong |")
    print("|---|---|---|---|---|---|")
    for label, cm, n_similar in _configs():
        entries = base if n_similar is None else [replace(e, similar=e.similar[:n_similar]) for e in base]
        with cm():
            m = matcher.Matcher(entries)
            for name, qs in sets:
                r = evaluate(m, qs)
                print(f"| {label} | {name} | {r.top1:.3f} | {r.top3:.3f} | {r.oos_ok:.3f} | {r.confident_wrong:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
