"""Calls: each party's peer connection, the feeds between them, the recorders, and teardown."""

import asyncio
import logging
import time
from collections import Counter
from concurrent.futures import Executor, ThreadPoolExecutor

from aiortc import RTCPeerConnection, RTCRtpSender, RTCSessionDescription

from rtc.config import Settings
from rtc.events import Events
from rtc.forward import Feed, ForwardTrack
from rtc.hooks import (
    DecodedSource,
    ReceiverTap,
    drop_incoming,
    forward_keyframe_requests,
    route_rtx,
)
from rtc.ice import configuration, keep_loopback_candidates
from rtc.mux import RATES
from rtc.record import PartyRecorder, ScreenRecorder

log = logging.getLogger("rtc.calls")

ROLES = ("taxpayer", "agent")
FEEDS = {
    "taxpayer.audio": "audio",
    "taxpayer.video": "video",
    "taxpayer.screen": "video",
    "agent.audio": "audio",
    "agent.video": "video",
}
# Per m-line of the browser's offer: (kind, our direction, feed we receive into, feed we send from).
LAYOUT = {
    "taxpayer": [
        ("audio", "sendrecv", "taxpayer.audio", "agent.audio"),
        ("video", "sendrecv", "taxpayer.video", "agent.video"),
        ("video", "recvonly", "taxpayer.screen", None),
    ],
    "agent": [
        ("audio", "sendrecv", "agent.audio", "taxpayer.audio"),
        ("video", "sendrecv", "agent.video", "taxpayer.video"),
        ("video", "sendonly", None, "taxpayer.screen"),
    ],
}
# A viewer queue: enough for a burst after a keyframe (about 3 s of video), small enough to stay
# live.
VIEWER_QUEUE = {"video": 60, "audio": 150}
FORWARDED_MIMES = {"video": ("video/vp8", "video/rtx"), "audio": ("audio/opus",)}


class OfferError(ValueError):
    """The offer cannot be answered (bad SDP, unexpected m-lines)."""


def preferred_codecs(kind: str) -> list:
    """Only what is forwarded: VP8 (with RTX for retransmissions) or Opus."""
    return [
        c
        for c in RTCRtpSender.getCapabilities(kind).codecs
        if c.mimeType.lower() in FORWARDED_MIMES[kind]
    ]


def offer_kinds(sdp: str) -> list[str]:
    return [line[2:].split(" ", 1)[0] for line in sdp.splitlines() if line.startswith("m=")]


class Peer:
    """One party's RTCPeerConnection with its sources (what it sends us) and tracks (what we send
    it)."""

    def __init__(self, role: str, pc: RTCPeerConnection) -> None:
        self.role = role
        self.pc = pc
        self.sources: list = []
        self.tracks: list[ForwardTrack] = []
        self.inbound: dict = {}
        self.closed = False
        self.failed = False

    @property
    def state(self) -> str:
        return "failed" if self.failed else self.pc.connectionState

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for source in self.sources:
            source.feed.detach(source)
            if isinstance(source, DecodedSource):
                source.stop()
        for track in self.tracks:
            track.stop()
        await self.pc.close()


