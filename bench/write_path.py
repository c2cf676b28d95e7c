"""The message write path alone: how many messages a second one process stores, and its CPU each.

In a gevent-patched process like the server, --senders greenlets each append messages of 40
Chinese characters to their own conversations through store.conversations.append (the group
writer) as fast as the store answers; no sockets, no client. Prints stored messages a second and
CPU ms per message until every append is answered (the critical path), then the CPU the search
indexer spends after it (flush), so the two are seen apart, and the messages a second one core
would store at that CPU cost (on a shared machine the wall-clock rate says more about the
neighbours). Runs on any revision with store.conversations.append: for an A/B, `git archive REV |
tar -x -C DIR`, copy this file into DIR/bench and run it there.

    python bench/write_path.py [--messages 20000] [--senders 200] [--sqlite-synchronous FULL]
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.unit.storekit import TAXPAYER, created, message  # noqa: E402
from widget.store import Store  # noqa: E402

WORDS = "发票红冲额度开票系统增值税申报退税个人所得税社保登录密码税务局电子税务局纳税人识别号"


def body(rng):
    """A 40-character message of tax words."""
    return "".join(rng.choice(WORDS) for _ in range(40))


def measure(args):
    """Fill a fresh store as fast as it answers; return the figures."""
    data = Path(tempfile.mkdtemp(prefix="zhengna-write-"))
    store = Store(f"sqlite:///{data / 'w.db'}", args.sqlite_synchronous)
    store.migrate()
    rng = random.Random(7)
    ids = [f"w{n}" for n in range(args.senders)]
    for iid in ids:
        created(store, iid)
    per = args.messages // args.senders
    indexer = getattr(store, "indexer", None)
    if indexer is not None:
        indexer.gather_s = 3600  # index after the appends, so the two costs are seen apart
    bodies = [body(rng) for _ in range(997)]

    def sender(k, iid):
        for n in range(per):
            store.conversations.append(
                iid, [message(f"{k}-{n}", TAXPAYER, bodies[(k * per + n) % 997])]
            )

    cpu0, wall0 = time.process_time(), time.perf_counter()
    gevent.joinall([gevent.spawn(sender, k, iid) for k, iid in enumerate(ids)], raise_error=True)
    cpu1, wall1 = time.process_time(), time.perf_counter()
    if indexer is not None:
        indexer.flush()
    cpu2 = time.process_time()
    stored = per * args.senders
    figures = {
        "messages": stored,
        "senders": args.senders,
        "stored_per_s": round(stored / (wall1 - wall0)),
        "cpu_ms_per_msg": round((cpu1 - cpu0) * 1000 / stored, 3),
        # what one core could store a second at this CPU per message, indexing included
        "one_core_per_s": round(stored / (cpu2 - cpu0)),
        "index_after_cpu_ms_per_msg": round((cpu2 - cpu1) * 1000 / stored, 3),
        "group_commits": store.writer.batches,
        "sqlite_synchronous": args.sqlite_synchronous,
    }
    store.dispose()
    shutil.rmtree(data, ignore_errors=True)
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--senders", type=int, default=200)
    parser.add_argument("--sqlite-synchronous", default="FULL")
    print(json.dumps(measure(parser.parse_args())))


if __name__ == "__main__":
    main()
