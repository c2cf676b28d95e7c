"""The stable CLI contract: python -m widget.bot match / eval."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUERIES = [
    "数电票怎么红冲",
    "你好",
    "转人工",
    "今天天气怎么样",
    "红字",
    "",
    "開專票對方要給我哪些資料",
]


def run(args, stdin=""):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "widget.bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def check_line(line, q):
    assert set(line) == {"q", "outcome", "answer", "suggestions", "score", "lang"}
    assert line["q"] == q
    assert line["outcome"] in {"answer", "suggest", "reject", "greeting"}
    assert 0.0 <= line["score"] <= 1.0
    assert line["lang"] in {"zh", "en"}
    assert isinstance(line["suggestions"], list) and len(line["suggestions"]) <= 3
    if line["outcome"] == "answer":
        assert isinstance(line["answer"], str) and line["suggestions"] == []
    elif line["outcome"] == "suggest":
        assert line["answer"] is None and line["suggestions"]
    else:
        assert line["answer"] is None and line["suggestions"] == []


def test_match_writes_one_json_line_per_query():
    stdin = "".join(json.dumps({"q": q}, ensure_ascii=False) + "\n" for q in QUERIES)
    proc = run(["match"], stdin)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(lines) == len(QUERIES)
    for line, q in zip(lines, QUERIES, strict=True):
        check_line(line, q)
    by_q = {x["q"]: x for x in lines}
    assert by_q["你好"]["outcome"] == "greeting"
    assert by_q["转人工"]["outcome"] == "answer"
    assert by_q["今天天气怎么样"]["outcome"] == "reject"
    assert by_q["数电票怎么红冲"]["answer"] == "kb-034"


def test_match_with_a_kb_file(tmp_path):
    kb = tmp_path / "kb.jsonl"
    rows = [
        {
            "id": "t-1",
            "category": "c",
            "question": "发票怎么红冲",
            "aliases": ["冲红流程"],
            "answer": "a",
            "similar": ["开错的发票怎么处理"],
        },
        {"id": "t-2", "category": "c", "question": "额度怎么调整", "aliases": [], "answer": "b"},
    ]
    kb.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    proc = run(
        ["match", "--kb", str(kb)],
        json.dumps({"q": "开错的发票怎么处理"}, ensure_ascii=False) + "\n",
    )
    assert proc.returncode == 0, proc.stderr
    line = json.loads(proc.stdout)
    check_line(line, "开错的发票怎么处理")
    assert line["answer"] == "t-1"


def test_eval_prints_the_figures(tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"q": "数电票怎么红冲", "expect": "kb-034"}\n{"q": "天气", "expect": null}\n',
        encoding="utf-8",
    )
    proc = run(["eval", "--queries", str(queries)])
    assert proc.returncode == 0, proc.stderr
    for label in (
        "top-1",
        "first shown",
        "top-3",
        "nothing shown",
        "out-of-scope handled well",
        "confident wrong",
        "p50",
        "p99",
    ):
        assert label in proc.stdout


def test_eval_takes_several_files_and_leave_one_voice_out(tmp_path):
    one = tmp_path / "train-x.jsonl"
    one.write_text('{"q": "数电票怎么红冲", "expect": "kb-034"}\n', encoding="utf-8")
    two = tmp_path / "valid-y.jsonl"
    two.write_text('{"q": "天气", "expect": null}\n', encoding="utf-8")
    proc = run(["eval", "--queries", str(one), str(two), "--leave-one-voice-out"])
    assert proc.returncode == 0, proc.stderr
    rows = [x for x in proc.stdout.splitlines() if x.startswith("| ")]
    labels = [x.split("|")[1].strip() for x in rows]
    assert labels == ["set", "train-x", "valid-y", "set", "train-x", "mean"]
    assert rows[1].split("|")[3].strip() == "1.000"  # top-1 of the red-letter question


def test_eval_leave_one_voice_out_needs_a_training_file(tmp_path):
    two = tmp_path / "valid-y.jsonl"
    two.write_text('{"q": "天气", "expect": null}\n', encoding="utf-8")
    proc = run(["eval", "--queries", str(two), "--leave-one-voice-out"])
    assert proc.returncode == 2
    assert "train-" in proc.stderr


def test_eval_reads_another_decision_and_leaves_out_the_written_questions(tmp_path):
    # the ablation: a decision fitted elsewhere (calibrate --out) that here never answers
    stored = json.loads((ROOT / "widget/bot/data/decision.json").read_text(encoding="utf-8"))
    never = {**stored["all"], "answer_p": 1.0, "answer_p_en": 1.0}
    decision = tmp_path / "decision.json"
    decision.write_text(json.dumps({"all": never, "without": {}}), encoding="utf-8")
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"q": "数电票怎么红冲", "expect": "kb-034"}\n', encoding="utf-8")
    proc = run(["eval", "--queries", str(queries), "--no-written", "--decision", str(decision)])
    assert proc.returncode == 0, proc.stderr
    assert "in-scope top-1 0.000" in proc.stdout  # suggested, not answered
    assert "in-scope first shown 1.000" in proc.stdout
    shipped = run(["eval", "--queries", str(queries)])
    assert "in-scope top-1 1.000" in shipped.stdout
