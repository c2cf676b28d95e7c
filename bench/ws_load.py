"""WebSocket load: N taxpayers each send a message every few seconds to a scripted agent that
answers each.

One scripted agent serves up to --per-agent conversations (default 1,000). The load runs in client
processes of its own (one per agent and its taxpayers), so it never shares the server's event
loop; the server is `python server.py` on a free port with a fresh data dir (SQLite,
synchronous=FULL by default).

Prints message latency p50/p99 both ways (send -> the other side receives it, durable commit
included), errors, what was sent and received, the server's RSS per connection and its CPU while
the load ran, and how long setting up the conversations took (connect, 发起人工导税, 接入 each).
With --json: one line. With --profile FILE: py-spy samples the server during the load window
(folded stacks to FILE) and the top functions go to stderr.

    python bench/ws_load.py --taxpayers 1000 --duration 60 [--interval 5] [--per-agent 1000]
        [--json] [--profile FILE]
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
import gevent.pool  # noqa: E402
import psutil  # noqa: E402
import requests  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import ServerProcess, WSClient, tin  # noqa: E402
from widget import tokens  # noqa: E402

PASSWORD = "bench-password"
SETUP_CONCURRENCY = 50  # conversations set up at once per client process
# The load client connects every socket from 127.0.0.1 and one agent answers hundreds of frames a
# second: lift the per-address and per-connection limits (a real deployment has one person per
# socket).
LIFTED_LIMITS = {
    "ZHENGNA_WS_RATE": "100000",
    "ZHENGNA_WS_BURST": "100000",
    "ZHENGNA_HEARTBEAT_TIMEOUT": "600",
    "ZHENGNA_HTTP_RATE_LIMIT": "1000000 per minute",
    "ZHENGNA_LOGIN_RATE_LIMIT": "1000000 per minute",
    "ZHENGNA_WS_HANDSHAKE_RATE_LIMIT": "1000000 per minute",
    "ZHENGNA_WS_MAX_PER_ADDRESS": "1000000",
    "ZHENGNA_RTC": "off",
}


def percentile(values, p):
    """Return the p-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# -- a client process: one agent and its taxpayers ------------------------------------------------


class Client:
    """One scripted agent and its taxpayers in this process; collects latencies as they arrive."""

    def __init__(self, job):
        self.job = job
        self.url, self.ws_url = job["url"], job["url"].replace("http://", "ws://")
        self.to_agent, self.to_taxpayer, self.errors = [], [], []
        self.sent = 0

    def login(self):
        http = requests.Session()
        page = http.get(self.url + "/console").text
        csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        http.post(
            self.url + "/console/login",
            json={"username": self.job["username"], "password": PASSWORD},
            headers={"X-CSRFToken": csrf},
        ).raise_for_status()
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        self.agent = WSClient(f"{self.ws_url}/ws/agent", self.url, cookie=cookie)
        self.agent.expect("auth.ok", timeout=30)

    def connect(self, i):
        key = self.job["key"]
        token = tokens.mint(
            "demo",
            key["kid"],
            key["secret"],
            sub=f"bench-{i}",
            name=f"压测{i}",
            tin=tin(500000 + i),
            enterprise="压测企业",
            region="4402",
            lifetime=self.job["lifetime"],
        )
        tp = WSClient(f"{self.ws_url}/ws/taxpayer?site=demo", self.url)
        tp.send({"type": "auth.hello", "token": token})
        tp.expect("auth.ok", timeout=60)
        tp.iid = tp.reply(tp.request({"type": "human.request"}), timeout=60)["interaction_id"]
        answer = self.agent.reply(
            self.agent.request({"type": "interaction.accept", "interaction_id": tp.iid}),
            timeout=60,
        )
        if answer["type"] != "reply":
            raise RuntimeError(f"accept failed: {answer}")
        return tp

    def setup(self):
        began = time.monotonic()
        self.login()
        pool = gevent.pool.Pool(SETUP_CONCURRENCY)
        self.tps = list(pool.imap(self.connect, self.job["indices"]))
        self.agent.drain(quiet=1.0)
        self.agent.seen.clear()
        for tp in self.tps:
            tp.drain(quiet=0.0)
        return time.monotonic() - began

    def run(self, duration, interval):
        stop = time.monotonic() + duration
        answering = gevent.spawn(self._agent_loop, stop + 10)
        readers = [gevent.spawn(self._taxpayer_reader, tp) for tp in self.tps]
        n = len(self.tps)
        senders = [
            gevent.spawn(self._taxpayer_loop, tp, stop, interval, interval * i / n)
            for i, tp in enumerate(self.tps)
        ]
        gevent.joinall(senders)
        gevent.sleep(3)  # let the last answers arrive
        gevent.killall(readers + [answering])

    def _taxpayer_loop(self, tp, stop, interval, offset):
        gevent.sleep(offset)
        count = 0
        while time.monotonic() < stop:
            started = time.monotonic()
            body = json.dumps({"t": time.time(), "pad": "征纳互动压测消息" * 2})  # ~40 characters
            tp.send(
                {"type": "message.send", "cid": f"m{count}", "interaction_id": tp.iid, "text": body}
            )
            count += 1
            self.sent += 1
            gevent.sleep(max(0.0, interval - (time.monotonic() - started)))

    def _taxpayer_reader(self, tp):
        while True:
            frame = tp.frames.get()
            if frame["type"] == "message.new" and frame["message"]["from"] == "agent":
                self.to_taxpayer.append(time.time() - json.loads(frame["message"]["body"])["t"])
            elif frame["type"] == "error":
                self.errors.append(frame["code"])

    def _agent_loop(self, stop):
        count = 0
        while time.monotonic() < stop:
            frame = self.agent.frames.get()
            if frame["type"] == "message.new" and frame["message"]["from"] == "taxpayer":
                self.to_agent.append(time.time() - json.loads(frame["message"]["body"])["t"])
                count += 1
                self.agent.send(
                    {
                        "type": "message.send",
                        "cid": f"a{count}",
                        "interaction_id": frame["interaction_id"],
                        "text": json.dumps({"t": time.time()}),
                    }
                )
            elif frame["type"] == "error":
                self.errors.append(frame["code"])


