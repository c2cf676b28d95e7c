"""Check the written similar questions and ship the ones that pass (widget/bot/written.py).

Run: python bench/bot_written.py [FILE ...] [--out widget/bot/data/similar_written.jsonl] [-v]
Default input: /work/wt/_written/written-*.jsonl ({"id", "similar", "similar_en", "source"} a line,
from writers who never saw a query set). Every question is matched alone by the shipped matcher
without any written question; it is dropped when another entry leads its own by DROP_MARGIN or
more, or when it is a near copy of one of the issue's own examples (those must be answered by the
method, not by the data). Prints the counts, the lead distribution of the misranked ones and
(with -v) every dropped question; writes the kept ones."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from widget.bot.kb import DEFAULT_WRITTEN, read_jsonl  # noqa: E402
from widget.bot.matcher import build_matcher  # noqa: E402
from widget.bot.written import DROP_MARGIN, check, kept_rows  # noqa: E402

# Issue 10's own examples, asserted end to end (e2e/test_widget_bot.py): never in the data.
ISSUE_EXAMPLES = (
    "老师您好，我前天开的一张电子发票金额打错了，客户还没用，想冲掉重开，该怎么弄？",
    "发漂开错了咋办",
    "How do I issue a digital VAT invoice?",
)


def merged(files: list[Path]) -> list[dict]:
    """One row per entry id (rows of the same id joined, duplicates dropped), in id order."""
    by_id: dict[str, dict] = {}
    for path in files:
        for row in read_jsonl(path):
            r = by_id.setdefault(row["id"], {"id": row["id"], "similar": [], "similar_en": []})
            for key in ("similar", "similar_en"):
                r[key] += [t for t in row.get(key) or () if t.strip() and t not in r[key]]
    return [by_id[i] for i in sorted(by_id)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=DEFAULT_WRITTEN)
    parser.add_argument("--margin", type=float, default=DROP_MARGIN, help="lead that drops")
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args()
    files = args.files or sorted(Path("/work/wt/_written").glob("written-*.jsonl"))
    rows = merged(files)
    verdicts = check(build_matcher(written=False), rows, ISSUE_EXAMPLES, args.margin)
    for en in (False, True):
        vs = [v for v in verdicts if v.en == en]
        misranked = [v for v in vs if v.best != v.id]
        print(
            f"{'English' if en else 'Chinese'}: {len(vs)} written, own entry first "
            f"{len(vs) - len(misranked)}, misranked {len(misranked)} (lead < {args.margin}: "
            f"{sum(v.lead < args.margin for v in misranked)}), dropped wrong "
            f"{sum(v.reason == 'wrong' for v in vs)}, near copies of the issue's examples "
            f"{sum(v.reason == 'near-copy' for v in vs)}"
        )
    bins = Counter(min(int(max(v.lead, 0.0) / 0.05), 6) for v in verdicts if v.best != v.id)
    print(
        "leads of the misranked (by 0.05, last 0.30+):",
        " ".join(f"{b * 0.05:.2f}:{bins[b]}" for b in range(7)),
    )
    if args.verbose:
        for v in verdicts:
            if v.best != v.id or not v.kept:
                print(
                    f"{v.reason or 'kept':9} {v.id} -> {v.best} rank {v.own_rank} "
                    f"lead {v.lead:.3f}  {v.text}"
                )
    out = kept_rows(rows, verdicts)
    with open(args.out, "w", encoding="utf-8") as fh:
        for row in out:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    kept = sum(v.kept for v in verdicts)
    print(f"wrote {args.out}: {len(out)} entries, {kept} of {len(verdicts)} questions kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
