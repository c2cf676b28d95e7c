"""WebSocket load: N taxpayers each send a message every 5 s to an agent connection that answers each.

One scripted agent serves up to 1,000 conversations (the per-agent limit); N = 2,000 uses two.

Prints message latency p50/p99 both ways (send -> the other side receives, durable commit
included), connections held, errors, and the server's RSS per connection.

    python bench/ws_load.py --taxpayers 500 --duration 60
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
import requests  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import ServerProcess, WSClient, tin  # noqa: E402
from widget import tokens  # noqa: E402

AGENT_LIMIT = 1000  # the most conversations an agent account may hold


def percentile(values, p):
    """Return the p-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
        if ordered
        else float("nan")
    )


class Load:
    """One server, one agent, N taxpayers; collects latencies as they arrive."""

    def __init__(self, server, n):
        self.server, self.n = server, n
        self.to_agent, self.to_taxpayer, self.errors = [], [], []
        self.sent = 0

    def agents(self, usernames):
        self.ags = []
        for username in usernames:
            http = requests.Session()
            page = http.get(self.server.url + "/console").text
            csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
            http.post(
                self.server.url + "/console/login",
                json={"username": username, "password": "bench-password"},
                headers={"X-CSRFToken": csrf},
            ).raise_for_status()
            cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
            agent = WSClient(f"{self.server.ws_url}/ws/agent", self.server.url, cookie=cookie)
            agent.expect("auth.ok")
            self.ags.append(agent)

    def connect_taxpayers(self, key, lifetime):
        self.tps = []
        for i in range(self.n):
            who = tin(500000 + i)
            token = tokens.mint(
                "demo",
                key["kid"],
                key["secret"],
                sub=f"bench-{i}",
                name=f"压测{i}",
                tin=who,
                enterprise="压测企业",
                region="4402",
                lifetime=lifetime,
            )
            tp = WSClient(f"{self.server.ws_url}/ws/taxpayer?site=demo", self.server.url)
            tp.send({"type": "auth.hello", "token": token})
            tp.expect("auth.ok", timeout=30)
            iid = tp.reply(tp.request({"type": "human.request"}), timeout=30)["interaction_id"]
            ag = self.ags[i // AGENT_LIMIT]
            answer = ag.reply(
                ag.request({"type": "interaction.accept", "interaction_id": iid}), timeout=30
            )
            if answer["type"] != "reply":
                raise RuntimeError(f"accept failed: {answer}")
            tp.iid = iid
            self.tps.append(tp)
        for ag in self.ags:
            ag.drain(quiet=1.0)
            ag.seen.clear()
        for tp in self.tps:
            tp.drain(quiet=0.0)

    def run(self, duration):
        stop = time.monotonic() + duration
        answering = [gevent.spawn(self._agent_loop, ag, stop + 10) for ag in self.ags]
        workers = []
        readers = [gevent.spawn(self._taxpayer_reader, tp) for tp in self.tps]
        for i, tp in enumerate(self.tps):
            workers.append(gevent.spawn(self._taxpayer_loop, tp, stop, 5.0 * i / self.n))
        gevent.joinall(workers)
        gevent.sleep(3)  # let the last answers arrive
        gevent.killall(readers + answering)

    def _taxpayer_loop(self, tp, stop, offset):
        gevent.sleep(offset)
        while time.monotonic() < stop:
            started = time.monotonic()
            tp.send(
                {
                    "type": "message.send",
                    "cid": f"m{self.sent}",
                    "interaction_id": tp.iid,
                    "text": json.dumps({"t": time.time()}),
                }
            )
            self.sent += 1
            gevent.sleep(max(0.0, 5.0 - (time.monotonic() - started)))

    def _taxpayer_reader(self, tp):
        while True:
            frame = tp.frames.get()
            if frame["type"] == "message.new" and frame["message"]["from"] == "agent":
                self.to_taxpayer.append(time.time() - json.loads(frame["message"]["body"])["t"])
            elif frame["type"] == "error":
                self.errors.append(frame["code"])

    def _agent_loop(self, ag, stop):
        count = 0
        while time.monotonic() < stop:
            frame = ag.frames.get()
            if frame["type"] == "message.new" and frame["message"]["from"] == "taxpayer":
                body = json.loads(frame["message"]["body"])
                self.to_agent.append(time.time() - body["t"])
                count += 1
                ag.send(
                    {
                        "type": "message.send",
                        "cid": f"a{count}",
                        "interaction_id": frame["interaction_id"],
                        "text": json.dumps({"t": time.time()}),
                    }
                )
            elif frame["type"] == "error":
                self.errors.append(frame["code"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taxpayers", type=int, default=500)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--sqlite-synchronous", default="FULL")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (hard, hard)
    )  # two descriptors per socket, both ends here
    data = Path(tempfile.mkdtemp(prefix="zhengna-bench-")) / "data"
    env = {
        "ZHENGNA_SQLITE_SYNCHRONOUS": args.sqlite_synchronous,
        # one agent answering everyone sends N/5 frames a second: lift the per-connection limit
        "ZHENGNA_WS_RATE": "100000",
        "ZHENGNA_WS_BURST": "100000",
        "ZHENGNA_HEARTBEAT_TIMEOUT": "600",
        # every bench client connects from 127.0.0.1: lift the per-address handshake limit
        "ZHENGNA_HTTP_RATE_LIMIT": "1000000 per minute",
        "ZHENGNA_WS_HANDSHAKE_RATE_LIMIT": "1000000 per minute",
        "ZHENGNA_WS_MAX_PER_ADDRESS": "1000000",
    }
    server = ServerProcess(data, env=env)
    try:
        usernames = [f"bench{n}" for n in range((args.taxpayers + AGENT_LIMIT - 1) // AGENT_LIMIT)]
        for username in usernames:
            subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "server.py"),
                    "create-agent",
                    "--data-dir",
                    str(data),
                    "--username",
                    username,
                    "--password",
                    "bench-password",
                    "--centre",
                    "demo",
                    "--max-concurrent",
                    str(AGENT_LIMIT),
                ],
                check=True,
                capture_output=True,
            )
        proc = psutil.Process(server.proc.pid)
        store = server.store()
        key = next(k for k in store.site_keys("demo") if k["active"])
        lifetime = store.get_site("demo")["token_lifetime"]
        store.dispose()
        load = Load(server, args.taxpayers)
        load.agents(usernames)
        rss_before = proc.memory_info().rss
        began = time.monotonic()
        load.connect_taxpayers(key, lifetime)
        setup = time.monotonic() - began
        rss_after = proc.memory_info().rss
        cpu_before = proc.cpu_times()
        load.run(args.duration)
        cpu_after = proc.cpu_times()
        held = json.loads(requests.get(server.url + "/healthz").text)["connections"]
        busy = (
            cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system
        ) / args.duration
        ms = lambda values, p: f"{percentile(values, p) * 1000:.1f}"  # noqa: E731
        print(
            f"taxpayers={args.taxpayers} duration={args.duration:.0f}s sqlite synchronous={args.sqlite_synchronous}"
        )
        print(f"setup (connect, 发起人工导税, 接入 each): {setup:.1f}s")
        print(
            f"messages sent by taxpayers: {load.sent}; received by agent: {len(load.to_agent)}; "
            f"answers received by taxpayers: {len(load.to_taxpayer)}"
        )
        print(
            f"latency taxpayer->agent  p50 {ms(load.to_agent, 50)} ms  p99 {ms(load.to_agent, 99)} ms"
        )
        print(
            f"latency agent->taxpayer  p50 {ms(load.to_taxpayer, 50)} ms  p99 {ms(load.to_taxpayer, 99)} ms"
        )
        print(
            f"connections held at the end: {held} (expected {args.taxpayers + len(usernames)}); errors: {len(load.errors)} "
            f"{sorted(set(load.errors))}"
        )
        print(
            f"server RSS: {rss_after / 2**20:.0f} MiB; per connection "
            f"{(rss_after - rss_before) / args.taxpayers / 1024:.1f} KiB; server CPU {busy * 100:.0f}% of a core"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