def client_main():
    """Run one client process: read the job on stdin, set up, say ready, wait for go, run, print
    results."""
    _raise_open_files()
    job = json.loads(sys.stdin.readline())
    client = Client(job)
    setup = client.setup()
    print(json.dumps({"ready": True, "setup_s": setup}), flush=True)
    sys.stdin.readline()  # "go"
    client.run(job["duration"], job["interval"])
    print(
        json.dumps(
            {
                "sent": client.sent,
                "to_agent": client.to_agent,
                "to_taxpayer": client.to_taxpayer,
                "errors": client.errors,
            }
        ),
        flush=True,
    )


# -- the driver -----------------------------------------------------------------------------------


def _raise_open_files():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # two descriptors per socket


def create_agents(data, usernames, per_agent):
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
                PASSWORD,
                "--centre",
                "demo",
                "--max-concurrent",
                str(per_agent),
            ],
            check=True,
            capture_output=True,
        )


def _start_profiler(args, pid):
    """py-spy on the server for the load window, stacks folded into args.profile (--profile)."""
    if not args.profile:
        return None
    return subprocess.Popen(
        [
            "py-spy",
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(args.duration)),
            "--rate",
            "200",
        ]
        + ["--format", "raw", "--nonblocking", "--output", args.profile],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def profile_summary(path, top=15):
    """Return the functions holding most samples in a folded py-spy profile: (share, name) by own
    samples and by samples under them."""
    own, under, total = {}, {}, 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [
            frame.split(" (")[0] + " (" + frame.split(" (")[-1].split(":")[0] + ")"
            for frame in stack.split(";")
        ]
        total += int(count)
        own[frames[-1]] = own.get(frames[-1], 0) + int(count)
        for frame in set(frames):
            under[frame] = under.get(frame, 0) + int(count)

    def best(table):
        return [
            (round(100 * n / total, 1), name)
            for name, n in sorted(table.items(), key=lambda x: -x[1])[:top]
        ]

    return {"samples": total, "own": best(own), "under": best(under)}


