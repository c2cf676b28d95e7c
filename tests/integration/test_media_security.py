"""The media worker's door: its secret never on a command line, registration only with RTC=external
from RTC_WORKER_ALLOW, and a recording indexed only if it is a WebM file of its call under
DATA_DIR/recordings/<call id>/ (a rogue worker once pointed the index at the Flask secret key)."""

import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import av
import numpy as np
import requests

from tests.support import free_port, served


def _children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(line) for line in out.stdout.split()]


def _environ(pid):
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def test_the_child_workers_secret_is_not_on_its_command_line(start_server):
    server = start_server(RTC="child", RTC_LOOPBACK_ONLY="1")
    workers = [pid for pid in _children(server.proc.pid) if b"rtc" in _cmdline(pid)]
    assert workers, "no media worker child"
    secret = _environ(workers[0])["ZHENGNA_RTC_SECRET"]
    assert len(secret) >= 24
    assert secret.encode() not in _cmdline(workers[0])
    heartbeat = {"url": "http://127.0.0.1:9", "mode": "forward", "calls": 0}
    refused = requests.post(
        server.url + "/internal/rtc/workers", json=heartbeat, headers={"X-Zhengna-Secret": secret}
    )
    assert refused.status_code == 403, "RTC=child takes no registrations"
    assert refused.json()["error"]["code"] == "worker_not_allowed"


def _cmdline(pid):
    return Path(f"/proc/{pid}/cmdline").read_bytes()


def test_registration_only_from_rtc_worker_allow(start_server):
    secret = "shared-with-the-workers-only"
    headers = {"X-Zhengna-Secret": secret}
    good = {"url": "http://127.0.0.1:9", "mode": "forward", "calls": 0}
    closed = start_server(RTC="external", RTC_SECRET=secret)  # RTC_WORKER_ALLOW: none
    answer = requests.post(closed.url + "/internal/rtc/workers", json=good, headers=headers)
    assert answer.status_code == 403
    events = {"call_id": "x", "role": "agent", "state": "connected"}
    assert (
        requests.post(closed.url + "/internal/rtc/events", json=events, headers=headers).status_code
        == 403
    )
    opened = start_server(RTC="external", RTC_SECRET=secret, RTC_WORKER_ALLOW="127.0.0.0/8")
    beat = opened.url + "/internal/rtc/workers"
    elsewhere = requests.post(
        beat, json={**good, "url": "http://203.0.113.7:8700"}, headers=headers
    )
    assert (
        elsewhere.status_code == 403 and elsewhere.json()["error"]["code"] == "worker_not_allowed"
    )
    assert requests.post(beat, json=good, headers=headers).status_code == 200


def test_the_secret_may_come_from_a_0600_file(start_server, tmp_path):
    path = tmp_path / "rtc-secret"
    path.write_text("kept-in-a-file-not-in-argv\n")
    path.chmod(0o644)
    try:
        start_server(RTC="external", RTC_SECRET_FILE=str(path))
    except RuntimeError as exc:
        assert "readable by others" in str(exc)
    else:
        raise AssertionError("a world-readable secret file was accepted")
    path.chmod(0o600)
    server = start_server(RTC="external", RTC_SECRET_FILE=str(path), RTC_WORKER_ALLOW="127.0.0.1")
    beat = {"url": "http://127.0.0.1:9", "mode": "forward", "calls": 0}
    headers = {"X-Zhengna-Secret": "kept-in-a-file-not-in-argv"}
    assert requests.post(server.url + "/internal/rtc/workers", json=beat, headers=headers).ok


def _webm(path):
    container = av.open(str(path), "w", format="webm")
    stream = container.add_stream("libvpx", rate=10)
    stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
    for _ in range(5):
        frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), dtype=np.uint8), format="rgb24")
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()


class RogueWorker:
    """A media worker that answers a call's end with whatever recordings it is told to report."""

    def __init__(self, reports):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ended = threading.Event()
        worker = self

        class Handler(BaseHTTPRequestHandler):
            def do_DELETE(self):  # noqa: N802 (http.server's naming)
                call_id = self.path.rsplit("/", 1)[-1]
                body = json.dumps({"recordings": reports(call_id)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                worker.ended.set()

            def do_GET(self):  # noqa: N802
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.http = HTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def stop(self):
        self.http.shutdown()


def test_recordings_a_worker_reports_must_be_webm_files_of_the_call(start_server, person):
    data = {}

    def reports(call_id):
        folder = data["dir"] / "recordings" / call_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "fake.webm").write_text("not a video")
        (folder / "notes.txt").write_text("x")
        _webm(folder / "taxpayer.webm")
        item = {"kind": "agent", "duration": 1.0, "size": 10, "sha256": "0" * 64, "streams": {}}
        bad = [
            "secret_key",
            "../secret_key",
            f"recordings/{call_id}/../../secret_key",
            f"recordings/{call_id}/fake.webm",
            f"recordings/{call_id}/notes.txt",
            f"recordings/{call_id}/missing.webm",
            "recordings/another-call/taxpayer.webm",
        ]
        good = {**item, "kind": "taxpayer", "file": f"recordings/{call_id}/taxpayer.webm"}
        return [{**item, "file": file} for file in bad] + [good]

    rogue = RogueWorker(reports)
    try:
        server = start_server(RTC="external", RTC_SECRET="s" * 24, RTC_URL=rogue.url)
        data["dir"] = server.data_dir
        tp, ag, iid, _ = served(server, person())
        tp.reply(tp.request({"type": "call.request", "interaction_id": iid}))
        ag.reply(ag.request({"type": "call.accept", "interaction_id": iid}))
        tp.expect("call.state", interaction_id=iid, call="active")
        tp.reply(tp.request({"type": "call.hangup", "interaction_id": iid}))
        assert rogue.ended.wait(10)
        store = server.store()
        deadline = time.monotonic() + 10
        while not store.media.recordings_of(iid) and time.monotonic() < deadline:
            time.sleep(0.1)
        # the good one is reported last: once it is indexed, every refused one has been judged
        rows = store.media.recordings_of(iid)
        assert [Path(r["file"]).name for r in rows] == ["taxpayer.webm"]
        assert "refused" in server.read_log()
        for client in (tp, ag):
            client.close()
    finally:
        rogue.stop()
