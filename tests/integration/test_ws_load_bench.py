"""The load benches, run tiny for real: bench/ws_load.py (SQLite; two processes on PostgreSQL and
Redis) and bench/ws_saturation.py, each a subprocess as a person runs it, printing one JSON line.

They prove the benches measure what they say (every message sent is received and answered, no
errors, the figures the issue names) and remove what they started; the speed itself is the
benches' business, not the tests'.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support import ROOT

KEYS = {
    "taxpayers",
    "sent",
    "received",
    "answers",
    "errors",
    "p50_ms",
    "p99_ms",
    "rss_kib_per_conn",
    "server_cpu_pct",
    "setup_s",
}


@pytest.fixture
def scratch():
    """A temporary directory of the bench's own (its TMPDIR): what it leaves behind is there.
    Readable by others: as root the throwaway PostgreSQL runs as `postgres` inside it."""
    path = Path(tempfile.mkdtemp(prefix="zhengna-bench-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def run_bench(scratch, script, *args, timeout=150):
    """Run bench/<script> with args and --json; return its one line of output, parsed, after
    checking it removed everything it made (PostgreSQL, Redis, the data dir)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args, "--json"],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(scratch)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    made = [path.name for path in scratch.iterdir() if path.name.startswith("zhengna-")]
    assert made == [], "the bench removes what it started"  # (jieba keeps its cache there)
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    return json.loads(lines[0])


def assert_all_delivered(figures, taxpayers):
    assert KEYS <= figures.keys(), figures
    assert figures["taxpayers"] == taxpayers
    assert figures["sent"] > 0, figures
    assert figures["sent"] == figures["received"] == figures["answers"], figures
    assert figures["errors"] == 0, figures
    for way in ("t2a", "a2t"):
        assert 0 < figures["p50_ms"][way] <= figures["p99_ms"][way], figures
    assert figures["rss_kib_per_conn"] > 0 and figures["setup_s"] > 0, figures


@pytest.mark.timeout(180)
def test_ws_load_on_sqlite_prints_the_issue_figures_with_everything_delivered(scratch):
    figures = run_bench(
        scratch, "ws_load.py", "--taxpayers", "5", "--duration", "3", "--interval", "1"
    )
    assert_all_delivered(figures, 5)
    assert (figures["store"], figures["processes"], figures["bus"]) == ("sqlite", 1, "memory")
    # the machine it ran on, measured before the server started (bench/machine.py)
    assert figures["python_ms"] > 0, figures
    assert 0 < figures["fsync_p50_ms"] <= figures["fsync_p99_ms"], figures


@pytest.mark.timeout(240)
def test_ws_load_on_two_processes_sharing_postgres_and_redis(scratch):
    figures = run_bench(
        scratch,
        "ws_load.py",
        *("--taxpayers", "6", "--duration", "3", "--interval", "1"),
        *("--per-agent", "3", "--store", "postgres", "--processes", "2"),
    )
    # agent 0 on the first process, agent 1 on the second, each one's taxpayers on both: the
    # messages of half the conversations cross the bus
    assert_all_delivered(figures, 6)
    assert (figures["store"], figures["processes"], figures["bus"]) == ("postgres", 2, "redis")
    assert figures["server_cpu_pct"] > 0, figures


@pytest.mark.timeout(240)
def test_saturation_steps_up_the_rate_and_stops_at_the_first_failing_step(scratch):
    stepped = run_bench(
        scratch,
        "ws_saturation.py",
        *("--taxpayers", "4", "--rates", "4,8", "--step-seconds", "2"),
        "--p99-ms",
        "60000",  # generous: every step passes on any machine
    )
    assert [step["rate_msg_per_s"] for step in stepped["steps"]] == [4, 8]
    for step in stepped["steps"]:
        assert_all_delivered(step, 4)
        assert step["passed"] is True
    assert stepped["saturation_msg_per_s"] == max(s["sent_msg_per_s"] for s in stepped["steps"])

    refused = run_bench(
        scratch,
        "ws_saturation.py",
        *("--taxpayers", "4", "--rates", "4,8", "--step-seconds", "2"),
        *("--p99-ms", "0"),  # no message is that fast: the first step fails
    )
    assert len(refused["steps"]) == 1 and refused["steps"][0]["passed"] is False, refused
    assert refused["steps"][0]["sent"] == refused["steps"][0]["answers"] > 0, refused
    assert refused["saturation_msg_per_s"] == 0
