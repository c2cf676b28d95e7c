"""Recording from forwarded packets (no network): files, alignment, and a slow disk that must not
grow memory."""

import asyncio
import fractions
import hashlib
import time
from concurrent.futures import ThreadPoolExecutor

import av
import numpy as np
import pytest

from rtc import record
from rtc.forward import Feed
from rtc.ice import is_loopback_candidate, keep_loopback_candidates, parse_ice_servers


def encoded_video(n, fps=20, gop=10, size=(160, 120)):
    enc = av.CodecContext.create("libvpx", "w")
    enc.width, enc.height = size
    enc.pix_fmt = "yuv420p"
    enc.time_base = fractions.Fraction(1, 90000)
    enc.gop_size = gop
    enc.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    rng = np.random.default_rng(1)
    out = []
    for i in range(n):
        img = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")
        frame.pts = i * 90000 // fps
        frame.time_base = enc.time_base
        out += [(bytes(p), p.pts, p.is_keyframe) for p in enc.encode(frame)]
    return out


def encoded_audio(n):
    enc = av.CodecContext.create("libopus", "w")
    enc.sample_rate, enc.layout, enc.format = 48000, "stereo", "s16"
    enc.time_base = fractions.Fraction(1, 48000)
    out = []
    for i in range(n):
        samples = (np.sin(np.arange(960 * 2) / 9) * 5000).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="stereo")
        frame.sample_rate, frame.pts, frame.time_base = 48000, i * 960, enc.time_base
        out += [(bytes(p), p.pts) for p in enc.encode(frame)]
    return out


class Source:
    def request_keyframe(self):
        pass


def feeds():
    video = Feed("taxpayer.video", "video", 90000, keyframes=True)
    audio = Feed("taxpayer.audio", "audio", 48000, keyframes=False)
    source = Source()
    video.attach(source)
    audio.attach(source)
    return video, audio, source


def test_party_file_holds_aligned_video_and_audio(tmp_path):
    async def scenario():
        video, audio, source = feeds()
        rec = record.PartyRecorder(
            "taxpayer",
            video,
            audio,
            data_dir=str(tmp_path),
            call_id="c1",
            executor=ThreadPoolExecutor(1),
            encode=False,
        )
        rec.start()
        t0 = time.time()
        # audio starts 0.5 s before the camera's first keyframe; both run 3 s
        for data, pts in encoded_audio(175):
            audio.publish(source, data, pts, True, t0 + pts / 48000)
        for data, pts, key in encoded_video(50):
            video.publish(source, data, pts, key, t0 + 0.5 + pts / 90000)
        await asyncio.sleep(0)
        return await rec.stop()

    [entry] = asyncio.run(scenario())
    path = tmp_path / entry["file"]
    assert entry["file"] == "recordings/c1/taxpayer.webm"
    assert entry["streams"] == {"video": 1, "audio": 1}
    assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert entry["size"] == path.stat().st_size
    with av.open(str(path)) as c:
        assert abs(c.duration / 1e6 - 3.5) < 0.2
        first_video = next(c.demux(video=0)).pts * c.streams.video[0].time_base
        assert abs(first_video - 0.5) < 0.05  # placed by arrival time after the audio
    with av.open(str(path)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 50


class SlowExecutor(ThreadPoolExecutor):
    """A disk that takes 0.2 s per batch."""

    def submit(self, fn, *args):
        def slow():
            time.sleep(0.2)
            return fn(*args)

        return super().submit(slow)


def test_slow_disk_drops_until_keyframe_and_stays_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(record, "VIDEO_QUEUE", 8)

    async def scenario():
        video, audio, source = feeds()
        rec = record.PartyRecorder(
            "agent",
            video,
            audio,
            data_dir=str(tmp_path),
            call_id="c2",
            executor=SlowExecutor(1),
            encode=False,
        )
        rec.start()
        peak = 0
        t0 = time.time()
        for data, pts, key in encoded_video(120, gop=10):
            video.publish(source, data, pts, key, t0 + pts / 90000)
            peak = max(peak, len(rec.video))
            await asyncio.sleep(0.005)
        entries = await rec.stop()
        return entries, peak, rec.video.dropped

    [entry], peak, dropped = asyncio.run(scenario())
    assert peak <= 8 and dropped > 0
    with av.open(str(tmp_path / entry["file"])) as c:
        packets = [p for p in c.demux(video=0) if p.size]
        frames = sum(1 for _ in av.open(str(tmp_path / entry["file"])).decode(video=0))
    assert frames == len(packets) < 120
    # every run of frames after a gap starts at a keyframe, so all of them decode


@pytest.mark.parametrize(
    "line, ok",
    [
        ("a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host", True),
        ("a=candidate:2 1 udp 2130706431 192.0.2.2 5000 typ host", False),
        ("a=candidate:3 1 udp 2130706431 abcd-1234.local 5000 typ host", False),
        ("a=candidate:4 1 udp 2130706431 ::1 5000 typ host", True),
    ],
)
def test_loopback_candidate_filter(line, ok):
    assert is_loopback_candidate(line) is ok
    sdp = "v=0\r\n" + line + "\r\na=end-of-candidates\r\n"
    assert (line in keep_loopback_candidates(sdp)) is ok


def test_ice_servers_from_json():
    assert parse_ice_servers(None) == [] and parse_ice_servers("") == []
    [turn] = parse_ice_servers(
        '[{"urls": "turn:t.example:3478", "username": "u", "credential": "p"}]'
    )
    assert turn.urls == "turn:t.example:3478" and turn.username == "u" and turn.credential == "p"
    with pytest.raises(ValueError):
        parse_ice_servers('"stun:x"')
