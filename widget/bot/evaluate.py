"""Evaluation of a matcher on labelled queries, per file and leave-one-voice-out.

Definitions (one query set; "shown" = the answer, if any, then the suggestions in order):
top-1 = in-scope queries answered with the expected entry; first = in-scope queries whose first
shown entry is the expected one; top-3 = expected entry among the first three shown; nothing =
in-scope queries with nothing shown; out-of-scope handled = out-of-scope queries with nothing
shown; confident wrong = queries (all of them) answered with an entry that is not the expected
one."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("top-1", "first", "top-3", "nothing", "oos handled", "conf. wrong")


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
    first: float = 0.0
    nothing: float = 0.0

    @property
    def figures(self) -> tuple[float, ...]:
        """The six judged columns, in COLUMNS order."""
        return (self.top1, self.first, self.top3, self.nothing, self.oos_ok, self.confident_wrong)

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        return [
            f"queries {self.n} (in-scope {self.n_in}, out-of-scope {self.n_out})",
            f"in-scope top-1 {self.top1:.3f}",
            f"in-scope first shown {self.first:.3f}",
            f"in-scope top-3 {self.top3:.3f}",
            f"in-scope nothing shown {self.nothing:.3f}",
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
    """Run every {"q", "expect"} query through matcher and score it as the product is judged."""
    n_in = n_out = top1 = first = top3 = nothing = oos_ok = wrong = 0
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
            first += bool(shown) and shown[0] == expect
            top3 += expect in shown[:3]
            nothing += not shown
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
        first=first / max(n_in, 1),
        nothing=nothing / max(n_in, 1),
    )


def voice(path: str | Path) -> str:
    """The voice (provenance tag) of a query file: its name without extension (train-owner)."""
    return Path(path).name.removesuffix(".jsonl")


def is_training(path: str | Path) -> bool:
    """Training voices (train-*.jsonl) may be mined and are the folds of leave-one-voice-out."""
    return voice(path).startswith("train-")


def table(rows: Sequence[tuple[str, Report]]) -> list[str]:
    """A markdown table, one row per (label, report)."""
    out = ["| set | n (in/out) | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 2) + "|"]
    for label, r in rows:
        cells = " | ".join(f"{x:.3f}" for x in r.figures)
        out.append(f"| {label} | {r.n_in}/{r.n_out} | {cells} |")
    return out


def mean_row(reports: Sequence[Report]) -> Report:
    """The unweighted mean of reports (one voice, one vote), without misses or latency."""
    k = max(len(reports), 1)

    def avg(attr: str) -> float:
        return sum(getattr(r, attr) for r in reports) / k

    return Report(
        sum(r.n for r in reports),
        sum(r.n_in for r in reports),
        sum(r.n_out for r in reports),
        avg("top1"),
        avg("top3"),
        avg("oos_ok"),
        avg("confident_wrong"),
        0.0,
        0.0,
        (),
        first=avg("first"),
        nothing=avg("nothing"),
    )


def leave_one_voice_out(
    build: Callable[[frozenset[str]], object], files: Sequence[str | Path], read
) -> list[tuple[str, Report]]:
    """For each training file in turn: a matcher built without anything mined from its voice
    (build(excluded_sources)), evaluated on that file. Returns (voice, report) rows."""
    rows = []
    for path in files:
        if not is_training(path):
            continue
        name = voice(path)
        rows.append((name, evaluate(build(frozenset({name})), read(path))))
    return rows
