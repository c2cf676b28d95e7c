"""Soak: N conversations for M minutes, each side sending a message every 10 s.

Prints errors (error frames, dropped sockets, messages not acknowledged or not delivered), the
server's RSS at minute 2 and at the end, and how long the server took to close a client that
vanished without closing (silent after its handshake, its TCP connection still open), against the
heartbeat timeout. Loopback only.

    python bench/soak.py --conversations 200 --minutes 5
    python bench/soak.py --conversations 1000 --minutes 10     # on a quiet machine
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import queue  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import ServerProcess, WSClient, console_socket, login, tin  # noqa: E402
from widget import accounts, tokens  # noqa: E402

PER_AGENT = 50  # conversations each scripted agent serves
INTERVAL = 10.0  # seconds between two messages of one side
PASSWORD = "soak-password"


class Soak:
    """One server, N taxpayers, N/PER_AGENT agents; counts what each side sent and received."""

    def __init__(self, server: ServerProcess, n: int, heartbeat: float) -> None:
        self.server, self.n, self.heartbeat = server, n, heartbeat
        self.errors: list[str] = []
        self.sent = {"taxpayer": {}, "agent": {}}  # role -> cid -> interaction id
        self.acked = {"taxpayer": set(), "agent": set()}
        self.got = {"taxpayer": set(), "agent": set()}  # cids received by the other side
        self.stop_pinging = False

    def connect(self) -> None:
        store = self.server.store()
        key = next(k for k in store.directory.site_keys("demo") if k["active"])
        count = (self.n + PER_AGENT - 1) // PER_AGENT
        for a in range(count):
            accounts.create_agent(
                store,
                f"soak{a}",
                PASSWORD,
                "demo",
                display_name=f"值守{a}",
                max_concurrent=PER_AGENT,
            )
        store.dispose()
        self.agents = [
            console_socket(self.server, login(self.server, f"soak{a}", PASSWORD))[0]
            for a in range(count)
        ]
        for ag in self.agents:
            gevent.spawn(self._ping, ag)
        self.taxpayers = []
        for i in range(self.n):
            token = tokens.mint(
                "demo",
                key["kid"],
                key["secret"],
                sub=f"soak-{i}",
                name=f"值守{i}",
                tin=tin(600000 + i),
                enterprise="压测企业",
                region="4402",
                lifetime=600,
            )
            tp = WSClient(f"{self.server.ws_url}/ws/taxpayer?site=demo", self.server.url)
            tp.send({"type": "auth.hello", "token": token})
            tp.expect("auth.ok", timeout=30)
            gevent.spawn(self._ping, tp)
            tp.iid = tp.reply(tp.request({"type": "human.request"}), timeout=30)["interaction_id"]
            ag = self.agents[i // PER_AGENT]
            answer = ag.reply(
                ag.request({"type": "interaction.accept", "interaction_id": tp.iid}), timeout=30
            )
            if answer["type"] != "reply":
                raise RuntimeError(f"accept failed: {answer}")
            ag.iids = [*getattr(ag, "iids", []), tp.iid]
            self.taxpayers.append(tp)
        for client in self.agents + self.taxpayers:
            client.drain(quiet=0.2)
            client.seen.clear()

    def run(self, seconds: float, on_minute_two) -> None:
        stop = time.monotonic() + seconds
        readers = [gevent.spawn(self._read, c, "taxpayer") for c in self.taxpayers]
        readers += [gevent.spawn(self._read, c, "agent") for c in self.agents]
        senders = [
            gevent.spawn(self._send, tp, "taxpayer", tp.iid, stop, INTERVAL * i / self.n)
            for i, tp in enumerate(self.taxpayers)
        ]
        for a, ag in enumerate(self.agents):
            for j, iid in enumerate(ag.iids):
                offset = INTERVAL * ((a * PER_AGENT + j) / self.n + 0.5) % INTERVAL
                senders.append(gevent.spawn(self._send, ag, "agent", iid, stop, offset))
        timer = gevent.spawn_later(min(120, seconds), on_minute_two)
        gevent.joinall(senders)
        settle = time.monotonic() + 30
        while time.monotonic() < settle and not self.settled():
            gevent.sleep(0.5)
        timer.join()
        self.stop_pinging = True
        gevent.killall(readers)

    def settled(self) -> bool:
        """Every message acknowledged and delivered to the other side."""
        return all(set(self.sent[role]) == self.acked[role] == self.got[role] for role in self.sent)

    def _send(self, client, role, iid, stop, offset) -> None:
        gevent.sleep(offset)
        n = 0
        while time.monotonic() < stop:
            started = time.monotonic()
            cid = f"{role[0]}-{iid}-{n}"
            self.sent[role][cid] = iid
            try:
                client.send(
                    {"type": "message.send", "cid": cid, "interaction_id": iid, "text": cid}
                )
            except Exception:
                return  # the reader counts the closed socket; this one stays unacknowledged
            n += 1
            gevent.sleep(max(0.0, INTERVAL - (time.monotonic() - started)))

    def _ping(self, client) -> None:
        """Ping as a client does, from the moment it is connected (setting up takes minutes)."""
        while not self.stop_pinging and not client.closed.is_set():
            gevent.sleep(self.heartbeat)
            try:
                client.send({"type": "ping"})
            except Exception:
                return  # the reader counts the closed socket

    def _read(self, client, role) -> None:
        other = "agent" if role == "taxpayer" else "taxpayer"
        while True:
            try:
                frame = client.frames.get(timeout=1)
            except queue.Empty:
                if client.closed.is_set():
                    self.errors.append(f"{role}: socket closed ({client.close_code})")
                    return
                continue
            kind = frame.get("type")
            if kind == "reply" and frame.get("ref") in self.sent[role]:
                self.acked[role].add(frame["ref"])
            elif kind == "message.new" and frame["message"]["from"] == other:
                self.got[other].add(frame["message"]["cid"])
            elif kind == "error":
                self.errors.append(f"{role}: {frame['code']}")


def vanished_client(server: ServerProcess, heartbeat_timeout: float) -> dict:
    """Open a taxpayer socket, authenticate, then fall silent with the TCP connection left open;
    return how long the server took to close it and with which code."""
    store = server.store()
    key = next(k for k in store.directory.site_keys("demo") if k["active"])
    store.dispose()
    token = tokens.mint(
        "demo",
        key["kid"],
        key["secret"],
        sub="vanished",
        name="掉线",
        tin=tin(699999),
        enterprise="压测",
        region="4402",
        lifetime=600,
    )
    client = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
    client.send({"type": "auth.hello", "token": token})
    client.expect("auth.ok", timeout=30)
    silent_since = time.monotonic()
    client.closed.wait(heartbeat_timeout * 3)
    return {
        "closed_after_s": round(time.monotonic() - silent_since, 1)
        if client.closed.is_set()
        else None,
        "close_code": client.close_code,
        "heartbeat_timeout_s": heartbeat_timeout,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--heartbeat-timeout", type=float, default=60.0)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # two descriptors a socket, both ends
    temp = tempfile.TemporaryDirectory(prefix="zhengna-soak-")
    data = Path(temp.name) / "data"
    env = {
        "ZHENGNA_WS_RATE": "100000",  # an agent console sends for PER_AGENT conversations
        "ZHENGNA_WS_BURST": "100000",
        "ZHENGNA_HEARTBEAT_TIMEOUT": str(args.heartbeat_timeout),
        "ZHENGNA_HTTP_RATE_LIMIT": "1000000 per minute",
        "ZHENGNA_LOGIN_RATE_LIMIT": "1000000 per minute",
        "ZHENGNA_WS_HANDSHAKE_RATE_LIMIT": "1000000 per minute",
        "ZHENGNA_WS_MAX_PER_ADDRESS": "1000000",  # every taxpayer comes from 127.0.0.1
        "ZHENGNA_RTC": "off",
    }
    server = ServerProcess(data, env=env)
    proc = psutil.Process(server.proc.pid)
    rss = {}
    try:
        soak = Soak(server, args.conversations, min(20.0, args.heartbeat_timeout / 3))
        started = time.monotonic()
        soak.connect()
        print(
            f"{args.conversations} conversations up in {time.monotonic() - started:.0f} s",
            file=sys.stderr,
        )
        vanished = gevent.spawn(vanished_client, server, args.heartbeat_timeout)

        def minute_two():
            rss["minute_2_mib"] = round(proc.memory_info().rss / 2**20, 1)

        soak.run(args.minutes * 60, minute_two)
        rss["end_mib"] = round(proc.memory_info().rss / 2**20, 1)
        sent = {role: len(cids) for role, cids in soak.sent.items()}
        figures = {
            "conversations": args.conversations,
            "minutes": args.minutes,
            "sent": sent,
            "acknowledged": {role: len(c) for role, c in soak.acked.items()},
            "delivered": {role: len(c) for role, c in soak.got.items()},
            "errors": len(soak.errors),
            "error_kinds": sorted(set(soak.errors))[:10],
            "server_rss": rss,
            "rss_growth_pct": round(100 * (rss["end_mib"] / rss["minute_2_mib"] - 1), 1),
            "vanished_client": vanished.get(),
        }
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    finally:
        server.stop()
        temp.cleanup()


if __name__ == "__main__":
    main()
