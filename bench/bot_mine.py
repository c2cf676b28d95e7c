"""Mine the training voices into the matcher's data, keeping where each line came from.

Run: python bench/bot_mine.py [--queries-dir /work/shared/kb/queries]
Writes widget/bot/data/similar_mined.jsonl: every in-scope question of every train-*.jsonl file
becomes a similar question of its expected entry, one line per (entry, voice) with
"source": the voice (train-owner), so leave-one-voice-out can leave a voice out entirely; and
widget/bot/data/oos_mined.jsonl: the out-of-scope questions, {"q", "source"} a line.
Only train-*.jsonl files are read: valid-*.jsonl and the dev queries are never mined."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from widget.bot.evaluate import is_training, voice  # noqa: E402
from widget.bot.kb import DEFAULT_MINED, DEFAULT_OOS, read_jsonl  # noqa: E402


def mined_rows(files: list[Path]) -> list[dict]:
    """{"id", "similar", "source"} rows, one per entry and training voice, in file then id order."""
    rows = []
    for path in sorted(files):
        if not is_training(path):
            continue
        by_id: dict[str, list[str]] = {}
        for row in read_jsonl(path):
            if row.get("expect"):
                by_id.setdefault(row["expect"], []).append(row["q"])
        rows += [{"id": i, "similar": qs, "source": voice(path)} for i, qs in sorted(by_id.items())]
    return rows


def oos_rows(files: list[Path]) -> list[dict]:
    """{"q", "source"} rows: the out-of-scope questions (expect null) of the training voices."""
    return [
        {"q": row["q"], "source": voice(path)}
        for path in sorted(files)
        if is_training(path)
        for row in read_jsonl(path)
        if row.get("expect") is None
    ]


def write_jsonl(path: str | Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries-dir", default="/work/shared/kb/queries")
    parser.add_argument("--out", default=str(DEFAULT_MINED))
    parser.add_argument("--oos-out", default=str(DEFAULT_OOS))
    args = parser.parse_args()
    files = list(Path(args.queries_dir).glob("train-*.jsonl"))
    rows = mined_rows(files)
    write_jsonl(args.out, rows)
    print(f"{len(rows)} rows, {sum(len(r['similar']) for r in rows)} questions -> {args.out}")
    oos = oos_rows(files)
    write_jsonl(args.oos_out, oos)
    print(f"{len(oos)} out-of-scope questions -> {args.oos_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
