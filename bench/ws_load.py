"""WebSocket load: N taxpayers each send a message every few seconds to a scripted agent that
answers each.

One scripted agent serves up to --per-agent conversations (default 1,000). The load runs in client
processes of its own (one per agent and its taxpayers), so it never shares the server's event
loop. The server (bench/deployment.py) is `python server.py` on a free port with a fresh data dir:
SQLite (synchronous=FULL by default), or with --store postgres on a throwaway PostgreSQL, and with
--processes P (postgres only) P processes sharing it and a throwaway Redis; then agent g connects to
process g mod P and taxpayer i to process i mod P, so conversations cross the bus.

Prints message latency p50/p99 both ways (send -> the other side receives it, durable commit
included), errors, what was sent and received, the servers' RSS per connection and their CPU while
the load ran (summed over the processes), and how long setting up the conversations took (connect,
发起人工导税, 接入 each). A message counts as received when it arrives before the window ends or in
the drain after it (until every message of the window was answered, at most DRAIN_S). With --json:
one line. With --profile FILE: py-spy samples the (first) server during the load window (folded
stacks to FILE) and the top functions go to stderr. bench/ws_saturation.py steps the rate up on one
set of conversations (`Load.step`). Every run names its machine: how fast it ran a fixed piece of
Python and an fsync before the servers started (bench/machine.py).

    python bench/ws_load.py --taxpayers 1000 --duration 60 [--interval 5] [--per-agent 1000]
        [--store sqlite|postgres] [--processes 1] [--json] [--profile FILE]
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import gevent.event  # noqa: E402
import gevent.pool  # noqa: E402
import psutil  # noqa: E402
import requests  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import profiling  # noqa: E402
from bench.deployment import STORES, Deployment, exit_on_sigterm  # noqa: E402
from tests.support import WSClient, tin  # noqa: E402
from widget import tokens  # noqa: E402

PASSWORD = "bench-password"
SETUP_CONCURRENCY = 50  # conversations set up at once per client process
# After a window: wait for the stragglers at most this long (an overloaded server is seconds behind;
# what is still missing then counts as not received).
DRAIN_S = 30.0
# The load client connects every socket from 127.0.0.1 and one agent answers hundreds of frames a
# second: lift the per-address and per-connection limits (a real deployment has one person per
# socket).
LIFTED_LIMITS = {
    "ZHENGNA_WS_RATE": "100000",
    "ZHENGNA_WS_BURST": "100000",
    # the load's taxpayers send no heartbeat: at 2,000 on a busy machine setting up took 693 s and
    # the server closed 469 of the sockets (600 s then)
    "ZHENGNA_HEARTBEAT_TIMEOUT": "3600",
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
    """One scripted agent and its taxpayers in this process. The agent answers every message; the
    latencies of the current step's messages are collected as they arrive."""

    def __init__(self, job):
        self.job = job
        self.step, self.sent = 0, 0
        self.to_agent, self.to_taxpayer, self.errors = [], [], []

    def login(self):
        url = self.job["agent_url"]
        http = requests.Session()
        page = http.get(url + "/console").text
        csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        http.post(
            url + "/console/login",
            json={"username": self.job["username"], "password": PASSWORD},
            headers={"X-CSRFToken": csrf},
        ).raise_for_status()
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        self.agent = WSClient(f"{_ws(url)}/ws/agent", url, cookie=cookie)
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
        url = self.job["taxpayer_urls"][i % len(self.job["taxpayer_urls"])]
        tp = WSClient(f"{_ws(url)}/ws/taxpayer?site=demo", url)
        tp.send({"type": "auth.hello", "token": token})
        tp.expect("auth.ok", timeout=60)
        tp.iid = tp.reply(tp.request({"type": "human.request"}), timeout=60)["interaction_id"]
        cid = f"accept{i}"
        answered = self._answers[cid] = gevent.event.AsyncResult()
        self.agent.send({"type": "interaction.accept", "interaction_id": tp.iid, "cid": cid})
        answer = answered.get(timeout=60)
        if answer["type"] != "reply":
            raise RuntimeError(f"accept failed: {answer}")
        return tp

    def setup(self):
        """Set up every conversation, then start the agent answering and the taxpayers reading;
        return the seconds it took."""
        began = time.monotonic()
        self.login()
        pool = gevent.pool.Pool(SETUP_CONCURRENCY)
        self._answers = {}
        router = gevent.spawn(self._route_answers)
        # unordered: the first conversation that cannot be set up ends the run at once
        self.tps = list(pool.imap_unordered(self.connect, self.job["indices"]))
        gevent.sleep(1.0)  # what the accepts still bring (queue and state pushes) is dropped
        router.kill()
        for tp in self.tps:
            tp.drain(quiet=0.0)
        gevent.spawn(self._agent_loop)
        for tp in self.tps:
            gevent.spawn(self._taxpayer_reader, tp)
        return time.monotonic() - began

    def _route_answers(self):
        """While setting up: hand each answer to an accept to the greenlet that sent it, and drop
        the agent's other frames (50 setups waiting on WSClient.reply at once rescanned one list
        of every frame the agent had got)."""
        while True:
            frame = self.agent.frames.get()
            waiting = self._answers.pop(frame.get("ref"), None)
            if waiting is not None:
                waiting.set(frame)

    def run(self, step, duration, interval):
        """Send for duration s, each taxpayer every interval s, then wait until every message of
        this step was received and answered (at most DRAIN_S)."""
        self.step, self.sent = step, 0
        self.to_agent, self.to_taxpayer, self.errors = [], [], []
        stop = time.monotonic() + duration
        n = len(self.tps)
        senders = [
            gevent.spawn(self._taxpayer_loop, tp, stop, interval, interval * i / n)
            for i, tp in enumerate(self.tps)
        ]
        gevent.joinall(senders)
        drained = time.monotonic() + DRAIN_S
        while time.monotonic() < drained and min(len(self.to_agent), len(self.to_taxpayer)) < (
            self.sent
        ):
            gevent.sleep(0.1)

    def _taxpayer_loop(self, tp, stop, interval, offset):
        gevent.sleep(offset)
        while time.monotonic() < stop:
            started = time.monotonic()
            body = json.dumps({"t": time.time(), "s": self.step, "pad": "征纳互动压测消息" * 2})
            self.sent += 1
            tp.send(
                {
                    "type": "message.send",
                    "cid": f"m{self.step}.{self.sent}",
                    "interaction_id": tp.iid,
                    "text": body,
                }
            )  # ~40 characters
            now = time.monotonic()
            gevent.sleep(max(0.0, min(interval - (now - started), stop - now)))

    def _taxpayer_reader(self, tp):
        while True:
            frame = tp.frames.get()
            if frame["type"] == "message.new" and frame["message"]["from"] == "agent":
                body = json.loads(frame["message"]["body"])
                if body["s"] == self.step:
                    self.to_taxpayer.append(time.time() - body["t"])
            elif frame["type"] == "error":
                self.errors.append(frame["code"])

    def _agent_loop(self):
        count = 0
        while True:
            frame = self.agent.frames.get()
            if frame["type"] == "message.new" and frame["message"]["from"] == "taxpayer":
                body = json.loads(frame["message"]["body"])
                if body["s"] == self.step:
                    self.to_agent.append(time.time() - body["t"])
                count += 1
                self.agent.send(
                    {
                        "type": "message.send",
                        "cid": f"a{count}",
                        "interaction_id": frame["interaction_id"],
                        "text": json.dumps({"t": time.time(), "s": body["s"]}),
                    }
                )
            elif frame["type"] == "error":
                self.errors.append(frame["code"])