def measure(args):
    """Start a server, run the load, return the figures as a dict."""
    _raise_open_files()
    data = Path(tempfile.mkdtemp(prefix="zhengna-bench-")) / "data"
    env = {**LIFTED_LIMITS, "ZHENGNA_SQLITE_SYNCHRONOUS": args.sqlite_synchronous}
    server = ServerProcess(data, env=env)
    clients = []
    try:
        groups = [
            list(range(start, min(start + args.per_agent, args.taxpayers)))
            for start in range(0, args.taxpayers, args.per_agent)
        ]
        usernames = [f"bench{n}" for n in range(len(groups))]
        create_agents(data, usernames, args.per_agent)
        store = server.store()
        key = next(dict(k) for k in store.directory.site_keys("demo") if k["active"])
        key = {"kid": key["kid"], "secret": key["secret"]}
        lifetime = store.directory.get_site("demo")["token_lifetime"]
        store.dispose()
        proc = psutil.Process(server.proc.pid)
        rss_before = proc.memory_info().rss
        began = time.monotonic()
        for username, indices in zip(usernames, groups, strict=True):
            client = subprocess.Popen(
                [sys.executable, __file__, "--client"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            job = {
                "url": server.url,
                "username": username,
                "indices": indices,
                "key": key,
                "lifetime": lifetime,
                "duration": args.duration,
                "interval": args.interval,
            }
            client.stdin.write(json.dumps(job) + "\n")
            client.stdin.flush()
            clients.append(client)
        for client in clients:
            ready = json.loads(client.stdout.readline())
            assert ready.get("ready"), ready
        setup = time.monotonic() - began
        rss_after = proc.memory_info().rss
        cpu_before = proc.cpu_times()
        spy = _start_profiler(args, server.proc.pid)
        for client in clients:
            client.stdin.write("go\n")
            client.stdin.flush()
        results = [json.loads(client.stdout.readline()) for client in clients]
        if spy is not None:
            spy.wait()
        cpu_after = proc.cpu_times()
        busy = cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system
        to_agent = [x for r in results for x in r["to_agent"]]
        to_taxpayer = [x for r in results for x in r["to_taxpayer"]]
        errors = [x for r in results for x in r["errors"]]
        return {
            "taxpayers": args.taxpayers,
            "sent": sum(r["sent"] for r in results),
            "received": len(to_agent),
            "answers": len(to_taxpayer),
            "errors": len(errors),
            "error_codes": sorted(set(errors)),
            "p50_ms": {
                "t2a": round(percentile(to_agent, 50) * 1000, 1),
                "a2t": round(percentile(to_taxpayer, 50) * 1000, 1),
            },
            "p99_ms": {
                "t2a": round(percentile(to_agent, 99) * 1000, 1),
                "a2t": round(percentile(to_taxpayer, 99) * 1000, 1),
            },
            "rss_kib_per_conn": round((rss_after - rss_before) / args.taxpayers / 1024, 1),
            "server_cpu_pct": round(busy / (args.duration + 3) * 100),
            # CPU per delivered message: what a busy shared machine changes least
            "server_cpu_ms_per_msg": round(
                busy * 1000 / max(1, len(to_agent) + len(to_taxpayer)), 2
            ),
            "setup_s": round(setup, 1),
            "interval_s": args.interval,
            "duration_s": args.duration,
            "sqlite_synchronous": args.sqlite_synchronous,
        }
    finally:
        for client in clients:
            if client.poll() is None:
                client.kill()
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taxpayers", type=int, default=500)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument(
        "--interval", type=float, default=5.0, help="seconds between a taxpayer's messages"
    )
    parser.add_argument(
        "--per-agent", type=int, default=1000, help="conversations per scripted agent"
    )
    parser.add_argument("--sqlite-synchronous", default="FULL")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument(
        "--profile", metavar="FILE", help="py-spy the server during the load; folded stacks to FILE"
    )
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        return client_main()
    figures = measure(args)
    if args.profile:
        summary = profile_summary(args.profile)
        print(f"profile: {summary['samples']} samples in {args.profile}", file=sys.stderr)
        for title in ("own", "under"):
            print(f"  % of samples, {title}:", file=sys.stderr)
            for share, name in summary[title]:
                print(f"    {share:5.1f}  {name}", file=sys.stderr)
    if args.json:
        print(json.dumps(figures))
        return
    print(
        f"taxpayers={figures['taxpayers']} duration={args.duration:.0f}s interval={args.interval}s "
        f"sqlite synchronous={args.sqlite_synchronous}"
    )
    print(f"setup (connect, 发起人工导税, 接入 each): {figures['setup_s']}s")
    print(
        f"sent by taxpayers {figures['sent']}; received by agents {figures['received']}; "
        f"answers received by taxpayers {figures['answers']}; errors {figures['errors']} "
        f"{figures['error_codes']}"
    )
    for way, name in (("t2a", "taxpayer->agent"), ("a2t", "agent->taxpayer")):
        print(f"latency {name}  p50 {figures['p50_ms'][way]} ms  p99 {figures['p99_ms'][way]} ms")
    print(
        f"server RSS per connection {figures['rss_kib_per_conn']} KiB; "
        f"server CPU {figures['server_cpu_pct']}% of a core, "
        f"{figures['server_cpu_ms_per_msg']} ms per message delivered"
    )


if __name__ == "__main__":
    main()
