"""Pure parts of the media worker: VP8 keyframe detection, the bounded fan-out, timestamp
rebasing."""

import fractions

import pytest

from rtc import vp8
from rtc.forward import Feed, Media, TimestampRebaser

# A VP8 keyframe header: frame tag (P bit clear), start code, 640x480 (no scaling).
KEY_640 = (
    bytes([0x50, 0x2D, 0x00, 0x9D, 0x01, 0x2A])
    + (640).to_bytes(2, "little")
    + (480).to_bytes(2, "little")
)
KEY_SCALED = (
    KEY_640[:6] + (640 | 0x4000).to_bytes(2, "little") + (360 | 0x8000).to_bytes(2, "little")
)
INTER = bytes([0x31, 0x20, 0x00]) + b"\x00" * 12


@pytest.mark.parametrize(
    "data, key, size",
    [
        (KEY_640 + b"\x00" * 20, True, (640, 480)),
        (
            KEY_SCALED + b"\x00" * 20,
            True,
            (640, 360),
        ),  # the 2 scaling bits are not part of the size
        (INTER, False, None),
        (bytes([0x50, 0x2D, 0x00, 0x00, 0x00, 0x00]) + b"\x00" * 8, False, None),  # no start code
        (KEY_640[:7], False, None),  # truncated
        (b"", False, None),
    ],
)
def test_vp8_keyframe_and_size(data, key, size):
    assert vp8.is_keyframe(data) is key
    assert vp8.dimensions(data) == size


class FakeSource:
    def __init__(self):
        self.requests = 0

    def request_keyframe(self):
        self.requests += 1


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def video_feed(clock=None):
    feed = Feed("taxpayer.video", "video", 90000, keyframes=True, now=clock or Clock())
    source = FakeSource()
    feed.attach(source)
    return feed, source


def publish(feed, source, n, key_every=None, start=0):
    for i in range(start, start + n):
        key = key_every is not None and i % key_every == 0
        feed.publish(source, b"k" if key else b"d", i * 3000, key, i / 30)


def test_new_subscriber_waits_for_keyframe_and_asks_for_one():
    feed, source = video_feed()
    sub = feed.subscribe(maxlen=10)
    assert source.requests == 1
    publish(feed, source, 5, key_every=5, start=1)  # frames 1..4 are interframes, 5 is a keyframe
    items = sub.drain()
    assert [i.keyframe for i in items] == [True]
    assert sub.dropped == 4


def test_overflow_drops_until_next_keyframe_and_stays_bounded():
    feed, source = video_feed()
    sub = feed.subscribe(maxlen=4)
    publish(feed, source, 30, key_every=10)  # keyframes at 0, 10, 20
    assert len(sub) <= 4
    kept = sub.drain()
    assert kept[0].payload == b"k" and len(kept) == 4  # 0..3 kept, then held: 10, 20 found it full
    publish(feed, source, 10, key_every=10, start=30)  # room again: resumes at keyframe 30
    resumed = sub.drain()
    assert resumed[0].keyframe and resumed[0].pts == 30 * 3000
    assert len(resumed) == 4


def test_audio_subscription_never_waits():
    feed = Feed("agent.audio", "audio", 48000, keyframes=False)
    source = FakeSource()
    feed.attach(source)
    sub = feed.subscribe(maxlen=3)
    for i in range(5):
        feed.publish(source, b"o", i * 960, True, i * 0.02)
    assert len(sub.drain()) == 3 and sub.dropped == 2
    feed.publish(source, b"o", 5 * 960, True, 0.1)
    assert len(sub.drain()) == 1
    assert source.requests == 0


