"""Encoded-frame fan-out: one feed per media source, one bounded subscription per consumer (see
TESTING.md).

The shape follows aiortc's MediaRelay (a buffered queue per consumer), but what flows is encoded
frames: a consumer that falls behind or joins late is held until the next keyframe, never handed a
broken picture.
"""

import asyncio
import fractions
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

# Timestamps that disagree with the wall clock by more than this mark a new source segment (a screen
# share restarted by replaceTrack, a sender whose clock restarted). Larger than any jitter-buffer
# stall we expect.
MAX_SKEW = 3.0
# A viewer's PLI/FIR storm must not turn into a keyframe storm upstream (TESTING.md: at most every
# 0.3 s).
KEYFRAME_INTERVAL = 0.3


@dataclass(frozen=True, slots=True)
class Media:
    """One complete frame as it flows through a feed: encoded bytes (forward) or an av.Frame
    (decode)."""

    payload: Any
    pts: int
    clock_rate: int
    keyframe: bool
    arrival: float

    def packet(self) -> av.Packet:
        """Return a fresh av.Packet for this encoded frame (consumers mutate packets: never share
        one)."""
        packet = av.Packet(self.payload)
        packet.pts = packet.dts = self.pts
        packet.time_base = fractions.Fraction(1, self.clock_rate)
        packet.is_keyframe = self.keyframe
        return packet


class Source(Protocol):
    def request_keyframe(self) -> None: ...


class TimestampRebaser:
    """Map each source's timestamps onto one continuous timeline that survives source changes."""

    def __init__(self, clock_rate: int, max_skew: float = MAX_SKEW) -> None:
        self._rate = clock_rate
        self._max_skew = max_skew
        self._offset: int | None = None
        self._last_in: int | None = None
        self._last_out: int | None = None
        self._last_wall = 0.0

    def reset(self) -> None:
        """Start a new segment: the next timestamp continues from the last one, spaced by wall-clock
        time."""
        self._offset = None

    def rebase(self, timestamp: int, wall: float) -> int:
        """Return the continuous timestamp for `timestamp`, which arrived at wall-clock time
        `wall`."""
        if self._offset is not None:
            ts_delta = (timestamp - self._last_in) / self._rate
            wall_delta = wall - self._last_wall
            if ts_delta < 0 or abs(ts_delta - wall_delta) > self._max_skew:
                self._offset = None
        if self._offset is None:
            if self._last_out is None:
                start = timestamp
            else:
                start = self._last_out + max(
                    1, round(max(0.0, wall - self._last_wall) * self._rate)
                )
            self._offset = start - timestamp
        out = timestamp + self._offset
        self._last_in, self._last_out, self._last_wall = timestamp, out, wall
        return out


class Subscription:
    """One consumer's bounded queue; with keyframes on, it holds (drops) until a keyframe after a
    gap."""

    def __init__(
        self, feed: "Feed", maxlen: int, keyframes: bool, wakeup: asyncio.Event | None = None
    ) -> None:
        self.feed = feed
        self.maxlen = maxlen
        self.keyframes = keyframes
        self.waiting = False
        self.closed = False
        self.delivered = 0
        self.dropped = 0
        self._items: deque[Media] = deque()
        self._wakeup = wakeup or asyncio.Event()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: Media) -> None:
        """Queue `item`, or drop it while full or waiting for a keyframe."""
        if self.closed:
            return
        if self.waiting and not item.keyframe:
            self.dropped += 1
            self.feed.request_keyframe()
            return
        if len(self._items) >= self.maxlen:
            self.dropped += 1
            self.hold()
            return
        self.waiting = False
        self._items.append(item)
        self._wakeup.set()

    def hold(self) -> None:
        """Drop everything up to the next keyframe and ask the source for one (no-op without
        keyframes)."""
        if self.keyframes:
            self.waiting = True
            self.feed.request_keyframe()

    def drain(self) -> list[Media]:
        """Take every queued item."""
        items = list(self._items)
        self._items.clear()
        self.delivered += len(items)
        return items

    async def get(self) -> Media:
        """Wait for the next item; raise MediaStreamError once closed."""
        while not self._items:
            if self.closed:
                raise MediaStreamError
            self._wakeup.clear()
            await self._wakeup.wait()
        self.delivered += 1
        return self._items.popleft()

    def close(self) -> None:
        """Stop receiving and wake the consumer."""
        self.closed = True
        self.feed.unsubscribe(self)
        self._wakeup.set()


class Feed:
    """A party's audio, camera or screen: stable across peer replacements, fans frames out to
    subscribers."""

    def __init__(
        self,
        name: str,
        kind: str,
        clock_rate: int,
        keyframes: bool,
        now: Callable[[], float] = time.monotonic,
        keyframe_interval: float = KEYFRAME_INTERVAL,
    ) -> None:
        self.name = name
        self.kind = kind
        self.clock_rate = clock_rate
        self.keyframes = keyframes
        self.source: Source | None = None
        self.frames_in = 0
        self.keyframe_requests = 0
        self._rebaser = TimestampRebaser(clock_rate)
        self._subs: set[Subscription] = set()
        self._now = now
        self._interval = keyframe_interval
        self._last_request = float("-inf")

    def subscribe(self, maxlen: int, wakeup: asyncio.Event | None = None) -> Subscription:
        """Add a consumer; it receives nothing before the next keyframe, which is requested now."""
        sub = Subscription(self, maxlen, self.keyframes, wakeup)
        self._subs.add(sub)
        sub.hold()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    def attach(self, source: Source) -> None:
        """Make `source` the feed's producer (a new or replaced peer): rebase, hold consumers for a
        keyframe."""
        self.source = source
        self._rebaser.reset()
        self._last_request = float(
            "-inf"
        )  # the rate limit is per source: ask the new one right away
        for sub in list(self._subs):
            sub.hold()

    def detach(self, source: Source) -> None:
        if self.source is source:
            self.source = None

    def publish(
        self, source: Source, payload: Any, timestamp: int, keyframe: bool, wall: float
    ) -> Media | None:
        """Fan one complete frame out to every subscriber (ignored unless `source` is the current
        one)."""
        if source is not self.source:
            return None
        item = Media(
            payload, self._rebaser.rebase(timestamp, wall), self.clock_rate, keyframe, wall
        )
        self.frames_in += 1
        for sub in list(self._subs):
            sub.put(item)
        return item

    def lost(self, source: Source) -> None:
        """The source dropped a frame: hold every consumer until the next keyframe."""
        if source is self.source:
            for sub in list(self._subs):
                sub.hold()

    def request_keyframe(self) -> None:
        """Ask the current source for a keyframe, at most once per keyframe interval."""
        if not self.keyframes or self.source is None:
            return
        now = self._now()
        if now - self._last_request < self._interval:
            return
        self._last_request = now
        self.keyframe_requests += 1
        self.source.request_keyframe()


class ForwardTrack(MediaStreamTrack):
    """A track that yields a feed's frames to an RTCRtpSender: av.Packets are packetized, never
    encoded."""

    def __init__(self, sub: Subscription, encoded: bool = True) -> None:
        super().__init__()
        self.kind = sub.feed.kind
        self.sub = sub
        self._encoded = encoded

    async def recv(self) -> Any:
        item = await self.sub.get()
        if self._encoded:
            return item.packet()
        frame = item.payload
        frame.pts = item.pts
        frame.time_base = fractions.Fraction(1, item.clock_rate)
        return frame

    def stop(self) -> None:
        super().stop()
        self.sub.close()
