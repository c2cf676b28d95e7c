"""Media worker load: K recorded calls, forward vs decode mode, worker on one core and load peers on
the other.

    python bench/media_load.py [--calls 1,2,4,8,10] [--seconds 10] [--modes forward,decode]
        [--workers 1]

With --workers N the calls are spread over N worker processes (call n on worker n mod N, as the
server's pool spreads idle workers), worker i pinned to core i mod cores; cpu% and RSS are then the
workers' sums.

Each call: taxpayer camera (640x480, 20 fps) + microphone + screen share (1280x720, 5 fps), agent
camera + microphone, all recorded by the worker. The load peers replay PRE-ENCODED packets (a clip
encoded once), so they never encode; they count complete frames out of their jitter buffers without
decoding them. Delivered = video frames sent more than 1 s before the end that reached the other
load peer. Delay is end to end for video: a frame's send time at one load peer to its arrival,
complete, at the other (both peers connect before anyone sends, so the receivers' timestamps line up
with the senders'). aiortc's jitter buffer releases a frame when the next one starts, at the worker
and again at the receiver: two frame intervals are built in (100 ms at 20 fps for cameras, 400 ms at
5 fps for the screen).
"""

import argparse
import asyncio
import fractions
import os
import sys
import tempfile
import threading
import time

import aiohttp
import av
import numpy as np
import psutil
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from rtc import ice  # noqa: E402
from rtc.testpeer import ClientPeer, WorkerProcess, wait_for  # noqa: E402

CLIP_SECONDS = 4


def encode_clip(width, height, fps, gop, bitrate, static=False):
    """Encode CLIP_SECONDS of moving (or mostly static) pictures once: [(bytes, pts_90k,
    keyframe)]."""
    enc = av.CodecContext.create("libvpx", "w")
    enc.width, enc.height, enc.pix_fmt = width, height, "yuv420p"
    enc.time_base = fractions.Fraction(1, 90000)
    enc.bit_rate, enc.gop_size = bitrate, gop
    enc.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    rng = np.random.default_rng(7)
    out = []
    for i in range(CLIP_SECONDS * fps):
        img = np.full((height, width, 3), 40, np.uint8)
        x = (i * 9) % width
        img[:, max(0, x - 40) : x + 40] = (220, 120, 30)
        if not static:
            img += rng.integers(0, 32, img.shape, dtype=np.uint8)
        else:
            img[(i * 4) % height : (i * 4) % height + 8, :] = 255
        frame = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")
        frame.pts, frame.time_base = i * 90000 // fps, enc.time_base
        out += [(bytes(p), p.pts, p.is_keyframe) for p in enc.encode(frame)]
    return out


def encode_audio():
    enc = av.CodecContext.create("libopus", "w")
    enc.sample_rate, enc.layout, enc.format = 48000, "stereo", "s16"
    enc.bit_rate, enc.time_base = 32000, fractions.Fraction(1, 48000)
    out = []
    for i in range(CLIP_SECONDS * 50):
        t = (np.arange(960) + i * 960) / 48000
        tone = (np.sin(2 * np.pi * 300 * t) * 4000).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(
            np.repeat(tone, 2).reshape(1, -1), format="s16", layout="stereo"
        )
        frame.sample_rate, frame.pts, frame.time_base = 48000, i * 960, enc.time_base
        out += [(bytes(p), p.pts, True) for p in enc.encode(frame)]
    return out


class ReplayTrack(MediaStreamTrack):
    """Send a pre-encoded clip in a loop, paced by its timestamps, once `go` is set."""

    def __init__(self, kind, clip, rate, period, go, phase=0.0):
        super().__init__()
        self._phase = phase
        self.kind, self._clip, self._rate, self._period, self._go = kind, clip, rate, period, go
        self.sent = 0
        self.sent_at = {}
        self.send_times = []
        self._i = 0
        self._start = None

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        await self._go.wait()
        if self._start is None:
            # Browsers are not synchronised: spread the calls' keyframes over the clip's first
            # second.
            self._start = time.time() + self._phase
            await asyncio.sleep(self._phase)
        loop, index = divmod(self._i, len(self._clip))
        data, pts, key = self._clip[index]
        pts += loop * self._period
        await asyncio.sleep(max(0.0, self._start + pts / self._rate - time.time()))
        packet = av.Packet(data)
        packet.pts, packet.time_base, packet.is_keyframe = (
            pts,
            fractions.Fraction(1, self._rate),
            key,
        )
        self.sent_at[pts] = time.time()
        self.send_times.append(self.sent_at[pts])
        if len(self.sent_at) > 2000:
            self.sent_at.pop(next(iter(self.sent_at)))
        self._i += 1
        self.sent += 1
        return packet


class CountingQueue:
    """Replaces a load receiver's decoder queue: count complete frames and their delay, never
    decode."""

    def __init__(self, sender_track, delays):
        self.sender, self.delays, self.received = sender_track, delays, 0
        self.matched = []  # send times of the frames received
        self._stopped = threading.Event()

    def put(self, item):
        if item is None:
            self._stopped.set()
            return
        _, frame = item
        self.received += 1
        sent = self.sender.sent_at.get(frame.timestamp) if self.sender else None
        if sent is not None:
            self.matched.append(sent)
            self.delays.append(time.time() - sent)

    def get(self, *args, **kwargs):
        self._stopped.wait()


def load_peer(role, tracks, sources, delays):
    """A ClientPeer whose receivers count frames; sources[i] is the ReplayTrack that feeds m-line
    i."""
    peer = ClientPeer(role, tracks, decode=False)
    peer.counters = {}

    @peer.pc.on("track")
    def on_track(track):
        index = next(i for i, t in enumerate(peer.transceivers) if t.receiver.track is track)
        queue = CountingQueue(sources.get(index), delays.get(index, []))
        peer.counters[index] = queue
        peer.transceivers[index].receiver._RTCRtpReceiver__decoder_queue = queue  # before it starts

    return peer