def test_loss_holds_every_subscriber_until_keyframe():
    feed, source = video_feed()
    a, b = feed.subscribe(maxlen=100), feed.subscribe(maxlen=100)
    publish(feed, source, 3, key_every=10)
    feed.lost(source)
    publish(feed, source, 12, key_every=10, start=3)  # 3..9 interframes dropped, 10 key resumes
    for sub in (a, b):
        assert [i.pts // 3000 for i in sub.drain()] == [0, 1, 2, 10, 11, 12, 13, 14]


def test_keyframe_requests_are_rate_limited():
    clock = Clock()
    feed, source = video_feed(clock)
    for _ in range(10):
        feed.request_keyframe()
    assert source.requests == 1
    clock.now = 0.31
    feed.request_keyframe()
    feed.request_keyframe()
    assert source.requests == 2


def test_frames_from_a_replaced_source_are_ignored():
    feed, old = video_feed()
    sub = feed.subscribe(maxlen=10)
    new = FakeSource()
    feed.attach(new)
    assert new.requests == 1  # the new source is asked for a keyframe
    feed.publish(old, b"k", 0, True, 0.0)
    assert sub.drain() == []


def test_rebaser_is_identity_for_a_steady_source():
    r = TimestampRebaser(90000)
    assert [r.rebase(ts, ts / 90000) for ts in (0, 3000, 6000)] == [0, 3000, 6000]


def test_rebaser_continues_across_a_source_change():
    r = TimestampRebaser(90000)
    r.rebase(500_000, 10.0)
    r.rebase(503_000, 10.033)
    r.reset()  # peer replaced: its timestamps start anywhere
    first = r.rebase(7, 12.033)
    assert first == 503_000 + 2 * 90000
    assert r.rebase(3007, 12.066) == first + 3000


@pytest.mark.parametrize("jump", [-90000 * 5, 1 << 32])
def test_rebaser_detects_discontinuities_without_reset(jump):
    """A sender restarting its clock (screen share replaced) or aiortc's wrap guess on a backwards
    jump."""
    r = TimestampRebaser(90000)
    r.rebase(900_000, 1.0)
    out = r.rebase(900_000 + jump, 3.0)
    assert out == 900_000 + 2 * 90000
    assert r.rebase(900_000 + jump + 3000, 3.033) == out + 3000


def test_rebaser_keeps_a_pause_that_matches_the_wall_clock():
    """Chrome keeps timestamps running while a screen share is paused: the gap is real time, keep
    it."""
    r = TimestampRebaser(90000)
    r.rebase(0, 0.0)
    assert r.rebase(90000 * 2, 2.0) == 90000 * 2


def test_media_packet_is_a_fresh_copy():
    item = Media(b"\x10\x02\x00", 3000, 90000, False, 0.0)
    a, b = item.packet(), item.packet()
    assert a is not b and bytes(a) == b"\x10\x02\x00"
    assert a.pts == 3000 and a.time_base == fractions.Fraction(1, 90000) and not a.is_keyframe


def rtp(seq, ts, data=b"x"):
    from aiortc.rtp import RtpPacket

    packet = RtpPacket(payload_type=97, sequence_number=seq, timestamp=ts)
    packet._data = data
    return packet


def test_stall_breaker_drops_an_incomplete_frame_that_waited_too_long():
    from aiortc.jitterbuffer import JitterBuffer

    from rtc.jitter import StallBreaker, first_gap

    jb, breaker = JitterBuffer(capacity=128, is_video=True), StallBreaker(max_wait=0.4)
    # frame 1000 = seq 0,1,2 with 1 lost for good; frames 2000 and 3000 complete behind it
    out = [
        jb.add(rtp(seq, ts))[1]
        for seq, ts in ((0, 1000), (2, 1000), (3, 2000), (4, 2000), (5, 3000))
    ]
    assert out == [None] * 5 and first_gap(jb) == 1
    assert breaker.check(jb, now=10.0) is False  # the gap is new: NACK gets its chance
    assert breaker.check(jb, now=10.3) is False
    assert breaker.check(jb, now=10.5) is True  # waited long enough: drop frame 1000
    assert first_gap(jb) is None
    _, frame = jb.add(rtp(6, 4000))
    assert frame.timestamp == 2000  # the complete frame behind it flows again


def test_stall_breaker_ignores_a_buffer_without_gaps():
    from aiortc.jitterbuffer import JitterBuffer

    from rtc.jitter import StallBreaker

    jb, breaker = JitterBuffer(capacity=128, is_video=True), StallBreaker()
    jb.add(rtp(0, 1000))
    assert breaker.check(jb, 0.0) is False and breaker.check(jb, 5.0) is False
