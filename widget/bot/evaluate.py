"""Evaluation of a matcher on labelled queries: top-1, top-3, out-of-scope handling, confident wrong, latency."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Report:
    """Figures for one query set."""

    n: int
    n_in: int
    n_out: int
    top1: float
    top3: float
    oos_ok: float
    confident_wrong: float
    p50_ms: float
    p99_ms: float
    misses: tuple[
        tuple[str, str | None, str, tuple[str, ...]], ...
    ]  # (query, expect, outcome, shown ids)

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        return [
            f"queries {self.n} (in-scope {self.n_in}, out-of-scope {self.n_out})",
            f"in-scope top-1 {self.top1:.3f}",
            f"in-scope top-3 {self.top3:.3f}",
            f"out-of-scope handled well {self.oos_ok:.3f}",
            f"confident wrong {self.confident_wrong:.3f}",
            f"latency p50 {self.p50_ms:.2f} ms p99 {self.p99_ms:.2f} ms",
        ]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of values (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def evaluate(matcher, queries: Iterable[dict]) -> Report:
    """Run every {"q", "expect"} query through matcher and score it the way the product is judged."""
    n_in = n_out = top1 = top3 = oos_ok = wrong = 0
    times, misses = [], []
    for row in queries:
        q, expect = row["q"], row.get("expect")
        t0 = time.perf_counter()
        r = matcher.match(q)
        times.append((time.perf_counter() - t0) * 1000)
        shown = ((r.answer,) if r.answer else ()) + tuple(r.suggestions)
        if r.outcome == "answer" and r.answer != expect:
            wrong += 1
        if expect is None:
            n_out += 1
            ok = not shown
            oos_ok += ok
        else:
            n_in += 1
            ok = r.answer == expect
            top1 += ok
            top3 += expect in shown
        if not ok:
            misses.append((q, expect, r.outcome, shown))
    n = n_in + n_out
    return Report(
        n,
        n_in,
        n_out,
        top1 / max(n_in, 1),
        top3 / max(n_in, 1),
        oos_ok / max(n_out, 1),
        wrong / max(n, 1),
        percentile(times, 50),
        percentile(times, 99),
        tuple(misses),
    )
