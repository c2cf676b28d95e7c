"""Check the written similar questions and ship the ones that pass (widget/bot/written.py).

Run: python bench/bot_written.py FILE... [--out widget/bot/data/similar_written.jsonl] [-v]
Input: the writers' files ({"id", "similar", "similar_en", "source"} a line, from writers who
never saw a query set; they are not in the repository): round 1 written-N.jsonl, round 2
written2-N.jsonl (the round is read from the name and kept in the output: one row per entry and
round). Every
question is matched alone by the shipped matcher without any written question; it is dropped
when another entry leads its own by DROP_MARGIN or more, or when it is a near copy of one of the
issue's own examples (those must be answered by the method, not by the data). Prints the counts
per round, the lead distribution of the misranked ones and (with -v) every dropped question;
writes the kept ones."""

from __future__ import annotations

import argparse
import json
import re
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


# Owners the KB editor decided (docs/BOT.md 17): a question that asks to flush a wrong invoice
# and reissue it, without saying the flush is done, belongs to kb-034 (开错了怎么红冲); kb-044
# (红冲后怎么重新开) keeps what takes the flush as done or asks about the reissue itself.
REASSIGNED = {("kb-044", "开错重开流程"): "kb-034"}


def writing_round(path: Path) -> int:
    """The round a file of written questions belongs to: written-N.jsonl 1, writtenR-N.jsonl R."""
    m = re.fullmatch(r"written(\d*)-.*\.jsonl", path.name)
    return int(m.group(1) or 1) if m else 1


def merged(files: list[Path]) -> list[dict]:
    """One row per entry id and round (rows of the same id and round joined; a question already
    in an earlier row dropped), in id then round order."""
    by_key: dict[tuple[str, int], dict] = {}
    seen: set[tuple[str, str]] = set()

    def row_of(entry_id: str, rnd: int) -> dict:
        r = by_key.setdefault((entry_id, rnd), {"id": entry_id, "similar": [], "similar_en": []})
        r["round"] = rnd
        return r

    for path in sorted(files, key=writing_round):
        rnd = writing_round(path)
        for row in read_jsonl(path):
            row_of(row["id"], rnd)  # a written row has its entry's row, even with every text moved
            for field in ("similar", "similar_en"):
                for t in row.get(field) or ():
                    owner = REASSIGNED.get((row["id"], t), row["id"])
                    if t.strip() and (owner, t) not in seen:
                        seen.add((owner, t))
                        row_of(owner, rnd)[field].append(t)
    return [by_key[k] for k in sorted(by_key)]


def main() -> int:
    parser = argparse.ArgumentParser()
    # no default: run without its inputs, it would overwrite the shipped file with nothing
    parser.add_argument("files", nargs="+", type=Path, help="the writers' written*.jsonl")
    parser.add_argument("--out", type=Path, default=DEFAULT_WRITTEN)
    parser.add_argument("--margin", type=float, default=DROP_MARGIN, help="lead that drops")
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args()
    missing = [str(path) for path in args.files if not path.is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(missing)} (nothing written)")
    rows = merged(args.files)
    verdicts = check(build_matcher(written=False), rows, ISSUE_EXAMPLES, args.margin)
    # check() gives one verdict per question, a row's Chinese then its English, rows in order
    rounds = [row["round"] for row in rows for _ in row["similar"] + row["similar_en"]]
    for rnd, en in sorted({(r, v.en) for r, v in zip(rounds, verdicts, strict=True)}):
        vs = [v for r, v in zip(rounds, verdicts, strict=True) if r == rnd and v.en == en]
        misranked = [v for v in vs if v.best != v.id]
        print(
            f"round {rnd}, {'English' if en else 'Chinese'}: {len(vs)} written, own entry first "
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
        for rnd, v in zip(rounds, verdicts, strict=True):
            if v.best != v.id or not v.kept:
                print(
                    f"{v.reason or 'kept':9} r{rnd} {v.id} -> {v.best} rank {v.own_rank} "
                    f"lead {v.lead:.3f}  {v.text}"
                )
    out = kept_rows(rows, verdicts)
    with open(args.out, "w", encoding="utf-8") as fh:
        for row in out:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    kept = sum(v.kept for v in verdicts)
    print(
        f"wrote {args.out}: {len(out)} rows (entry and round), "
        f"{kept} of {len(verdicts)} questions kept"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
