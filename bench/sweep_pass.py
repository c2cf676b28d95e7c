"""One timeout sweep's read at N live conversations: every live row (before issue 13) against only
the rows with a deadline due (Sweeper.due), each followed by the same per-row check.

A fresh SQLite store holds N connected conversations whose agents are present and who spoke a
moment ago (nothing due, as in a busy centre) and as many ended ones; it prints the CPU ms of one
pass each way, the median of --passes.

    python bench/sweep_pass.py [--live 1000] [--passes 50]
"""

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.unit.storekit import T0, created  # noqa: E402
from widget import config, states  # noqa: E402
from widget.store import Store  # noqa: E402
from widget.timeouts import Sweeper  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--live", type=int, default=1000)
    parser.add_argument("--passes", type=int, default=50)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="zhengna-sweep-"))
    try:
        store = Store(f"sqlite:///{data / 's.db'}")
        store.migrate()
        store.directory.put_centre(
            {"id": "demo", "name": "c", "schedule": {"weekly": {}}, "created_at": T0}
        )
        now = T0 + timedelta(seconds=5)
        agents = [f"ag{n}" for n in range(args.live // 5)]
        for n in range(args.live):
            created(store, f"live{n}", state="connected", agent_id=agents[n % len(agents)])
            created(store, f"done{n}", state="ended")
        settings = config.load({})
        sweeper = Sweeper(SimpleNamespace(store=store, transition=None), settings, lambda: now)
        limits, present = {"demo": settings["QUEUE_TIMEOUT"]}, set(agents)

        def every_live():
            for row in store.conversations.interactions_in(states.LIVE_VALUES):
                sweeper._check(row, now, {"demo": True}, limits, present)

        def only_due():
            for row in sweeper.due(now, [], limits, present):
                sweeper._check(row, now, {"demo": True}, limits, present)

        figures = {"live": args.live, "ended": args.live}
        for name, sweep in (("every_live_ms", every_live), ("only_due_ms", only_due)):
            spent = []
            for _ in range(args.passes):
                started = time.process_time()
                sweep()
                spent.append((time.process_time() - started) * 1000)
            figures[name] = round(statistics.median(spent), 2)
        print(json.dumps(figures))
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
