"""Idle sockets: what one authenticated, idle taxpayer socket costs the server, beside a bare
flask-sock socket.

Opens N WebSockets to `python server.py` (each authenticated with its own host token, then silent)
and N to a bare Flask + flask-sock app under the same gevent WSGIServer (a route that only waits),
from client processes of their own, and prints for each: server RSS per socket (KiB), the time to
connect them all and the server's open descriptors per socket. It lifts the open-files limit to
what N needs (as root; otherwise to the hard limit). The bare app keeps flask-sock's two
descriptors a socket (simple-websocket dups the accepted one; Zhengna closes the original): where
the limit cannot hold N of those, it is measured at as many as fit, and says so. With --browser
the clients offer permessage-deflate, as every browser does (the load clients offer nothing).

    python bench/idle_sockets.py --sockets 10000 [--clients 4] [--browser] [--json]
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
import simple_websocket  # noqa: E402
from wsproto.events import AcceptConnection, Request  # noqa: E402
from wsproto.extensions import PerMessageDeflate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ws_load import LIFTED_LIMITS  # noqa: E402
from tests.support import ServerProcess, free_port, tin  # noqa: E402
from widget import tokens  # noqa: E402
from widget.media import stop_process  # noqa: E402

CONNECT_CONCURRENCY = 100  # handshakes in flight per client process
SPARE_FDS = 200  # a server's own descriptors beside its sockets (store, logs, listening socket)

BARE_APP = """
from gevent import monkey
monkey.patch_all()
import sys
from flask import Flask
from flask_sock import Sock
from gevent.pywsgi import WSGIServer
app = Flask(__name__)
sock = Sock(app)

@app.get("/healthz")
def healthz():
    return "ok"

@sock.route("/ws")
def ws(socket):
    while socket.receive() is not None:
        pass

WSGIServer(("127.0.0.1", int(sys.argv[1])), app, log=None).serve_forever()
"""


def _raise_open_files(want=0):
    """Lift the open-files limit to want, or to the hard limit where raising that needs a privilege
    this process lacks."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = max(hard, want)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, target))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class BrowserLikeClient(simple_websocket.Client):
    """A client whose handshake offers permessage-deflate, as a browser's does."""

    def handshake(self):
        request = Request(
            host=self.host,
            target=self.path,
            extensions=[PerMessageDeflate()],
            extra_headers=self.extra_headeers,  # (simple-websocket's spelling)
        )
        self.sock.send(self.ws.send(request))
        while True:
            self.ws.receive_data(self.sock.recv(self.receive_bytes))
            event = next(self.ws.events(), None)
            if event is not None:
                break
        if not isinstance(event, AcceptConnection):
            raise simple_websocket.ConnectionError(getattr(event, "status_code", 400))
        self.connected = True


def client_main():
    """Open the sockets of one job (read on stdin), say ready, hold them until told to stop."""
    _raise_open_files()
    job = json.loads(sys.stdin.readline())
    held = []

    def open_one(i):
        headers = {"Origin": job["origin"]}
        kind = BrowserLikeClient if job["browser"] else simple_websocket.Client
        client = kind.connect(job["ws_url"], headers=headers)
        if job.get("key"):
            key = job["key"]
            token = tokens.mint(
                "demo",
                key["kid"],
                key["secret"],
                sub=f"idle-{i}",
                name=f"空闲{i}",
                tin=tin(700000 + i),
                enterprise="压测企业",
                region="4402",
                lifetime=job["lifetime"],
            )
            client.send(json.dumps({"type": "auth.hello", "token": token}))
            while True:  # auth.ok, then whatever the server says next is left unread
                frame = json.loads(client.receive(timeout=60))
                if frame["type"] == "auth.ok":
                    break
                if frame["type"] == "error":
                    raise RuntimeError(frame)
        held.append(client)

    pool = gevent.pool.Pool(CONNECT_CONCURRENCY)
    for _ in pool.imap_unordered(open_one, job["indices"]):
        pass
    print(json.dumps({"ready": len(held)}), flush=True)
    sys.stdin.readline()


