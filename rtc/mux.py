"""WebM files, written on a worker thread: copies of forwarded packets (forward mode) or encoded
frames (decode).

Everything here blocks (disk, libvpx): call it through an executor, never from the event loop.
"""

import fractions
import hashlib
import os

import av

from rtc.forward import Media

RATES = {"video": 90000, "audio": 48000}
# Decode mode only: the fallback recorder must encode what it was handed.
ENCODE_BITRATE = 600_000


class Muxer:
    """One WebM file with a VP8 stream (when `video_size`) and an Opus stream (when `audio`)."""

    def __init__(
        self, path: str, video_size: tuple[int, int] | None, audio: bool, encode: bool
    ) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.path = path
        self.encode = encode
        self.container = av.open(path, "w", format="webm")
        self.streams: dict[str, av.stream.Stream] = {}
        self.written = {"video": 0, "audio": 0}
        if video_size:
            stream = self.container.add_stream("libvpx", rate=30)
            stream.width, stream.height = video_size
            stream.pix_fmt = "yuv420p"
            stream.time_base = fractions.Fraction(1, RATES["video"])
            if encode:
                stream.bit_rate = ENCODE_BITRATE
                stream.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
            self.streams["video"] = stream
        if audio:
            stream = self.container.add_stream("libopus", rate=RATES["audio"])
            stream.time_base = fractions.Fraction(1, RATES["audio"])
            if encode:
                stream.layout = "stereo"
                stream.format = "s16"
            self.streams["audio"] = stream

    def write(self, kind: str, item: Media, pts: int) -> None:
        """Mux one frame at `pts` (in 1/clock-rate units of its kind); frames of a missing stream
        are dropped."""
        stream = self.streams.get(kind)
        if stream is None:
            return
        if not self.encode:
            packet = item.packet()
            packet.pts = packet.dts = pts
            packet.stream = stream
            self.container.mux(packet)
        else:
            self._encode(kind, stream, item.payload, pts)
        self.written[kind] += 1

    def _encode(self, kind: str, stream, frame, pts: int) -> None:
        # The frame is shared with the viewers' encoders, which read its pts: encode a private copy.
        if kind == "video":
            frame = frame.reformat(width=stream.width, height=stream.height, format="yuv420p")
            frame = av.VideoFrame.from_ndarray(frame.to_ndarray(), format="yuv420p")
        else:
            copy = av.AudioFrame.from_ndarray(
                frame.to_ndarray(), format=frame.format.name, layout=frame.layout.name
            )
            copy.sample_rate = frame.sample_rate
            frame = copy
        frame.pts = pts
        frame.time_base = fractions.Fraction(1, RATES[kind])
        for packet in stream.encode(frame):
            self.container.mux(packet)

    def close(self) -> dict:
        """Flush and close the file; return its size, SHA-256 and stream counts."""
        if self.encode:
            for stream in self.streams.values():
                for packet in stream.encode(None):
                    self.container.mux(packet)
        self.container.close()
        digest = hashlib.sha256()
        with open(self.path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        return {
            "size": os.path.getsize(self.path),
            "sha256": digest.hexdigest(),
            "streams": {kind: int(kind in self.streams) for kind in ("video", "audio")},
        }