def _ws(url):
    return url.replace("http://", "ws://")


def client_main():
    """Run one client process: read the job on stdin, set up, say ready; then for each step read
    on stdin ({"step", "duration", "interval"}), run it and print its results; stop at EOF."""
    _raise_open_files()
    client = Client(json.loads(sys.stdin.readline()))
    print(json.dumps({"ready": True, "setup_s": client.setup()}), flush=True)
    for line in sys.stdin:
        order = json.loads(line)
        client.run(order["step"], order["duration"], order["interval"])
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


class Load:
    """A deployment with `taxpayers` live conversations, set up by client processes that then run
    steps of load on them (`step`); `close()` ends the clients and removes the deployment."""

    @classmethod
    def from_args(cls, args):
        """The load the command line's deployment options describe (add_deployment_options)."""
        return cls(
            args.taxpayers,
            per_agent=args.per_agent,
            store=args.store,
            processes=args.processes,
            sqlite_synchronous=args.sqlite_synchronous,
        )

    def __init__(self, taxpayers, per_agent=1000, store="sqlite", processes=1, **deployment):
        _raise_open_files()
        self.taxpayers, self.clients, self.steps = taxpayers, [], 0
        self.deployment = Deployment(store, processes, env=LIFTED_LIMITS, **deployment)
        try:
            groups = [
                list(range(start, min(start + per_agent, taxpayers)))
                for start in range(0, taxpayers, per_agent)
            ]
            usernames = [f"bench{n}" for n in range(len(groups))]
            self.deployment.create_agents(usernames, PASSWORD, per_agent)
            key, lifetime = self.deployment.site_key()
            urls = self.deployment.urls
            self.rss_idle, _ = self.deployment.usage()
            began = time.monotonic()
            for g, (username, indices) in enumerate(zip(usernames, groups, strict=True)):
                job = {
                    "agent_url": urls[g % len(urls)],
                    "taxpayer_urls": urls,
                    "username": username,
                    "indices": indices,
                    "key": key,
                    "lifetime": lifetime,
                }
                client = subprocess.Popen(
                    [sys.executable, __file__, "--client"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                self.clients.append(client)
                self._tell(client, job)
            for client in self.clients:
                line = client.stdout.readline()
                if not line:
                    raise RuntimeError("a load client died while setting up (its stderr above)")
                assert json.loads(line).get("ready"), line
            self.setup_s = time.monotonic() - began
            self.rss_loaded, _ = self.deployment.usage()
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _tell(client, message):
        client.stdin.write(json.dumps(message) + "\n")
        client.stdin.flush()

    def step(self, duration, interval, profile=None):
        """Run duration s of load, each taxpayer sending every interval s; return its figures."""
        self.steps += 1
        _, cpu_before = self.deployment.usage()
        clients_before = self._clients_cpu()
        began = time.monotonic()
        spy = profiling.start_profiler(profile, self.deployment.servers[0].proc.pid, duration)
        for client in self.clients:
            self._tell(client, {"step": self.steps, "duration": duration, "interval": interval})
        results = []
        for client in self.clients:
            line = client.stdout.readline()
            if not line:
                raise RuntimeError("a load client died during the load (its stderr above)")
            results.append(json.loads(line))
        if spy is not None:
            spy.wait()
        wall = time.monotonic() - began
        _, cpu_after = self.deployment.usage()
        busy = cpu_after - cpu_before
        clients_busy = self._clients_cpu() - clients_before
        to_agent = [x for r in results for x in r["to_agent"]]
        to_taxpayer = [x for r in results for x in r["to_taxpayer"]]
        errors = [x for r in results for x in r["errors"]]

        def ms(values, p):
            return round(percentile(values, p) * 1000, 1)

        return {
            "taxpayers": self.taxpayers,
            "sent": sum(r["sent"] for r in results),
            "received": len(to_agent),
            "answers": len(to_taxpayer),
            "errors": len(errors),
            "error_codes": sorted(set(errors)),
            "p50_ms": {"t2a": ms(to_agent, 50), "a2t": ms(to_taxpayer, 50)},
            "p99_ms": {"t2a": ms(to_agent, 99), "a2t": ms(to_taxpayer, 99)},
            "rss_kib_per_conn": round((self.rss_loaded - self.rss_idle) / self.taxpayers / 1024, 1),
            "server_cpu_pct": round(busy / wall * 100),
            "client_cpu_pct": round(clients_busy / wall * 100),  # the load clients, same cores
            # CPU per delivered message: what a busy shared machine changes least
            "server_cpu_ms_per_msg": round(
                busy * 1000 / max(1, len(to_agent) + len(to_taxpayer)), 2
            ),
            "setup_s": round(self.setup_s, 1),
            "interval_s": interval,
            "duration_s": duration,
            "wall_s": round(wall, 1),
            "offered_msg_per_s": round(2 * self.taxpayers / interval, 1),
            # stored a second over the window: the taxpayers' messages and the agents' answers
            "sent_msg_per_s": round(2 * sum(r["sent"] for r in results) / duration, 1),
            **self.deployment.describe(),
        }

    def _clients_cpu(self):
        """Return the CPU seconds the load client processes used so far."""
        times = [psutil.Process(client.pid).cpu_times() for client in self.clients]
        return sum(t.user + t.system for t in times)

    def close(self):
        """End the client processes and remove the deployment."""
        for client in self.clients:
            if client.poll() is None:
                client.kill()
                client.wait()
        self.clients = []
        self.deployment.close()


def measure(args):
    """Set up the deployment and the conversations, run one window of load, return its figures."""
    load = Load.from_args(args)
    try:
        figures = load.step(args.duration, args.interval, profile=args.profile)
    finally:
        load.close()
    if args.store == "sqlite":
        figures["sqlite_synchronous"] = args.sqlite_synchronous
    return figures


def add_deployment_options(parser):
    """Add the options that say what the load runs against (shared with ws_saturation)."""
    parser.add_argument(
        "--per-agent", type=int, default=1000, help="conversations per scripted agent"
    )
    parser.add_argument("--store", choices=STORES, default="sqlite")
    parser.add_argument(
        "--processes", type=int, default=1, help="server processes (more than 1: --store postgres)"
    )
    parser.add_argument("--sqlite-synchronous", default="FULL")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taxpayers", type=int, default=500)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument(
        "--interval", type=float, default=5.0, help="seconds between a taxpayer's messages"
    )
    add_deployment_options(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument(
        "--profile", metavar="FILE", help="py-spy the server during the load; folded stacks to FILE"
    )
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        return client_main()
    if args.processes > 1 and args.store != "postgres":
        parser.error("--processes above 1 needs --store postgres")
    exit_on_sigterm()
    figures = measure(args)
    if args.profile:
        summary = profiling.profile_summary(args.profile)
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
        f"store={args.store} processes={args.processes}"
        + (f" sqlite synchronous={args.sqlite_synchronous}" if args.store == "sqlite" else "")
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