class Call:
    """Both parties of one call, relayed through feeds and recorded."""

    def __init__(
        self, call_id: str, settings: Settings, executor: Executor, events: Events
    ) -> None:
        self.id = call_id
        self.settings = settings
        self.forward = settings.mode == "forward"
        self.started = time.time()
        self.peers: dict[str, Peer] = {}
        self.feeds = {
            name: Feed(name, kind, RATES[kind], keyframes=self.forward and kind == "video")
            for name, kind in FEEDS.items()
        }
        self._events = events
        self._lock = asyncio.Lock()
        self._forwarded: Counter = Counter()
        common = dict(
            data_dir=settings.data_dir, call_id=call_id, executor=executor, encode=not self.forward
        )
        self.recorders = [
            PartyRecorder(
                party, self.feeds[f"{party}.video"], self.feeds[f"{party}.audio"], **common
            )
            for party in ROLES
        ] + [ScreenRecorder(self.feeds["taxpayer.screen"], **common)]
        for recorder in self.recorders:
            recorder.start()

    async def answer(self, role: str, sdp: str) -> str:
        """Answer `role`'s offer with a new peer (replacing any previous one); return the answer
        SDP."""
        kinds = offer_kinds(sdp)
        layout = LAYOUT[role]
        if (
            not kinds
            or len(kinds) > len(layout)
            or any(k != layout[i][0] for i, k in enumerate(kinds))
        ):
            raise OfferError(
                f"{role} offer must have m-lines {[m[0] for m in layout]}, got {kinds}"
            )
        if self.settings.loopback_only:
            sdp = keep_loopback_candidates(sdp)
        async with self._lock:
            old = self.peers.get(role)
            peer = self._build(role, len(kinds))
            try:
                await peer.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
                await peer.pc.setLocalDescription(await peer.pc.createAnswer())
            except Exception as exc:  # aiortc raises ValueError, OperationError, ... for bad offers
                await self._retire(peer)
                if old is not None and not old.closed:
                    for source in old.sources:
                        source.feed.attach(source)
                raise OfferError(f"cannot answer the offer: {exc}") from exc
            self.peers[role] = peer
            if old is not None:
                await self._retire(old)
            return peer.pc.localDescription.sdp

    def _build(self, role: str, count: int) -> Peer:
        peer = Peer(role, RTCPeerConnection(configuration(self.settings.ice_servers)))
        for kind, direction, inbound, outbound in LAYOUT[role][:count]:
            transceiver = peer.pc.addTransceiver(kind, direction=direction)
            transceiver.setCodecPreferences(preferred_codecs(kind))
            if inbound:
                peer.inbound[transceiver] = self.feeds[inbound]
            if outbound:
                feed = self.feeds[outbound]
                track = ForwardTrack(feed.subscribe(VIEWER_QUEUE[kind]), encoded=self.forward)
                transceiver.sender.replaceTrack(track)
                if self.forward and kind == "video":
                    forward_keyframe_requests(transceiver.sender, feed)
                peer.tracks.append(track)

        @peer.pc.on("track")
        def on_track(track) -> None:
            self._attach(peer, track)

        @peer.pc.on("connectionstatechange")
        async def on_state() -> None:
            await self._state_changed(peer)

        return peer

    def _attach(self, peer: Peer, track) -> None:
        """Runs before the receiver starts: hook its decoder queue (forward) or read its frames
        (decode)."""
        transceiver = next(
            (t for t in peer.pc.getTransceivers() if t.receiver.track is track), None
        )
        feed: Feed | None = peer.inbound.get(transceiver)
        if feed is None:
            return
        route_rtx(transceiver.receiver)
        if self.settings.drop_rate:
            drop_incoming(transceiver.receiver, self.settings.drop_rate)
        if self.forward:
            source = ReceiverTap(transceiver.receiver, feed)
        else:
            source = DecodedSource(track, feed)
        peer.sources.append(source)
        feed.attach(source)

    async def _state_changed(self, peer: Peer) -> None:
        if peer.failed:
            return  # closing a failed peer: its "closed" would read as the end of the call
        state = peer.pc.connectionState
        log.info("call %s %s peer %s", self.id, peer.role, state)
        if self.peers.get(peer.role) is peer:
            self._events.peer_state(self.id, peer.role, state)
        if state == "failed":
            # Keep the Peer in the call (the browser re-offers to ICE-restart); free its transports
            # now.
            peer.failed = True
            await self._retire(peer)

    async def _retire(self, peer: Peer) -> None:
        for track in peer.tracks:
            self._forwarded[track.sub.feed.name] += track.sub.delivered
        try:
            await peer.close()
        except Exception:  # closing a broken connection must never take the worker down
            log.exception("closing %s peer of call %s", peer.role, self.id)
        peer.tracks = []

    def stats(self) -> dict:
        forwarded = Counter(self._forwarded)
        for peer in self.peers.values():
            for track in peer.tracks:
                forwarded[track.sub.feed.name] += track.sub.delivered
        return {
            "peers": {
                role: (self.peers[role].state if role in self.peers else "absent") for role in ROLES
            },
            "forwarded": {name: forwarded.get(name, 0) for name in FEEDS},
            "received": {name: feed.frames_in for name, feed in self.feeds.items()},
            "keyframe_requests": {
                name: feed.keyframe_requests for name, feed in self.feeds.items()
            },
            "mode": self.settings.mode,
        }

    async def close(self) -> list[dict]:
        """Close both peers and finalise the recordings; return their index entries."""
        async with self._lock:
            for peer in list(self.peers.values()):
                await self._retire(peer)
            recordings = []
            for recorder in self.recorders:
                recordings += await recorder.stop()
            return recordings


class Registry:
    """Every live call of this worker (no globals: one Registry per app)."""

    def __init__(
        self,
        settings: Settings,
        events: Events | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.settings = settings
        self.events = events or Events(settings.events_url, settings.secret)
        self.calls: dict[str, Call] = {}
        # Recording writes: off the event loop, two files at a time.
        self.executor = executor or ThreadPoolExecutor(
            max_workers=2, thread_name_prefix="rtc-record"
        )

    def get(self, call_id: str) -> Call | None:
        return self.calls.get(call_id)

    def get_or_create(self, call_id: str) -> Call:
        call = self.calls.get(call_id)
        if call is None:
            call = self.calls[call_id] = Call(call_id, self.settings, self.executor, self.events)
        return call

    async def end(self, call_id: str) -> list[dict] | None:
        call = self.calls.pop(call_id, None)
        return None if call is None else await call.close()

    async def close(self) -> None:
        for call_id in list(self.calls):
            await self.end(call_id)
        await self.events.close()
        self.executor.shutdown(wait=True)
