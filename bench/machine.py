"""How fast this machine is as a benchmark runs: the two figures its others stand on.

Machines of the same kind differ from session to session, and one machine from minute to minute
(BENCHMARKS.md, issue 13 session 11: an fsync took 0.19 ms at p50 on session 10's machine and
0.25-0.55 ms on session 11's, whose run of the piece of Python below took 171-300 ms within one
minute). So every load benchmark measures both before it starts and prints them beside its figures:

- `python_ms`: the best of three runs of a fixed piece of pure Python shaped like a frame's
  handling (a dict built, encoded to JSON and parsed again, 20,000 times);
- `fsync_p50_ms` / `fsync_p99_ms`: a 4-KiB write and its fsync, 200 times, in the directory the
  data lives in (a commit of SQLite's costs at least one).

    python bench/machine.py [--dir DIR]
"""

import argparse
import json
import os
import tempfile
import time

LOOPS = 20_000
FSYNCS = 200


def python_ms(loops=LOOPS, runs=3):
    """Return the best of runs timings of the fixed pure-Python work, in ms."""
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        for i in range(loops):
            frame = {"type": "message.send", "cid": f"c{i}", "text": "征纳互动" * 10, "seq": i}
            json.loads(json.dumps(frame, ensure_ascii=False))
        best = min(best, time.perf_counter() - began)
    return round(best * 1000, 1)


def fsync_ms(directory, count=FSYNCS):
    """Return (p50, p99) of a 4-KiB write and its fsync in directory, in ms."""
    spent = []
    fd, path = tempfile.mkstemp(prefix="fsync-", dir=directory)
    try:
        for _ in range(count):
            os.write(fd, b"x" * 4096)
            began = time.perf_counter()
            os.fsync(fd)
            spent.append((time.perf_counter() - began) * 1000)
    finally:
        os.close(fd)
        os.unlink(path)
    spent.sort()
    return round(spent[len(spent) // 2], 2), round(spent[int(len(spent) * 0.99)], 2)


def measure(directory):
    """Return this machine's figures, the fsyncs in directory."""
    p50, p99 = fsync_ms(directory)
    return {"python_ms": python_ms(), "fsync_p50_ms": p50, "fsync_p99_ms": p99}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=".", help="where to fsync (the data's file system)")
    print(json.dumps(measure(parser.parse_args().dir)))


if __name__ == "__main__":
    main()
