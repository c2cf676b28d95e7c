"""Per-connection outbox: one writer per socket, events in sequence, resume, flow control."""

import logging
import time
from collections import deque

from . import protocol, workers

log = logging.getLogger(__name__)

_CLOSE = object()
# frames a writer gathers from its queue into one write: an agent's socket serving hundreds of
# conversations gets frames faster than one write a frame (a syscall each) sends them
WRITE_FRAMES = 64


class TokenBucket:
    """Allow rate events a second on average with bursts up to burst."""

    def __init__(self, rate, burst, clock=time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.stamp = float(burst), clock()

    def take(self):
        """Return 0 if one event may pass now, else the seconds to wait."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class Connection:
    """A client socket's outbound side: the only code that writes to it. ws has send_many(texts),
    the frames in one write, and close(code, reason)."""

    def __init__(self, ws, role, bus, events_after, sync_batch, on_send=None):
        self.ws = ws
        self.role = role
        self.bus = bus
        self.events_after = events_after  # (interaction_id, seq, limit) -> stored event frames
        self.sync_batch = sync_batch
        self.on_send = on_send
        self.delivered = {}  # interaction id -> highest seq sent to this client
        self.acked = {}  # interaction id -> highest seq the client confirmed
        self._handles = {}  # channel -> bus handle
        self._queue = deque()  # only the writer takes from it, and it never waits on it
        # the writer (a job on a reused greenlet, workers.py) runs while there is something to
        # send: an idle socket holds none
        self._writer = None
        self._ended = False  # closed or failed: no writer is started again
        self.closed = False

    # -- what other greenlets call -----------------------------------------------------------

    def send(self, frame):
        """Queue a frame for this client (replies, errors, ephemeral notices)."""
        self._put(("frame", frame))

    def listen(self, channel):
        """Forward every bus message on channel to this client."""
        if channel not in self._handles:
            self._handles[channel] = self.bus.subscribe(channel, self._on_bus)

    def watch(self, interaction_id, last_seq=0):
        """Follow an interaction: send what came after last_seq, then everything new, in order."""
        self.delivered[interaction_id] = last_seq  # the client says what it has; it drops repeats
        self.listen(f"ix:{interaction_id}")
        self._put(("catch_up", interaction_id))

    def unwatch(self, interaction_id):
        """Stop following an interaction (an agent's tab closed, a transfer away)."""
        self.delivered.pop(interaction_id, None)
        handle = self._handles.pop(f"ix:{interaction_id}", None)
        if handle is not None:
            self.bus.unsubscribe(handle)

    def catch_up(self):
        """Send whatever the store holds past what this client was sent, for every followed
        interaction (the bus may have lost events while it reconnected)."""
        for interaction_id in list(self.delivered):
            self._put(("refresh", interaction_id))

    def ack(self, interaction_id, seq):
        """Record the highest sequence the client says it has."""
        if seq > self.acked.get(interaction_id, 0):
            self.acked[interaction_id] = seq

    def close(self, code=1000, reason=""):
        """Flush what is queued, then close the socket and drop subscriptions."""
        if self.closed:
            return
        self.closed = True
        for handle in self._handles.values():
            self.bus.unsubscribe(handle)
        self._handles.clear()
        self._put((_CLOSE, (code, reason)))

    def join(self, timeout=None):
        """Wait until the writer has finished."""
        if self._writer is not None:
            self._writer.join(timeout)

    # -- the writer greenlet -----------------------------------------------------------------

    def _on_bus(self, message):
        self._put(("bus", message))

    def _put(self, item):
        self._queue.append(item)
        if not self._ended and (self._writer is None or self._writer.dead):
            self._writer = workers.spawn(self._write_loop)

    def _write_loop(self):
        while self._queue:  # once all is sent the writer ends: the next frame starts one again
            texts, frames = [], []
            try:
                while self._queue and len(frames) < WRITE_FRAMES:
                    kind, item = self._queue.popleft()
                    if kind is _CLOSE:
                        self._write(texts, frames)
                        self._ended = True
                        self.ws.close(*item)
                        return
                    for frame in self._frames_for(kind, item):
                        texts.append(self._encode(frame, item if kind == "bus" else None))
                        frames.append(frame)
                self._write(texts, frames)
            except Exception as exc:  # the socket is gone: stop writing, the reader ends too
                log.debug("writer of %s connection stopped: %s", self.role, exc)
                self._ended = self.closed = True
                for handle in self._handles.values():
                    self.bus.unsubscribe(handle)
                self._handles.clear()
                return

    def _frames_for(self, kind, item):
        if kind == "frame":
            return [item]
        if kind == "bus" and item["kind"] == "close":  # revoked elsewhere: say why, then close
            self.close(item["code"], item["frame"]["code"])
            return [item["frame"]]
        if kind == "catch_up":
            frames = self._gap(item, None)
        elif kind == "refresh":
            frames = self._gap(item, None, done=False)
        elif item["kind"] == "ephemeral":
            return [] if item.get("from_role") == self.role else [item["frame"]]
        else:
            frames = self._gap(item["frame"]["interaction_id"], item["frame"])
        if self.role == "taxpayer":
            frames = [frame for frame in frames if not frame.get("internal")]
        return frames

    def _gap(self, interaction_id, frame, done=True):
        """Return the frames that bring the client up to frame (or up to date, then sync.done
        unless done is False), none twice."""
        if interaction_id not in self.delivered:
            return []
        have = self.delivered[interaction_id]
        if frame is not None and frame["seq"] <= have:
            return []  # already sent: a catch-up raced the live event
        if frame is not None and frame["seq"] == have + 1:
            out = [frame]
        else:
            out = []
            while True:
                batch = self.events_after(interaction_id, have, self.sync_batch)
                out.extend(batch)
                if len(batch) < self.sync_batch:
                    break
                have = batch[-1]["seq"]
        if out:
            self.delivered[interaction_id] = max(self.delivered[interaction_id], out[-1]["seq"])
        if frame is None and done:
            out.append(
                {
                    "type": "sync.done",
                    "interaction_id": interaction_id,
                    "seq": self.delivered[interaction_id],
                }
            )
        return out

    def _write(self, texts, frames):
        """Send the frames gathered, in one write."""
        if texts:
            self.ws.send_many(texts)
        if self.on_send:
            for frame in frames:
                self.on_send(frame)

    @staticmethod
    def _encode(frame, message=None):
        if message is not None and frame is message.get("frame"):
            # a live event fanned out to every follower in this process: encoded once, on the bus
            # message
            text = message.get("_text")
            if text is None:
                text = message["_text"] = protocol.encode(frame)
            return text
        return protocol.encode(frame)