def hold(url, ws_url, origin, n, clients, browser, key=None, lifetime=600):
    """Open n sockets from `clients` processes; return (processes, seconds to connect all)."""
    began = time.monotonic()
    procs = []
    for k in range(clients):
        proc = subprocess.Popen(
            [sys.executable, __file__, "--client"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        job = {
            "ws_url": ws_url,
            "origin": origin,
            "indices": list(range(k, n, clients)),
            "key": key,
            "lifetime": lifetime,
            "browser": browser,
        }
        proc.stdin.write(json.dumps(job) + "\n")
        proc.stdin.flush()
        procs.append(proc)
    opened = sum(json.loads(proc.stdout.readline())["ready"] for proc in procs)
    if opened != n:
        raise RuntimeError(f"opened {opened} of {n}")
    return procs, time.monotonic() - began


def release(procs):
    for proc in procs:
        try:
            proc.stdin.write("stop\n")
            proc.stdin.flush()
        except BrokenPipeError:
            pass
        stop_process(proc)


def measure_zhengna(n, clients, browser):
    data = Path(tempfile.mkdtemp(prefix="zhengna-idle-")) / "data"
    server = ServerProcess(data, env={**LIFTED_LIMITS, "ZHENGNA_HEARTBEAT_TIMEOUT": "3600"})
    try:
        store = server.store()
        key = next(dict(k) for k in store.directory.site_keys("demo") if k["active"])
        lifetime = store.directory.get_site("demo")["token_lifetime"]
        store.dispose()
        proc = psutil.Process(server.proc.pid)
        gevent.sleep(1)
        key = {"kid": key["kid"], "secret": key["secret"]}
        ws_url = f"{server.ws_url}/ws/taxpayer?site=demo"
        return cost(proc, server.url, ws_url, n, clients, browser, key, lifetime)
    finally:
        server.stop()


def cost(proc, url, ws_url, n, clients, browser, key=None, lifetime=600):
    """Hold n sockets open against the process proc serves; return its RSS per socket and the
    time."""
    before = proc.memory_info().rss
    procs, seconds = hold(url, ws_url, url, n, clients, browser, key, lifetime)
    gevent.sleep(2)
    after = proc.memory_info().rss
    fds = proc.num_fds()
    release(procs)
    return {
        "sockets": n,
        "kib_per_socket": round((after - before) / n / 1024, 1),
        "connect_s": round(seconds, 1),
        "fds_per_socket": round(fds / n, 2),
    }


def measure_bare(n, clients, browser):
    port = free_port()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(BARE_APP)
    server = subprocess.Popen([sys.executable, fh.name, str(port)])
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if requests.get(url + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                gevent.sleep(0.1)
        return cost(
            psutil.Process(server.pid), url, f"ws://127.0.0.1:{port}/ws", n, clients, browser
        )
    finally:
        stop_process(server)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument(
        "--browser", action="store_true", help="offer permessage-deflate, as browsers do"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        return client_main()
    _raise_open_files(2 * args.sockets + SPARE_FDS)  # inherited by the servers and the clients
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    bare_n = min(args.sockets, (limit - SPARE_FDS) // 2)  # two descriptors a bare socket
    if bare_n < args.sockets:
        print(
            f"open-files limit {limit} (hard, not raisable here): the bare app is measured at "
            f"{bare_n} sockets",
            file=sys.stderr,
        )
    bare = measure_bare(bare_n, args.clients, args.browser)
    zhengna = measure_zhengna(args.sockets, args.clients, args.browser)
    figures = {
        "sockets": args.sockets,
        "browser": args.browser,
        "zhengna": zhengna,
        "bare_flask_sock": bare,
        "ratio": round(zhengna["kib_per_socket"] / bare["kib_per_socket"], 2)
        if bare["kib_per_socket"]
        else None,
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{args.sockets} idle sockets, {args.clients} client processes")
    for name, run in (("bare flask-sock", bare), ("zhengna taxpayer (authenticated)", zhengna)):
        print(
            f"{name}: {run['sockets']} sockets, {run['kib_per_socket']} KiB each, "
            f"{run['fds_per_socket']} descriptors each, all connected in {run['connect_s']} s"
        )
    print(f"ratio {figures['ratio']}")


if __name__ == "__main__":
    main()
