"""CLI: `python -m widget.bot match [--kb FILE]` and
`python -m widget.bot eval [--kb FILE] --queries FILE [FILE...] [--leave-one-voice-out]
[--no-written] [--decision FILE] [-v]`."""

from __future__ import annotations

import argparse
import json
import sys

from .evaluate import evaluate, is_training, leave_one_voice_out, mean_row, table, voice
from .kb import read_jsonl
from .matcher import Matcher, build_matcher


def _matcher(args, exclude: frozenset[str] = frozenset()) -> Matcher:
    return build_matcher(
        args.kb,
        exclude_sources=exclude,
        written=not getattr(args, "no_written", False),
        decision_file=getattr(args, "decision", None),
    )


def cmd_match(args) -> int:
    """Read {"q": ...} JSON lines on stdin, write one result JSON line per query."""
    matcher = _matcher(args)
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
    """Print the figures per query file (with --verbose, every miss); with --leave-one-voice-out,
    also each training voice evaluated by a matcher built without what was mined from it, and
    the mean."""
    matcher = _matcher(args)
    rows = [(voice(f), evaluate(matcher, read_jsonl(f))) for f in args.queries]
    if len(rows) == 1:
        print("\n".join(rows[0][1].lines()))
    print("\n".join(table(rows)))
    _misses(args, rows)
    if args.leave_one_voice_out:
        if not any(is_training(f) for f in args.queries):
            print("leave-one-voice-out: no train-*.jsonl file among --queries", file=sys.stderr)
            return 2
        lovo = leave_one_voice_out(lambda ex: _matcher(args, ex), args.queries, read_jsonl)
        print("\nleave-one-voice-out (each voice held out with everything mined from it)")
        print("\n".join(table([*lovo, ("mean", mean_row([r for _, r in lovo]))])))
        _misses(args, [(f"LOVO {name}", r) for name, r in lovo])
    return 0


def _misses(args, rows) -> None:
    if args.verbose:
        for name, report in rows:
            for q, expect, outcome, shown in report.misses:
                print(f"MISS {name} {expect} -> {outcome} {list(shown)}  {q}")


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
        "--queries",
        required=True,
        nargs="+",
        help='JSONL files of {"q": ..., "expect": id or null}',
    )
    p_eval.add_argument(
        "--leave-one-voice-out",
        action="store_true",
        help="also hold out each train-*.jsonl voice in turn, with everything mined from it",
    )
    p_eval.add_argument(
        "--no-written",
        action="store_true",
        help="leave out the written similar questions (the ablation; pair with --decision)",
    )
    p_eval.add_argument(
        "--decision", help="a decision.json fitted by calibrate --out (default: the shipped one)"
    )
    p_eval.add_argument("--verbose", "-v", action="store_true", help="list every miss")
    p_eval.set_defaults(func=cmd_eval)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
