"""The rtc media workers: which one carries a call, the HTTP client of each, and the child processes
of the embedded default."""

import hashlib
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import requests

from .errors import ZhengnaError

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
_TIMEOUT = 15.0  # an answer needs ICE gathering in the worker: well under a second on loopback


def _unavailable(detail):
    return ZhengnaError("media_unavailable", {"reason": detail})


class Workers:
    """Every media worker a call may go to: this server's children and the RTC_URL ones (always
    counted), and standalone workers that announced themselves within RTC_WORKER_TTL (`python -m rtc
    --register`). A new call goes to the one with the fewest active calls (ties broken by rendezvous
    hashing of the call id, so servers agree), and stays there: its worker is stored with the
    interaction."""

    def __init__(self, store, secret, clock, ttl, fixed=()):
        self.store, self.secret, self.clock, self.ttl = store, secret, clock, ttl
        self.fixed = [url.rstrip("/") for url in fixed]
        self._clients = {}

    def add(self, url):
        """Count a worker of this server's own (a child) from now on."""
        self.fixed.append(url.rstrip("/"))

    def live(self):
        """Return the URLs of the workers a new call may use now."""
        since = self.clock() - timedelta(seconds=self.ttl)
        seen = [row["url"] for row in self.store.media.workers_seen_since(since)]
        return list(dict.fromkeys(self.fixed + seen))

    def require_live(self):
        """Return the live workers' URLs; raise media_unavailable when there is none."""
        urls = self.live()
        if not urls:
            raise _unavailable("no media worker")
        return urls

    def pick(self, call_id):
        """Return the URL of the worker for a new call; raise media_unavailable when there is
        none."""
        urls = self.require_live()
        load = self.store.conversations.active_calls_by_worker()
        return min(urls, key=lambda url: (load.get(url, 0), _rank(call_id, url)))

    def client(self, url):
        """Return the HTTP client of one worker."""
        if url not in self._clients:
            self._clients[url] = MediaWorker(url, self.secret)
        return self._clients[url]


def _rank(call_id, url):
    return hashlib.sha256(f"{call_id}|{url}".encode()).hexdigest()


class MediaWorker:
    """Talks to one rtc worker over HTTP with the shared secret."""

    def __init__(self, url, secret):
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.http.headers["X-Zhengna-Secret"] = secret

    def answer(self, call_id, role, sdp):
        """Return the worker's SDP answer to a browser's offer for one side of a call."""
        try:
            response = self.http.post(
                f"{self.url}/calls/{call_id}/peers/{role}",
                json={"type": "offer", "sdp": sdp},
                timeout=_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise _unavailable(type(exc).__name__) from None
        if response.status_code != 200:
            raise _unavailable(f"worker answered {response.status_code}")
        return response.json()["sdp"]

    def end(self, call_id):
        """Close a call in the worker and return its recordings (none if the worker never saw
        it)."""
        try:
            response = self.http.delete(f"{self.url}/calls/{call_id}", timeout=_TIMEOUT)
        except requests.RequestException as exc:
            log.warning("could not end call %s in the media worker: %s", call_id, exc)
            return []
        if response.status_code == 404:
            return []
        response.raise_for_status()
        return response.json().get("recordings", [])

    def healthy(self):
        """Return the worker's health dict, or None when it does not answer."""
        try:
            response = self.http.get(f"{self.url}/healthz", timeout=2)
            return response.json() if response.ok else None
        except (requests.RequestException, ValueError):
            return None


class WorkerProcess:
    """The media worker as a child of server.py (the embedded default)."""

    def __init__(self, data_dir, events_url, port, secret, ice_servers="", loopback=False, mode=""):
        self.secret = secret
        self.url = f"http://127.0.0.1:{port}"
        args = [
            sys.executable,
            "-m",
            "rtc",
            "--listen",
            f"127.0.0.1:{port}",
            "--data-dir",
            str(data_dir),
            "--events-url",
            events_url,
        ]
        if ice_servers:
            args += ["--ice-servers", ice_servers]
        if loopback:
            args.append("--loopback-only")
        if mode:
            args += ["--mode", mode]
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZHENGNA_RTC_")}
        env["ZHENGNA_RTC_SECRET"] = secret  # the environment, not argv (ps shows every argv)
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)

    def wait_ready(self, timeout=30):
        """Block until the worker prints its ready line; raise if it dies first."""
        import gevent

        with gevent.Timeout(timeout, RuntimeError("the media worker did not start")):
            for line in self.proc.stdout:
                if line.startswith("rtc listening"):
                    log.info("%s", line.strip())
                    gevent.spawn(self._drain)  # a full pipe would stall the worker
                    return
        raise RuntimeError(f"the media worker exited with {self.proc.wait()}")

    def _drain(self):
        for line in self.proc.stdout:
            log.info("rtc: %s", line.rstrip())

    def stop(self):
        """Stop the worker (it finalises recordings on SIGTERM)."""
        stop_process(self.proc)


def stop_process(proc, grace=10.0):
    """Stop a child process with SIGTERM (so it finishes cleanly), killing it if it is not gone
    within grace s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
