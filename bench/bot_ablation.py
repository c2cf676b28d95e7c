"""Ablation study: `python bench/bot_ablation.py [--queries FILE ...]` prints the figures with each
part removed.

Parts are switched off by patching module attributes for the duration of one configuration only (the
chunk caches of normalise/tokens are cleared around each one). Prints one markdown row per
configuration: top-1, top-3, out-of-scope handled well and confident wrong on each query set."""

from __future__ import annotations

import argparse
import contextlib
import sys
from dataclasses import replace
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from widget.bot import (  # noqa: E402
    decide,
    features,
    lexicon,
    matcher,
    normalise,
    phonetic,
    thesaurus,
    tokens,
)
from widget.bot.evaluate import evaluate  # noqa: E402
from widget.bot.kb import load_entries, read_jsonl  # noqa: E402

DEFAULT_QUERIES = [
    str(ROOT / "tests/unit/data/queries-dev.jsonl"),
    str(ROOT / "tests/unit/data/bot_holdout.jsonl"),
    str(ROOT / "tests/unit/data/bot_holdout2.jsonl"),
]


def _configs():
    """(label, context manager factory, similar questions per entry or None for all, round 2 on)."""
    null = contextlib.nullcontext
    yield "full", null, None, True
    yield "- round-2 distinguishing similar questions", null, None, False
    yield "similar questions: round-1 first 20 only", null, 20, False
    yield "similar questions: 0", null, 0, False
    yield (
        "- sibling contrast re-ranking",
        lambda: _stack(
            mock.patch.object(decide, "CONTRAST_WEIGHT", 0.0),
            mock.patch.object(matcher, "CONTRAST_WEIGHT", 0.0),
        ),
        None,
        True,
    )
    yield (
        "- question-type bonus",
        lambda: _stack(
            mock.patch.object(features, "QUESTION_TYPE_WEIGHT", 0.0),
            mock.patch.object(matcher, "QUESTION_TYPE_WEIGHT", 0.0),
        ),
        None,
        True,
    )
    yield (
        "- synonym groups",
        lambda: mock.patch.object(lexicon, "synonyms", lambda: lexicon.Synonyms({}, None, {})),
        None,
        True,
    )
    yield (
        "- pinyin typo repair",
        lambda: mock.patch.object(phonetic, "repair_typos", lambda t: t),
        None,
        True,
    )
    yield "- pinyin view", lambda: mock.patch.dict(features.VIEW_WEIGHTS, {"p": 0.0}), None, True
    yield "- word view", lambda: mock.patch.dict(features.VIEW_WEIGHTS, {"w": 0.0}), None, True
    yield (
        "- char n-gram view",
        lambda: mock.patch.dict(features.VIEW_WEIGHTS, {"c": 0.0}),
        None,
        True,
    )
    yield (
        "- pooled entry signal",
        lambda: mock.patch.object(matcher.Matcher, "_retrieve", _phrase_only),
        None,
        True,
    )
    yield (
        "- fillers and focus",
        lambda: _stack(
            mock.patch.object(normalise, "strip_fillers", lambda t: t),
            mock.patch.object(normalise, "split_question", lambda t: (t, "")),
        ),
        None,
        True,
    )
    yield (
        "- off-topic list",
        lambda: mock.patch.object(matcher, "offtopic_terms", lambda toks: frozenset()),
        None,
        True,
    )


def _clear_caches():
    thesaurus._synonyms.cache_clear()
    normalise._tail.cache_clear()
    tokens._chunk_tokens.cache_clear()


def _stack(*cms):
    stack = contextlib.ExitStack()
    for cm in cms:
        stack.enter_context(cm)
    return stack


_ORIGINAL_RETRIEVE = matcher.Matcher._retrieve


def _phrase_only(self, norm, raw, background="", lang="zh"):
    """_retrieve with the pooled signal replaced by the phrasing one (scores keep their scale)."""
    n = len(self.entries)

    class PhrasingsOnly:
        @staticmethod
        def entry_scores(vs):
            return self.index.entry_scores(vs)[:n]

    with mock.patch.object(self, "pooled", PhrasingsOnly):
        return _ORIGINAL_RETRIEVE(self, norm, raw, background, lang)


def main() -> int:
    """Print one row per configuration and query set."""
    parser = argparse.ArgumentParser(prog="python -m widget.bot.ablation")
    parser.add_argument("--queries", nargs="*", default=DEFAULT_QUERIES)
    args = parser.parse_args()
    sets = [(Path(q).stem, read_jsonl(q)) for q in args.queries]
    print(
        "| configuration | "
        + " | ".join(f"{name} top-1 / top-3 / OOS / CW" for name, _ in sets)
        + " |"
    )
    print("|---|" + "---|" * len(sets))
    for label, cm, n_similar, contrast in _configs():
        base = load_entries(contrast=contrast)
        entries = (
            base if n_similar is None else [replace(e, similar=e.similar[:n_similar]) for e in base]
        )
        _clear_caches()
        with cm():
            m = matcher.Matcher(entries)
            cells = []
            for _, qs in sets:
                r = evaluate(m, qs)
                cells.append(
                    f"{r.top1:.3f} / {r.top3:.3f} / {r.oos_ok:.3f} / {r.confident_wrong:.3f}"
                )
        _clear_caches()
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
