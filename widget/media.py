"""Client for the rtc media worker, and the worker child process of the embedded default."""
import logging
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import requests

from .errors import ZhengnaError

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
_TIMEOUT = 15.0  # an answer needs ICE gathering in the worker: well under a second on loopback


def _unavailable(detail):
    return ZhengnaError("media_unavailable", "视频服务暂时不可用，请稍后再试或继续文字交流。",
                        "Video is unavailable right now; try again later or keep chatting.", reason=detail)


def free_port():
    """Return a loopback TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MediaWorker:
    """Talks to one rtc worker over HTTP with the shared secret."""

    def __init__(self, url, secret):
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.http.headers["X-Zhengna-Secret"] = secret

    def answer(self, call_id, role, sdp):
        """Return the worker's SDP answer to a browser's offer for one side of a call."""
        try:
            response = self.http.post(f"{self.url}/calls/{call_id}/peers/{role}",
                                      json={"type": "offer", "sdp": sdp}, timeout=_TIMEOUT)
        except requests.RequestException as exc:
            raise _unavailable(type(exc).__name__) from None
        if response.status_code != 200:
            raise _unavailable(f"worker answered {response.status_code}")
        return response.json()["sdp"]

    def end(self, call_id):
        """Close a call in the worker and return its recordings (none if the worker never saw it)."""
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

    def __init__(self, data_dir, events_url, port, ice_servers="", loopback=False, mode=""):
        self.secret = secrets.token_urlsafe(24)
        self.url = f"http://127.0.0.1:{port}"
        args = [sys.executable, "-m", "rtc", "--listen", f"127.0.0.1:{port}", "--secret", self.secret,
                "--data-dir", str(data_dir), "--events-url", events_url]
        if ice_servers:
            args += ["--ice-servers", ice_servers]
        if loopback:
            args.append("--loopback-only")
        if mode:
            args += ["--mode", mode]
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZHENGNA_RTC_")}
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
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
