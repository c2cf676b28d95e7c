"""Check every pair of the thesaurus against the entries it touches (thesaurus.check_pair).

Run: python bench/bot_thesaurus.py [--file widget/bot/data/thesaurus.txt]
Prints one line per pair: verdict, entries touched, the KB's own questions with either term found
right before -> after, and the reason. Each pair is checked on its own against the others."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from widget.bot.kb import load_entries  # noqa: E402
from widget.bot.thesaurus import DEFAULT_THESAURUS, Thesaurus, check_pair  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", default=str(DEFAULT_THESAURUS))
    args = parser.parse_args()
    th = Thesaurus.load(args.file)
    entries = load_entries(mined=False, english=False)
    bad = 0
    for pair in th.pairs:
        others = Thesaurus(tuple(p for p in th.pairs if p != pair))
        c = check_pair(entries, pair.variant, pair.canonical, base=others)
        bad += c.verdict != "accept"
        print(
            f"{c.verdict:7} {pair.variant}->{pair.canonical} entries {len(c.entries)} "
            f"own questions {c.checked}: {c.right_before}->{c.right_after}  {c.reason_en}"
        )
    print(f"{len(th.pairs)} pairs, {bad} rejected")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
