"""Forwarding under packet loss (--drop-rate), and the decode-mode fallback still relaying and
recording."""

import asyncio
import itertools
import os
import time

import aiohttp
import av
import pytest

from rtc import ice
from rtc.testpeer import ClientPeer, SyntheticAudio, SyntheticVideo, WorkerProcess, wait_for

ice.use_loopback_only()
FPS = 15
SECONDS = 10


@pytest.fixture
def lossy_worker(tmp_path):
    proc = WorkerProcess(tmp_path, "--drop-rate", "0.05")
    yield proc
    proc.stop()


@pytest.fixture
def decode_worker(tmp_path):
    proc = WorkerProcess(tmp_path, "--mode", "decode")
    yield proc
    proc.stop()


async def call(worker, seconds, screen=True):
    """Run one call for `seconds` once media flows; return both peers, the stats and the
    recordings."""
    async with aiohttp.ClientSession() as s:
        taxpayer = ClientPeer("taxpayer", [SyntheticAudio(), SyntheticVideo(fps=FPS, seed=1), None])
        agent = ClientPeer("agent", [SyntheticAudio(), SyntheticVideo(fps=FPS, seed=2), None])
        await taxpayer.connect(s, worker, "lossy")
        await agent.connect(s, worker, "lossy")
        await wait_for(
            lambda: taxpayer.connected_at and agent.connected_at, 10, "both peers connected"
        )
        if screen:
            taxpayer.transceivers[2].sender.replaceTrack(SyntheticVideo(480, 270, fps=5, seed=3))
        await wait_for(
            lambda: agent.received[1] > 0 and taxpayer.received[1] > 0, 10, "first frames"
        )
        media_from = time.time()
        await asyncio.sleep(seconds)  # the call itself: media flows for this long
        async with s.get(f"{worker.url}/calls/lossy", headers=worker.headers) as r:
            stats = await r.json()
        async with s.delete(f"{worker.url}/calls/lossy", headers=worker.headers) as r:
            recordings = (await r.json())["recordings"]
        await taxpayer.close()
        await agent.close()
        return taxpayer, agent, media_from, stats, recordings


def per_second(times, start, seconds):
    counts = [0] * seconds
    for t in times:
        slot = int(t - start)
        if 0 <= slot < seconds:
            counts[slot] += 1
    return counts


def test_picture_keeps_recovering_with_five_percent_loss(lossy_worker):
    taxpayer, agent, start, stats, recordings = asyncio.run(call(lossy_worker, SECONDS))
    for peer in (agent, taxpayer):
        seconds = per_second(peer.times[1], start, SECONDS)
        # frames keep decoding to the end: no two-second stretch without a picture, and most frames
        # arrive
        assert all(a + b > 0 for a, b in itertools.pairwise(seconds)), seconds
        assert sum(seconds[-3:]) > 0 and sum(seconds) >= FPS * SECONDS * 0.5, seconds
    assert (
        stats["received"]["taxpayer.video"] >= FPS * SECONDS * 0.8
    )  # NACK/RTX recovered most losses
    party = next(r for r in recordings if r["kind"] == "taxpayer")
    with av.open(os.path.join(lossy_worker.data_dir, party["file"])) as c:
        assert sum(1 for _ in c.decode(video=0)) >= FPS * SECONDS * 0.5


def test_decode_mode_fallback_relays_and_records(decode_worker):
    assert "mode=decode" in decode_worker.banner
    taxpayer, agent, start, stats, recordings = asyncio.run(call(decode_worker, 4))
    assert stats["mode"] == "decode"
    assert agent.received[1] > 10 and agent.received[0] > 20 and agent.received[2] > 0
    assert taxpayer.received[1] > 10 and taxpayer.received[0] > 20
    kinds = {r["kind"]: r for r in recordings}
    assert kinds["taxpayer"]["streams"] == {"video": 1, "audio": 1}
    with av.open(os.path.join(decode_worker.data_dir, kinds["taxpayer"]["file"])) as c:
        assert sum(1 for _ in c.decode(video=0)) > 10
