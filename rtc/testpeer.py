"""Browser stand-ins for tests and the bench: a worker subprocess, synthetic tracks, aiortc client
peers.

Never imported by the worker itself.
"""

import asyncio
import fractions
import os
import subprocess
import sys
import threading
import time
from collections import Counter

import aiohttp
import av
import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from rtc import ice
from rtc.ports import free_port

SECRET = "test-secret"


class WorkerProcess:
    """`python -m rtc ...` on a free loopback port; ready once it prints its listening line."""

    def __init__(
        self,
        data_dir: str,
        *args: str,
        secret: str = SECRET,
        timeout: float = 20.0,
        cpu: int | None = None,
    ) -> None:
        self.port = free_port()
        self.secret = secret
        self.data_dir = str(data_dir)
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [
            sys.executable,
            "-m",
            "rtc",
            "--listen",
            f"127.0.0.1:{self.port}",
            "--data-dir",
            self.data_dir,
            "--loopback-only",
            *args,
        ]
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = {**os.environ, "ZHENGNA_RTC_SECRET": secret}  # never in argv: ps shows argv
        self.proc = subprocess.Popen(
            cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        if cpu is not None:
            os.sched_setaffinity(self.proc.pid, {cpu})
        self.stderr: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()
        ready = threading.Event()
        self.banner = ""

        def read_banner() -> None:
            self.banner = self.proc.stdout.readline().strip()
            ready.set()

        threading.Thread(target=read_banner, daemon=True).start()
        if not ready.wait(timeout) or not self.banner.startswith("rtc listening on"):
            self.stop()
            raise RuntimeError(f"worker did not start: {self.banner!r} {''.join(self.stderr)}")

    def _collect(self) -> None:
        for line in self.proc.stderr:
            self.stderr.append(line)

    @property
    def headers(self) -> dict:
        return {"X-Zhengna-Secret": self.secret}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class SyntheticVideo(MediaStreamTrack):
    """A moving pattern with some noise (so VP8 has real work and real interframes), paced in real
    time."""

    kind = "video"

    def __init__(self, width: int = 320, height: int = 240, fps: int = 15, seed: int = 0) -> None:
        super().__init__()
        self.width, self.height, self.fps = width, height, fps
        self._rng = np.random.default_rng(seed)
        self._start: float | None = None
        self._index = 0
        self.sent = 0

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.time()
        due = self._start + self._index / self.fps
        await asyncio.sleep(max(0.0, due - time.time()))
        img = np.zeros((self.height, self.width, 3), np.uint8)
        x = (self._index * 7) % self.width
        img[:, max(0, x - 20) : x + 20] = (255, 128, 0)
        img[self.height // 2 :, :, 2] = (self._index * 3) % 255
        img += self._rng.integers(0, 24, img.shape, dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts = int(self._index * 90000 / self.fps)
        frame.time_base = fractions.Fraction(1, 90000)
        self._index += 1
        self.sent += 1
        return frame


class SyntheticAudio(MediaStreamTrack):
    """A 440 Hz tone in 20 ms frames, paced in real time."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._start: float | None = None
        self._index = 0

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.time()
        await asyncio.sleep(max(0.0, self._start + self._index * 0.02 - time.time()))
        t = (np.arange(960) + self._index * 960) / 48000
        samples = (np.sin(2 * np.pi * 440 * t) * 6000).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = 48000
        frame.pts = self._index * 960
        frame.time_base = fractions.Fraction(1, 48000)
        self._index += 1
        return frame


# m-lines as a browser offers them: (kind, direction) per role.
OFFER_LAYOUT = {
    "taxpayer": [("audio", "sendrecv"), ("video", "sendrecv"), ("video", "sendonly")],
    "agent": [("audio", "sendrecv"), ("video", "sendrecv"), ("video", "recvonly")],
}


class ClientPeer:
    """One browser: offers the product's three m-lines, sends the given tracks, counts decoded
    frames."""

    def __init__(
        self, role: str, tracks: list[MediaStreamTrack | None], decode: bool = True
    ) -> None:
        self.role = role
        self.pc = RTCPeerConnection(ice.configuration([]))
        self.received: Counter = Counter()
        self.last_frame: dict[int, float] = {}
        self.times: dict[int, list[float]] = {}
        self.connected_at: float | None = None
        self._tasks: list[asyncio.Task] = []
        self.transceivers = []
        for (kind, direction), track in zip(OFFER_LAYOUT[role], tracks, strict=True):
            self.transceivers.append(self.pc.addTransceiver(track or kind, direction=direction))

        @self.pc.on("track")
        def on_track(track) -> None:
            index = next(i for i, t in enumerate(self.transceivers) if t.receiver.track is track)
            if decode:
                self._tasks.append(asyncio.ensure_future(self._count(index, track)))

        @self.pc.on("connectionstatechange")
        def on_state() -> None:
            if self.pc.connectionState == "connected" and self.connected_at is None:
                self.connected_at = time.time()

    async def _count(self, index: int, track: MediaStreamTrack) -> None:
        try:
            while True:
                await track.recv()
                now = time.time()
                self.received[index] += 1
                self.last_frame[index] = now
                self.times.setdefault(index, []).append(now)
        except MediaStreamError:
            pass

    async def connect(
        self, session: aiohttp.ClientSession, worker: WorkerProcess, call_id: str
    ) -> None:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        url = f"{worker.url}/calls/{call_id}/peers/{self.role}"
        body = {"type": "offer", "sdp": self.pc.localDescription.sdp}
        async with session.post(url, json=body, headers=worker.headers) as resp:
            assert resp.status == 200, await resp.text()
            answer = await resp.json()
        await self.pc.setRemoteDescription(
            RTCSessionDescription(sdp=answer["sdp"], type=answer["type"])
        )

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.pc.close()


async def wait_for(predicate, timeout: float, what: str, poll: float = 0.1) -> None:
    """Poll `predicate` until true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(poll)
