"""Latency of the FAQ matcher at the shipped size (150 entries) and at 10,000 synthetic entries.

Run: python bench/bot_latency.py [--entries 10000] [--queries 2000]
Prints build time and per-query p50/p99 for both sizes. A benchmark: it prints figures, it asserts nothing."""
from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from widget.bot.evaluate import percentile  # noqa: E402
from widget.bot.kb import Entry, load_entries, read_jsonl  # noqa: E402
from widget.bot.matcher import Matcher  # noqa: E402

DEV = Path(__file__).resolve().parents[1] / "tests/unit/data/queries-dev.jsonl"
SEED = 20260501  # fixed so runs are comparable
SYNTHETIC_SIMILAR = 20  # similar questions per synthetic entry: about what the shipped entries have


def synthetic_entries(base: list[Entry], n: int, rng: random.Random) -> list[Entry]:
    """n entries made by recombining real ones: one entry's phrasings spliced with another's topic words."""
    out = []
    for i in range(n):
        a, b = rng.choice(base), rng.choice(base)
        topic = b.question.rstrip("？?")[:8]
        phrasings = list(a.similar)
        rng.shuffle(phrasings)
        similar = tuple(f"{p}（{topic}）" if j % 2 else f"{topic} {p}"
                        for j, p in enumerate(phrasings[:SYNTHETIC_SIMILAR]))
        out.append(replace(a, id=f"syn-{i:05d}", question=f"{a.question.rstrip('？?')}（{topic}）？",
                           aliases=tuple(f"{x} {topic}" for x in a.aliases), similar=similar))
    return out


def queries(base: list[Entry], n: int, rng: random.Random) -> list[str]:
    """The dev queries plus similar questions of the real entries with a character dropped."""
    qs = [row["q"] for row in read_jsonl(DEV)] if DEV.exists() else []
    while len(qs) < n:
        s = rng.choice(rng.choice(base).similar)
        k = rng.randrange(len(s))
        qs.append(s[:k] + s[k + 1:])
    return qs[:n]


def measure(matcher: Matcher, qs: list[str]) -> tuple[float, float]:
    """p50 and p99 of match() in milliseconds (after one warm-up pass over 50 queries)."""
    for q in qs[:50]:
        matcher.match(q)
    times = []
    for q in qs:
        t0 = time.perf_counter()
        matcher.match(q)
        times.append((time.perf_counter() - t0) * 1000)
    return percentile(times, 50), percentile(times, 99)


def main() -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=2_000)
    args = parser.parse_args()
    rng = random.Random(SEED)
    base = load_entries()
    qs = queries(base, args.queries, rng)
    Matcher(base[:3])  # load jieba and the lexicons once, outside the timings
    for label, entries in (("shipped", base), ("synthetic", base + synthetic_entries(base, args.entries - len(base), rng))):
        t0 = time.perf_counter()
        matcher = Matcher(entries)
        build = time.perf_counter() - t0
        gc.collect()
        gc.freeze()  # the index is long-lived and read-only: keep the cyclic GC from rescanning it mid-query
        phrasings = sum(len(e.phrasings) for e in entries)
        p50, p99 = measure(matcher, qs)
        print(f"{label}: {len(entries)} entries, {phrasings} phrasings, build {build:.2f} s, "
              f"{len(qs)} queries p50 {p50:.2f} ms p99 {p99:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
