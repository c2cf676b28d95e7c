"""The media worker end to end on loopback: two aiortc peers as taxpayer and agent, real subprocess
worker."""

import asyncio
import hashlib
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import aiohttp
import av
import pytest

from rtc import ice
from rtc.testpeer import ClientPeer, SyntheticAudio, SyntheticVideo, WorkerProcess, wait_for

# the test peers gather 127.0.0.1 only, like the worker started with --loopback-only
ice.use_loopback_only()
FPS = 15


class EventsHandler(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append((self.headers.get("X-Zhengna-Secret"), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def events():
    """The web server's side of --events-url: a loopback HTTP server that records what it is
    sent."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), EventsHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def worker(tmp_path_factory, events):
    proc = WorkerProcess(
        tmp_path_factory.mktemp("rtc"),
        "--events-url",
        f"http://127.0.0.1:{events.server_address[1]}/rtc-events",
    )
    yield proc
    proc.stop()


def run(coro):
    return asyncio.run(coro)


def test_every_request_needs_the_secret(worker):
    async def scenario():
        async with aiohttp.ClientSession() as s:
            statuses = []
            for headers in ({}, {"X-Zhengna-Secret": "wrong"}):
                for method, path in (
                    ("GET", "/healthz"),
                    ("GET", "/calls/c"),
                    ("DELETE", "/calls/c"),
                    ("POST", "/calls/c/peers/agent"),
                ):
                    async with s.request(method, worker.url + path, headers=headers, json={}) as r:
                        statuses.append(r.status)
            async with s.get(worker.url + "/healthz", headers=worker.headers) as r:
                health = await r.json()
            return statuses, health

    statuses, health = run(scenario())
    assert statuses == [403] * 8
    assert health == {"ok": True, "mode": "forward", "calls": 0}
    assert "mode=forward" in worker.banner


def test_bad_requests_get_json_errors(worker):
    async def scenario():
        async with aiohttp.ClientSession(headers=worker.headers) as s:
            out = {}
            for name, method, path, body in (
                ("unknown call", "GET", "/calls/nope", None),
                ("unknown delete", "DELETE", "/calls/nope", None),
                ("bad role", "POST", "/calls/c1/peers/boss", {"type": "offer", "sdp": "v=0"}),
                ("bad body", "POST", "/calls/c1/peers/agent", {"type": "answer"}),
                ("bad id", "GET", "/calls/..%2Fx", None),
                (
                    "bad sdp",
                    "POST",
                    "/calls/c1/peers/agent",
                    {"type": "offer", "sdp": "v=0\r\nm=text 9\r\n"},
                ),
            ):
                async with s.request(method, worker.url + path, json=body) as r:
                    out[name] = (r.status, "error" in await r.json())
            async with s.get(worker.url + "/healthz") as r:
                out["calls"] = (await r.json())["calls"]
            return out

    out = run(scenario())
    assert out.pop("calls") == 0  # a refused first offer leaves no call behind
    assert out == {
        "unknown call": (404, True),
        "unknown delete": (404, True),
        "bad role": (404, True),
        "bad body": (400, True),
        "bad id": (400, True),
        "bad sdp": (400, True),
    }


def frames_after(peer, index, t):
    return sum(1 for x in peer.times.get(index, []) if x > t)


def test_call_relays_both_ways_survives_an_agent_reload_and_is_recorded(worker, events):
    async def scenario():
        async with aiohttp.ClientSession() as s:
            taxpayer = ClientPeer(
                "taxpayer", [SyntheticAudio(), SyntheticVideo(fps=FPS, seed=1), None]
            )
            agent = ClientPeer("agent", [SyntheticAudio(), SyntheticVideo(fps=FPS, seed=2), None])
            await taxpayer.connect(s, worker, "call-1")
            await agent.connect(s, worker, "call-1")
            await wait_for(
                lambda: taxpayer.connected_at and agent.connected_at, 10, "both peers connected"
            )
            codecs = {
                line.split(" ", 1)[1].split("/")[0]
                for line in taxpayer.pc.remoteDescription.sdp.splitlines()
                if line.startswith("a=rtpmap:")
            }
            assert codecs == {"opus", "VP8", "rtx"}  # only what is forwarded is negotiated
            # the taxpayer starts sharing the screen later, without renegotiation
            taxpayer.transceivers[2].sender.replaceTrack(SyntheticVideo(480, 270, fps=5, seed=3))
            await wait_for(
                lambda: (
                    agent.received[0] >= 50
                    and agent.received[1] >= 20
                    and agent.received[2] >= 5
                    and taxpayer.received[0] >= 50
                    and taxpayer.received[1] >= 20
                ),
                20,
                "audio, camera and screen both ways",
            )

            # the agent reloads: a new peer connection, a new offer for the same role
            await agent.close()
            reloaded_at = time.time()
            agent2 = ClientPeer("agent", [SyntheticAudio(), SyntheticVideo(fps=FPS, seed=4), None])
            await agent2.connect(s, worker, "call-1")
            await wait_for(
                lambda: (
                    agent2.received[1] >= 20
                    and agent2.received[2] >= 3
                    and agent2.received[0] >= 50
                    and frames_after(taxpayer, 1, reloaded_at) >= 20
                ),
                20,
                "the picture back after the agent reloaded",
            )
            async with s.get(f"{worker.url}/calls/call-1", headers=worker.headers) as r:
                stats = await r.json()
            ended_at = time.time()
            async with s.delete(f"{worker.url}/calls/call-1", headers=worker.headers) as r:
                assert r.status == 200
                recordings = (await r.json())["recordings"]
            started = {"taxpayer": taxpayer.connected_at, "agent": agent.connected_at}
            await taxpayer.close()
            await agent2.close()
            return stats, recordings, started, ended_at

    stats, recordings, started, ended_at = run(scenario())
    sent = [body for secret, body in EventsHandler.received if secret == worker.secret]
    assert len(sent) == len(EventsHandler.received)
    for role in ("taxpayer", "agent"):
        assert {"call_id": "call-1", "role": role, "state": "connected"} in sent
    assert stats["peers"] == {"taxpayer": "connected", "agent": "connected"}
    assert stats["mode"] == "forward"
    assert all(
        stats["forwarded"][k] > 0
        for k in (
            "taxpayer.video",
            "taxpayer.audio",
            "taxpayer.screen",
            "agent.video",
            "agent.audio",
        )
    )
    by_kind = {r["kind"]: r for r in recordings}
    assert set(by_kind) == {"taxpayer", "agent", "screen"}
    for party in ("taxpayer", "agent"):
        entry = by_kind[party]
        path = os.path.join(worker.data_dir, entry["file"])
        data = open(path, "rb").read()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["size"] == len(data)
        assert entry["streams"] == {"video": 1, "audio": 1}
        call_seconds = ended_at - started[party]
        with av.open(path) as c:
            assert len(c.streams.video) == 1 and len(c.streams.audio) == 1
            assert abs(c.duration / 1e6 - call_seconds) < 1.0, (
                party,
                c.duration / 1e6,
                call_seconds,
            )
        with av.open(path) as c:
            video_frames = sum(1 for _ in c.decode(video=0))
        with av.open(path) as c:
            audio_frames = sum(1 for _ in c.decode(audio=0))
        assert video_frames >= FPS * call_seconds * 0.5 and audio_frames >= 40 * call_seconds
    screen = os.path.join(worker.data_dir, by_kind["screen"]["file"])
    assert by_kind["screen"]["streams"] == {"video": 1, "audio": 0}
    with av.open(screen) as c:
        assert len(c.streams.video) == 1 and sum(1 for _ in c.decode(video=0)) >= 5
