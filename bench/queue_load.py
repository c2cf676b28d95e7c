"""Queue load: 500 taxpayers queued across 5 centres; how fast positions and agents reach their
screens.

Prints p50/p99 of (a) 发起人工导税 -> the taxpayer's first queue.position and (b) 接入 -> the
taxpayer seeing the agent (interaction.state connected), measured at the WebSocket the widget reads.

    python bench/queue_load.py --taxpayers 500 --centres 5
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ws_load import percentile  # noqa: E402
from tests.support import ServerProcess, WSClient, agent, tin  # noqa: E402
from widget import tokens  # noqa: E402
from widget.routing import ALL_DAY  # noqa: E402


def setup_centres(server, count):
    """Create centres q0..qN-1 (open all day), one region each (4501...), one agent account each."""
    store, now = server.store(), datetime.now(UTC)
    for n in range(count):
        store.directory.put_centre(
            {"id": f"q{n}", "name": f"压测中心{n}", "schedule": ALL_DAY, "created_at": now}
        )
        store.directory.put_region(
            {
                "code": f"45{n:02d}",
                "site_id": "demo",
                "name": f"压测地区{n}",
                "centre_id": f"q{n}",
                "smart_service": False,
            }
        )
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "server.py"),
                "create-agent",
                "--data-dir",
                str(server.data_dir),
                "--username",
                f"queue{n}",
                "--password",
                "bench-password",
                "--centre",
                f"q{n}",
                "--max-concurrent",
                "1000",
            ],
            check=True,
            capture_output=True,
        )
    key = next(k for k in store.directory.site_keys("demo") if k["active"])
    return key, store.directory.get_site("demo")["token_lifetime"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taxpayers", type=int, default=500)
    parser.add_argument("--centres", type=int, default=5)
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    env = {
        "ZHENGNA_WS_RATE": "100000",
        "ZHENGNA_WS_BURST": "100000",
        "ZHENGNA_HEARTBEAT_TIMEOUT": "600",
        "ZHENGNA_HTTP_RATE_LIMIT": "1000000 per minute",
        "ZHENGNA_WS_HANDSHAKE_RATE_LIMIT": "1000000 per minute",
        "ZHENGNA_WS_MAX_PER_ADDRESS": "1000000",
        "ZHENGNA_LOGIN_RATE_LIMIT": "1000 per minute",
    }
    server = ServerProcess(Path(tempfile.mkdtemp(prefix="zhengna-queue-")) / "data", env=env)
    try:
        key, lifetime = setup_centres(server, args.centres)
        people = []
        for i in range(args.taxpayers):
            region = f"45{i % args.centres:02d}"
            token = tokens.mint(
                "demo",
                key["kid"],
                key["secret"],
                sub=f"q-{i}",
                name=f"排队{i}",
                tin=tin(700000 + i),
                enterprise="压测企业",
                region=region,
                lifetime=lifetime,
            )
            tp = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
            tp.send({"type": "auth.hello", "token": token})
            tp.expect("auth.ok", timeout=30)
            people.append(tp)

        to_position = []
        for tp in people:  # 发起人工导税, one after another, each timed to its first position
            started = time.monotonic()
            tp.iid = tp.reply(tp.request({"type": "human.request"}), timeout=30)["interaction_id"]
            tp.expect("queue.position", timeout=30, interaction_id=tp.iid)
            to_position.append(time.monotonic() - started)

        agents = [agent(server, f"queue{n}", "bench-password")[0] for n in range(args.centres)]
        to_agent = []

        def serve(n):
            mine = [tp for i, tp in enumerate(people) if i % args.centres == n]
            for tp in mine:  # 接入 in queue order, every centre at once
                started = time.monotonic()
                agents[n].request({"type": "interaction.accept", "interaction_id": tp.iid})
                tp.expect("interaction.state", timeout=60, interaction_id=tp.iid, state="connected")
                to_agent.append(time.monotonic() - started)

        gevent.joinall([gevent.spawn(serve, n) for n in range(args.centres)])

        def ms(values, p):
            return f"{percentile(values, p) * 1000:.1f}"

        each = args.taxpayers // args.centres
        print(f"taxpayers={args.taxpayers} centres={args.centres} (about {each} queued each)")
        print(
            f"发起人工导税 -> position on screen: p50 {ms(to_position, 50)} ms  "
            f"p99 {ms(to_position, 99)} ms (n={len(to_position)})"
        )
        print(
            f"接入 -> taxpayer sees the agent:    p50 {ms(to_agent, 50)} ms  "
            f"p99 {ms(to_agent, 99)} ms (n={len(to_agent)}; five centres accepting at once)"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
