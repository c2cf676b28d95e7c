"""The evaluation columns and leave-one-voice-out, on small hand-made data."""

import json

from widget.bot.evaluate import evaluate, leave_one_voice_out, mean_row, table, voice
from widget.bot.matcher import MatchResult


class Canned:
    """A matcher that returns a fixed result per query text."""

    def __init__(self, results):
        self.results = results

    def match(self, q):
        return self.results[q]


QUERIES = [
    {"q": "a", "expect": "kb-1"},  # answered right
    {"q": "b", "expect": "kb-2"},  # suggested, right one first
    {"q": "c", "expect": "kb-3"},  # suggested, right one third
    {"q": "d", "expect": "kb-4"},  # nothing shown
    {"q": "e", "expect": "kb-5"},  # answered wrong
    {"q": "x", "expect": None},  # out of scope, rejected
    {"q": "y", "expect": None},  # out of scope, answered (confident wrong)
]
RESULTS = {
    "a": MatchResult("answer", "kb-1"),
    "b": MatchResult("suggest", suggestions=("kb-2", "kb-9", "kb-8")),
    "c": MatchResult("suggest", suggestions=("kb-9", "kb-8", "kb-3")),
    "d": MatchResult("reject"),
    "e": MatchResult("answer", "kb-9"),
    "x": MatchResult("greeting"),
    "y": MatchResult("answer", "kb-7"),
}


def test_columns_follow_the_issue_definitions():
    r = evaluate(Canned(RESULTS), QUERIES)
    assert (r.n_in, r.n_out) == (5, 2)
    assert r.top1 == 1 / 5
    assert r.first == 2 / 5
    assert r.top3 == 3 / 5
    assert r.nothing == 1 / 5
    assert r.oos_ok == 1 / 2
    assert r.confident_wrong == 2 / 7
    assert len(r.misses) == 5


def test_table_and_mean():
    r = evaluate(Canned(RESULTS), QUERIES)
    lines = table([("x", r), ("mean", mean_row([r, r]))])
    assert lines[0].startswith("| set | n (in/out) | top-1 | first | top-3 | nothing")
    assert lines[2] == "| x | 5/2 | 0.200 | 0.400 | 0.600 | 0.200 | 0.500 | 0.286 |"
    assert lines[3].endswith("| 0.200 | 0.400 | 0.600 | 0.200 | 0.500 | 0.286 |")


def test_leave_one_voice_out_holds_out_each_training_voice(tmp_path):
    files = []
    for name in ("train-a", "train-b", "valid-c", "queries-dev"):
        path = tmp_path / f"{name}.jsonl"
        path.write_text(json.dumps({"q": "a", "expect": "kb-1"}) + "\n", encoding="utf-8")
        files.append(path)
    built = []

    def build(excluded):
        built.append(excluded)
        # the matcher without voice a cannot answer; the one without b can
        return Canned({"a": MatchResult("answer", "kb-1" if "train-a" not in excluded else "kb-2")})

    def read(path):
        return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]

    rows = leave_one_voice_out(build, files, read)
    assert [name for name, _ in rows] == [
        "train-a",
        "train-b",
    ]  # validation and dev are never folds
    assert built == [frozenset({"train-a"}), frozenset({"train-b"})]
    assert [r.top1 for _, r in rows] == [0.0, 1.0]
    assert voice(files[0]) == "train-a"
