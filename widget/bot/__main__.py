"""CLI: `python -m widget.bot match [--kb FILE]` and `python -m widget.bot eval [--kb FILE] --queries FILE`."""

from __future__ import annotations

import argparse
import json
import sys

from .evaluate import evaluate
from .kb import load_entries, read_jsonl
from .matcher import Matcher


def _matcher(kb: str | None) -> Matcher:
    return Matcher(load_entries(kb))


def cmd_match(args) -> int:
    """Read {"q": ...} JSON lines on stdin, write one result JSON line per query."""
    matcher = _matcher(args.kb)
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            q = json.loads(line).get("q", "")
        except (json.JSONDecodeError, AttributeError):
            q = ""
        out.write(matcher.match(str(q)).to_json(q) + "\n")
        out.flush()
    return 0


def cmd_eval(args) -> int:
    """Print the evaluation figures (and, with --verbose, every miss)."""
    report = evaluate(_matcher(args.kb), read_jsonl(args.queries))
    print("\n".join(report.lines()))
    if args.verbose:
        for q, expect, outcome, shown in report.misses:
            print(f"MISS {expect} -> {outcome} {list(shown)}  {q}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    for stream in (sys.stdin, sys.stdout):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    parser = argparse.ArgumentParser(prog="python -m widget.bot")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_match = sub.add_parser("match", help="match JSON-line queries from stdin")
    p_match.add_argument(
        "--kb", help="faq-shaped JSONL (default: the shipped KB with similar questions)"
    )
    p_match.set_defaults(func=cmd_match)
    p_eval = sub.add_parser("eval", help="evaluate on labelled queries")
    p_eval.add_argument(
        "--kb", help="faq-shaped JSONL (default: the shipped KB with similar questions)"
    )
    p_eval.add_argument(
        "--queries", required=True, help='JSONL of {"q": ..., "expect": id or null}'
    )
    p_eval.add_argument("--verbose", "-v", action="store_true", help="list every miss")
    p_eval.set_defaults(func=cmd_eval)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
