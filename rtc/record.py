"""Call recording (双录) from forwarded frames: one WebM per party (camera + microphone), one per
screen share.

The loop side decides (which file, which timestamp); the muxing runs on an executor thread in
batches. Each recorder reads bounded subscriptions, so a slow disk costs dropped frames up to a
keyframe, never memory.
"""

import abc
import asyncio
import datetime
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Executor

from rtc import vp8
from rtc.forward import Feed, Media, Subscription
from rtc.mux import RATES, Muxer

log = logging.getLogger("rtc.record")

# Queue bounds per recorder subscription: about 10 s of 20-30 fps video and 10 s of 20 ms Opus
# frames.
VIDEO_QUEUE = 300
AUDIO_QUEUE = 500
# A party whose camera never produced a keyframe within this many seconds is recorded audio-only.
AUDIO_ONLY_AFTER = 5.0
# Screen frames this far apart belong to different share segments (stopped and started again).
SEGMENT_GAP = 4.0
IDLE_POLL = 0.5


class Segment:
    """One file being written: aligns each stream by arrival time and keeps timestamps
    increasing."""

    def __init__(self, kind: str, path: str, rel: str, t0: float) -> None:
        self.kind, self.path, self.rel, self.t0 = kind, path, rel, t0
        self.muxer: Muxer | None = None
        self.result: dict | None = None
        self._first: dict[str, tuple[int, float]] = {}
        self._last: dict[str, int] = {}

    def out_pts(self, kind: str, item: Media) -> int:
        """Place `item` on the file's timeline: its stream's first frame at its arrival after t0."""
        rate = RATES[kind]
        pts0, arrival0 = self._first.setdefault(kind, (item.pts, item.arrival))
        out = item.pts - pts0 + round(max(0.0, arrival0 - self.t0) * rate)
        last = self._last.get(kind)
        if (
            last is not None and out < last + rate // 1000
        ):  # WebM ticks are 1 ms: keep them strictly rising
            out = last + rate // 1000
        self._last[kind] = out
        return out

    def duration(self) -> float:
        return max((pts / RATES[kind] for kind, pts in self._last.items()), default=0.0)

    def entry(self) -> dict:
        started = datetime.datetime.fromtimestamp(self.t0, datetime.UTC)
        return {
            "kind": self.kind,
            "file": self.rel,
            "started_at": started.isoformat(timespec="milliseconds"),
            "duration": round(self.duration(), 3),
            **(self.result or {}),
        }


def _run_ops(ops: list[Callable[[], None]]) -> None:
    for op in ops:
        try:
            op()
        except Exception:  # a failed write must not stop the recorder or the call
            log.exception("recording operation failed")


class Recorder(abc.ABC):
    """Base: a task that drains subscriptions, plans file operations and runs them on the
    executor."""

    def __init__(self, data_dir: str, call_id: str, executor: Executor, encode: bool) -> None:
        self._data_dir = data_dir
        self._call_id = call_id
        self._executor = executor
        self._encode = encode
        self._wakeup = asyncio.Event()
        self._ops: list[Callable[[], None]] = []
        self._segments: list[Segment] = []
        self._closing = False
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    def _size(self, item: Media) -> tuple[int, int] | None:
        if self._encode:
            return item.payload.width, item.payload.height
        return vp8.dimensions(item.payload)

    def _open(
        self, kind: str, name: str, t0: float, size: tuple[int, int] | None, audio: bool
    ) -> Segment:
        rel = os.path.join("recordings", self._call_id, name)
        seg = Segment(kind, os.path.join(self._data_dir, rel), rel, t0)
        encode = self._encode

        def op() -> None:
            seg.muxer = Muxer(seg.path, size, audio, encode)

        self._ops.append(op)
        self._segments.append(seg)
        return seg

    def _write(self, seg: Segment, kind: str, item: Media) -> None:
        pts = seg.out_pts(kind, item)
        self._ops.append(lambda: seg.muxer and seg.muxer.write(kind, item, pts))

    def _close(self, seg: Segment) -> None:
        def op() -> None:
            if seg.muxer is not None:
                seg.result = seg.muxer.close()

        self._ops.append(op)

    async def _flush(self) -> None:
        ops, self._ops = self._ops, []
        if ops:
            await asyncio.get_running_loop().run_in_executor(self._executor, _run_ops, ops)

    async def _run(self) -> None:
        while not self._closing:
            self._wakeup.clear()
            items = self._drain()
            if items:
                self._plan(items)
            else:
                self._idle(time.time())
            if self._ops:
                await self._flush()
            elif not items:
                try:
                    await asyncio.wait_for(self._wakeup.wait(), IDLE_POLL)
                except TimeoutError:
                    pass
        self._plan(self._drain())
        self._finish()
        await self._flush()

    async def stop(self) -> list[dict]:
        """Stop recording, close every file and return the recordings that hold any data."""
        self._closing = True
        self._unsubscribe()
        self._wakeup.set()
        if self._task is not None:
            await self._task
        return [seg.entry() for seg in self._segments if seg.result is not None]

    # subclasses: which subscriptions, how items become files
    @abc.abstractmethod
    def _drain(self) -> list[tuple[str, Media]]:
        """Implemented by each kind of recorder."""

    @abc.abstractmethod
    def _plan(self, items: list[tuple[str, Media]]) -> None:
        """Implemented by each kind of recorder."""

    @abc.abstractmethod
    def _idle(self, now: float) -> None:
        """Nothing arrived for a while: implemented by each kind of recorder."""

    @abc.abstractmethod
    def _finish(self) -> None:
        """Implemented by each kind of recorder."""

    @abc.abstractmethod
    def _unsubscribe(self) -> None:
        """Implemented by each kind of recorder."""


