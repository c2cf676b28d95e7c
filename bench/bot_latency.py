"""Latency of the FAQ matcher at the shipped size (150 entries) and at 10,000 synthetic entries.

Run: python bench/bot_latency.py [--entries 10000] [--queries 2000]  (--entries 150: shipped only)
Prints build time (wall and CPU), peak RSS, per-query p50/p99 (wall clock and thread CPU time: on a
shared, loaded machine the wall-clock tail is mostly scheduling) for both sizes, and the cost of
KnowledgeBase.add_alias on the shipped KB. A benchmark: it prints figures, it asserts nothing."""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from widget.bot.evaluate import percentile  # noqa: E402
from widget.bot.kb import Entry, KnowledgeBase, load_entries, read_jsonl  # noqa: E402
from widget.bot.matcher import Matcher  # noqa: E402

DEV = Path(__file__).resolve().parents[1] / "tests/unit/data/queries-dev.jsonl"
SEED = 20260501  # fixed so runs are comparable
SYNTHETIC_SIMILAR = 20  # similar questions per synthetic entry: about what the shipped entries have


def synthetic_entries(base: list[Entry], n: int, rng: random.Random) -> list[Entry]:
    """n entries recombined from real ones: one's phrasings spliced with another's topic words."""
    out = []
    for i in range(n):
        a, b = rng.choice(base), rng.choice(base)
        topic = b.question.rstrip("？?")[:8]
        phrasings = list(a.similar)
        rng.shuffle(phrasings)
        similar = tuple(
            f"{p}（{topic}）" if j % 2 else f"{topic} {p}"
            for j, p in enumerate(phrasings[:SYNTHETIC_SIMILAR])
        )
        out.append(
            replace(
                a,
                id=f"syn-{i:05d}",
                question=f"{a.question.rstrip('？?')}（{topic}）？",
                aliases=tuple(f"{x} {topic}" for x in a.aliases),
                similar=similar,
            )
        )
    return out


# Narratives (issue 10): a background, the question, a second worry, as long as real ones.
BACKGROUNDS = (
    "老师您好，我是帮亲戚的小公司记账的，平时也不太懂这些，上个月刚开始用数电票，",
    "您好，我们是一家做外贸的小企业，财务就我一个人，领导催得紧，",
    "老师好，打扰了，我年纪大了对电脑不熟，昨天在电子税务局弄了半天，页面一直转圈，",
)
TAILS = ("，请问应该怎么处理？", "，是不是要去大厅办？谢谢老师", "？麻烦您说详细一点，先谢谢了")


def queries(base: list[Entry], n: int, rng: random.Random) -> list[str]:
    """The dev queries, one narrative and one English question in every five (built from the
    KB's similar questions and English aliases), the rest similar questions with a character
    dropped."""
    qs = [row["q"] for row in read_jsonl(DEV)] if DEV.exists() else []
    english = [a for e in base for a in e.aliases_en]
    while len(qs) < n:
        if len(qs) % 5 == 0:
            s = rng.choice(rng.choice(base).similar).rstrip("？?")
            qs.append(rng.choice(BACKGROUNDS) + s + rng.choice(TAILS))
            continue
        if len(qs) % 5 == 1 and english:
            qs.append(rng.choice(english))
            continue
        s = rng.choice(rng.choice(base).similar)
        k = rng.randrange(len(s))
        qs.append(s[:k] + s[k + 1 :])
    return qs[:n]


def measure(matcher: Matcher, qs: list[str]) -> tuple[float, float, float, float]:
    """Wall-clock p50, p99 and thread-CPU p50, p99 of match() in ms (after 50 warm-up queries)."""
    for q in qs[:50]:
        matcher.match(q)
    wall, cpu = [], []
    for q in qs:
        t0, c0 = time.perf_counter(), time.thread_time()
        matcher.match(q)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    return percentile(wall, 50), percentile(wall, 99), percentile(cpu, 50), percentile(cpu, 99)


def rss_mb() -> float:
    """Peak resident set size of this process so far, MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
    kb = KnowledgeBase(base)
    times = []
    for i in range(5):
        t0 = time.perf_counter()
        kb.add_alias("kb-123", f"小蓝鲸第{i}版怎么用")
        times.append(time.perf_counter() - t0)
    print(
        f"add_alias on the shipped KB: median {sorted(times)[2] * 1000:.0f} ms"
        " (full build of the same KB below)"
    )
    del kb
    sizes = [("shipped", base)]
    if args.entries > len(base):
        sizes.append(("synthetic", base + synthetic_entries(base, args.entries - len(base), rng)))
    for label, entries in sizes:
        before = rss_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        matcher = Matcher(entries)
        build, build_cpu = time.perf_counter() - t0, time.process_time() - c0
        gc.collect()
        # the index is long-lived and read-only: keep the cyclic GC from rescanning it mid-query
        gc.freeze()
        phrasings = sum(len(e.phrasings) for e in entries)
        p50, p99, c50, c99 = measure(matcher, qs)
        print(
            f"{label}: {len(entries)} entries, {phrasings} phrasings, build {build:.2f} s wall / "
            f"{build_cpu:.2f} s CPU, peak RSS {rss_mb():.0f} MB (before build {before:.0f} MB); "
            f"{len(qs)} queries: wall p50 {p50:.2f} ms p99 {p99:.2f} ms, "
            f"CPU p50 {c50:.2f} ms p99 {c99:.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
