"""The places where the worker reaches into aiortc 1.16.0's internals, and the check that they still
exist.

Forward mode depends on: the receiver's name-mangled decoder queue and jitter buffer,
`_handle_rtp_packet`, `_send_rtcp_pli`, the sender's `_send_keyframe`, and the sender's `pack()`
path for av.Packet. If any is missing (a different aiortc), the worker runs in decode mode instead
and says so. Both modes also register RTX SSRCs with the transport's RTP router (`route_rtx`), which
only warns when that router changed.
"""

import asyncio
import inspect
import logging
import random
import threading
import time
from collections.abc import Callable

from aiortc import RTCRtpReceiver, RTCRtpSender
from aiortc.codecs import get_encoder
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from rtc import vp8
from rtc.forward import Feed
from rtc.jitter import StallBreaker

log = logging.getLogger("rtc.hooks")

_QUEUE = "_RTCRtpReceiver__decoder_queue"
_JITTER = "_RTCRtpReceiver__jitter_buffer"


class _FakeTransport:
    state = "new"


def check_internals() -> list[str]:
    """Return what forward mode needs from aiortc and cannot find (empty when everything is
    there)."""
    missing = []
    try:
        receiver = RTCRtpReceiver("video", _FakeTransport())
    except Exception as exc:  # any change in the constructor means the hooks cannot be trusted
        return [f"RTCRtpReceiver('video', transport) failed: {exc!r}"]
    if not callable(getattr(getattr(receiver, _QUEUE, None), "put", None)):
        missing.append(f"RTCRtpReceiver.{_QUEUE}")
    jitter = getattr(receiver, _JITTER, None)
    if not callable(getattr(jitter, "add", None)) or not callable(
        getattr(jitter, "smart_remove", None)
    ):
        missing.append(f"RTCRtpReceiver.{_JITTER}.add/smart_remove")
    elif not all(hasattr(jitter, name) for name in ("_packets", "_origin", "_capacity")):
        missing.append("JitterBuffer._packets/_origin/_capacity")
    for cls, name in (
        (RTCRtpReceiver, "_send_rtcp_pli"),
        (RTCRtpReceiver, "_handle_rtp_packet"),
        (RTCRtpSender, "_send_keyframe"),
        (RTCRtpSender, "_next_encoded_frame"),
    ):
        if not callable(getattr(cls, name, None)):
            missing.append(f"{cls.__name__}.{name}")
    try:
        if ".pack(" not in inspect.getsource(RTCRtpSender._next_encoded_frame):
            missing.append("RTCRtpSender encoded-packet path (pack)")
        for mime, rate in (("video/VP8", 90000), ("audio/opus", 48000)):
            codec = RTCRtpCodecParameters(mimeType=mime, clockRate=rate, payloadType=96)
            if not callable(getattr(get_encoder(codec), "pack", None)):
                missing.append(f"{mime} encoder pack()")
    except (OSError, TypeError, AttributeError) as exc:
        missing.append(f"RTCRtpSender encoded-packet path: {exc!r}")
    return missing


def drop_incoming(
    receiver: RTCRtpReceiver, rate: float, rng: Callable[[], float] = random.random
) -> None:
    """Test switch: drop `rate` of the receiver's incoming RTP packets before NACK and the jitter
    buffer."""
    handle = receiver._handle_rtp_packet

    async def lossy(packet, arrival_time_ms: int) -> None:
        if rng() >= rate:
            await handle(packet, arrival_time_ms)

    receiver._handle_rtp_packet = lossy


def route_rtx(receiver: RTCRtpReceiver) -> None:
    """Register the receiver's RTX SSRCs with the transport's RTP router once it starts receiving.

    aiortc routes RTX packets by payload type alone; with two video receivers in one BUNDLE (camera
    and screen) the type is ambiguous and every retransmission is dropped, so a lost packet stalls
    the video.
    """
    receive = receiver.receive

    async def receive_and_route(parameters) -> None:
        await receive(parameters)
        router = getattr(receiver.transport, "_rtp_router", None)
        table = getattr(router, "ssrc_table", None)
        if not isinstance(table, dict):
            log.warning("cannot route RTX: RTCDtlsTransport._rtp_router.ssrc_table is missing")
            return
        for encoding in parameters.encodings:
            if encoding.rtx is not None:
                table[encoding.rtx.ssrc] = receiver

    receiver.receive = receive_and_route


def forward_keyframe_requests(sender: RTCRtpSender, feed: Feed) -> None:
    """Send a viewer's PLI/FIR upstream (rate-limited by the feed) instead of to an encoder we do
    not use."""
    sender._send_keyframe = feed.request_keyframe


class ReceiverTap:
    """Stands in for an RTCRtpReceiver's decoder queue: complete encoded frames go to a feed,
    undecoded.

    aiortc's decoder thread still starts and blocks in get() until the receiver stops (put(None)).
    """

    def __init__(
        self, receiver: RTCRtpReceiver, feed: Feed, clock: Callable[[], float] = time.time
    ) -> None:
        self.receiver = receiver
        self.feed = feed
        self.ssrc: int | None = None
        self.lost = 0
        self._clock = clock
        self._stopped = threading.Event()
        self._pending_pli = False
        self._video = feed.kind == "video"
        jitter = getattr(receiver, _JITTER)
        self._jitter = jitter
        self._jitter_add = jitter.add
        self.stalls = StallBreaker()
        jitter.add = self._add
        setattr(receiver, _QUEUE, self)

    # -- the queue.Queue protocol aiortc uses ------------------------------------------------
    def put(self, item) -> None:
        if item is None:
            self._stopped.set()
            return
        codec, frame = item
        keyframe = vp8.is_keyframe(frame.data) if self._video else True
        self.feed.publish(self, frame.data, frame.timestamp, keyframe, self._clock())

    def get(self, *args, **kwargs) -> None:
        self._stopped.wait()
        return None

    # -- jitter buffer and keyframe requests -------------------------------------------------
    def _add(self, packet):
        self.ssrc = packet.ssrc
        if self._pending_pli:
            self._pending_pli = False
            self.request_keyframe()
        pli, frame = self._jitter_add(packet)
        if self._video:
            if frame is None and self.stalls.check(self._jitter, self._clock()):
                pli = True  # aiortc sends the PLI
            if pli:
                self.lost += 1
                self.feed.lost(self)
        return pli, frame

    def request_keyframe(self) -> None:
        """Send a PLI to the browser for this stream (deferred until its SSRC is known)."""
        if not self._video:
            return
        if self.ssrc is None:
            self._pending_pli = True
            return
        asyncio.ensure_future(self.receiver._send_rtcp_pli(self.ssrc))


class DecodedSource:
    """Decode mode: read a remote track's decoded frames into a feed (aiortc's own decoder does the
    work)."""

    def __init__(
        self, track: MediaStreamTrack, feed: Feed, clock: Callable[[], float] = time.time
    ) -> None:
        self.feed = feed
        self._track = track
        self._clock = clock
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        try:
            while True:
                frame = await self._track.recv()
                if frame.pts is None:
                    continue
                self.feed.publish(self, frame, frame.pts, True, self._clock())
        except (MediaStreamError, asyncio.CancelledError):
            pass

    def request_keyframe(self) -> None:
        """Decoded frames need no keyframe from upstream."""

    def stop(self) -> None:
        self._task.cancel()