class PartyRecorder(Recorder):
    """A party's camera and microphone in one file, audio held back until the camera's first
    keyframe."""

    def __init__(self, party: str, video: Feed, audio: Feed, **kwargs) -> None:
        super().__init__(**kwargs)
        self.party = party
        self.video: Subscription = video.subscribe(VIDEO_QUEUE, self._wakeup)
        self.audio: Subscription = audio.subscribe(AUDIO_QUEUE, self._wakeup)
        self._pending: list[Media] = []
        self._seg: Segment | None = None

    def _drain(self) -> list[tuple[str, Media]]:
        items = [("video", i) for i in self.video.drain()] + [
            ("audio", i) for i in self.audio.drain()
        ]
        return sorted(items, key=lambda pair: pair[1].arrival)

    def _idle(self, now: float) -> None:
        """A party's file stays open through silence: a camera pause is no new segment."""

    def _plan(self, items: list[tuple[str, Media]]) -> None:
        for kind, item in items:
            if self._seg is None:
                self._start(kind, item)
            else:
                self._write(self._seg, kind, item)

    def _start(self, kind: str, item: Media) -> None:
        if kind == "audio":
            self._pending.append(item)
            if item.arrival - self._pending[0].arrival >= AUDIO_ONLY_AFTER:
                self._open_party(None, None)
            return
        size = self._size(item)
        if size is None:
            self.video.hold()
            return
        self._open_party(size, item)

    def _open_party(self, size: tuple[int, int] | None, keyframe: Media | None) -> None:
        arrivals = [p.arrival for p in self._pending] + ([keyframe.arrival] if keyframe else [])
        self._seg = self._open(self.party, f"{self.party}.webm", min(arrivals), size, audio=True)
        for pending in self._pending:
            self._write(self._seg, "audio", pending)
        self._pending = []
        if keyframe is not None:
            self._write(self._seg, "video", keyframe)

    def _finish(self) -> None:
        if self._seg is None and self._pending:
            self._open_party(None, None)
        if self._seg is not None:
            self._close(self._seg)

    def _unsubscribe(self) -> None:
        self.video.close()
        self.audio.close()


class ScreenRecorder(Recorder):
    """The taxpayer's screen share: a new file for each segment (frames more than SEGMENT_GAP
    apart)."""

    def __init__(self, feed: Feed, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sub: Subscription = feed.subscribe(VIDEO_QUEUE, self._wakeup)
        self._seg: Segment | None = None
        self._last_arrival = 0.0
        self._count = 0

    def _drain(self) -> list[tuple[str, Media]]:
        return [("video", i) for i in self.sub.drain()]

    def _plan(self, items: list[tuple[str, Media]]) -> None:
        for _, item in items:
            if self._seg is not None and item.arrival - self._last_arrival > SEGMENT_GAP:
                self._end_segment()
            if self._seg is None:
                size = self._size(item)
                if size is None:
                    self.sub.hold()
                    continue
                self._count += 1
                self._seg = self._open(
                    "screen", f"screen-{self._count}.webm", item.arrival, size, audio=False
                )
            self._write(self._seg, "video", item)
            self._last_arrival = item.arrival

    def _idle(self, now: float) -> None:
        if self._seg is not None and now - self._last_arrival > SEGMENT_GAP:
            self._end_segment()

    def _end_segment(self) -> None:
        self._close(self._seg)
        self._seg = None
        self.sub.hold()

    def _finish(self) -> None:
        if self._seg is not None:
            self._close(self._seg)

    def _unsubscribe(self) -> None:
        self.sub.close()