async def run_calls(workers, k, seconds, clips):
    go = asyncio.Event()
    delays = {1: [], 2: []}  # camera, screen
    calls = []
    async with aiohttp.ClientSession() as s:
        for n in range(k):
            worker = workers[n % len(workers)]
            phase = n / k
            cam_t = ReplayTrack("video", clips["camera"], 90000, CLIP_SECONDS * 90000, go, phase)
            mic_t = ReplayTrack("audio", clips["audio"], 48000, CLIP_SECONDS * 48000, go, phase)
            screen = ReplayTrack(
                "video", clips["screen"], 90000, CLIP_SECONDS * 90000, go, phase + 0.5 / k
            )
            cam_a = ReplayTrack(
                "video", clips["camera"], 90000, CLIP_SECONDS * 90000, go, phase + 0.25 / k
            )
            mic_a = ReplayTrack(
                "audio", clips["audio"], 48000, CLIP_SECONDS * 48000, go, phase + 0.25 / k
            )
            taxpayer = load_peer("taxpayer", [mic_t, cam_t, screen], {0: mic_a, 1: cam_a}, delays)
            agent = load_peer(
                "agent", [mic_a, cam_a, None], {0: mic_t, 1: cam_t, 2: screen}, delays
            )
            await taxpayer.connect(s, worker, f"load-{n}")
            await agent.connect(s, worker, f"load-{n}")
            calls.append((taxpayer, agent, [cam_t, screen, cam_a], [mic_t, mic_a]))
        await wait_for(
            lambda: all(t.connected_at and a.connected_at for t, a, _, _ in calls), 30, "connected"
        )
        procs, me = [psutil.Process(w.proc.pid) for w in workers], psutil.Process()
        for proc in procs:
            proc.cpu_percent()
        me.cpu_percent()
        go.set()
        await asyncio.sleep(seconds)
        cpu, load_cpu = sum(proc.cpu_percent() for proc in procs), me.cpu_percent()
        loadavg = os.getloadavg()[0]  # other processes on the machine skew everything: print it
        rss = sum(proc.memory_info().rss for proc in procs) / 2**20
        cutoff = time.time() - 1.0  # frames sent before this have had a second to arrive
        audio_sent = sum(t.sent for _, _, _, audios in calls for t in audios)
        counters = [(i, q) for t, a, _, _ in calls for p in (t, a) for i, q in p.counters.items()]
        audio_got = sum(q.received for i, q in counters if i == 0)
        video_sent = sum(
            1 for _, _, videos, _ in calls for t in videos for x in t.send_times if x < cutoff
        )
        video_got = sum(1 for i, q in counters if i in (1, 2) for x in q.matched if x < cutoff)
        for n in range(k):
            worker = workers[n % len(workers)]
            async with s.delete(f"{worker.url}/calls/load-{n}", headers=worker.headers) as r:
                assert r.status == 200
        for taxpayer, agent, _, _ in calls:
            await taxpayer.close()
            await agent.close()

    def ms(values, q):
        values = sorted(values)
        return values[min(len(values) - 1, int(len(values) * q))] * 1000 if values else float("nan")

    return {
        "cpu": cpu,
        "load": load_cpu,
        "loadavg": loadavg,
        "rss": rss,
        "video": video_got / max(1, video_sent),
        "audio": audio_got / max(1, audio_sent),
        "cam50": ms(delays[1], 0.5),
        "cam95": ms(delays[1], 0.95),
        "scr50": ms(delays[2], 0.5),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", default="1,2,4,8,10")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--modes", default="forward,decode")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    ice.use_loopback_only()
    print("encoding the clips once ...", flush=True)
    clips = {
        "camera": encode_clip(640, 480, 20, 40, 500_000),
        "screen": encode_clip(1280, 720, 5, 10, 300_000, True),
        "audio": encode_audio(),
    }
    cores = sorted(os.sched_getaffinity(0))
    load_cpu = cores[-1]
    os.sched_setaffinity(0, {load_cpu})
    worker_cpus = [cores[i % len(cores)] for i in range(args.workers)]
    print(
        f"workers on cpus {worker_cpus}, load peers on cpu {load_cpu}; {args.seconds:.0f} s per run"
    )
    print(
        f"{'mode':8} {'wrk':>3} {'calls':>5} {'cpu%':>6} {'load%':>6} {'rss MiB':>8} "
        f"{'video dlv':>9} {'audio dlv':>9} "
        f"{'camera p50':>10} {'p95 ms':>7} {'screen p50':>10} {'loadavg':>7}"
    )
    for k in [int(x) for x in args.calls.split(",")]:
        for mode in args.modes.split(","):
            with tempfile.TemporaryDirectory() as data:
                workers = [
                    WorkerProcess(os.path.join(data, str(i)), "--mode", mode, cpu=cpu)
                    for i, cpu in enumerate(worker_cpus)
                ]
                try:
                    r = asyncio.run(run_calls(workers, k, args.seconds, clips))
                finally:
                    for worker in workers:
                        worker.stop()
            print(
                f"{mode:8} {args.workers:3d} {k:5d} {r['cpu']:6.1f} {r['load']:6.1f} "
                f"{r['rss']:8.1f} {r['video']:9.1%} {r['audio']:9.1%} "
                f"{r['cam50']:10.0f} {r['cam95']:7.0f} {r['scr50']:10.0f} {r['loadavg']:7.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
