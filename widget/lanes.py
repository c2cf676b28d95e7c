"""Per-socket frame lanes: frames of different conversations served at once, each conversation's
in the order they came.

One agent console answers hundreds of conversations through one socket. Served one frame at a
time, every frame would wait for the previous frame's commit, whatever conversation it belongs to.
Here each key (a conversation's id) has a lane: its frames wait in a queue and one greenlet runs
them in order; the greenlet (a reused one, workers.py) serves it only while the lane has frames.
Lanes of different keys run concurrently. At most `limit` frames of a socket are in flight (queued
or running): past that, submit() waits, so the socket's reader stops reading and a flood stays
bounded in memory (and still meets the socket's rate limit, which the reader applies before it
submits).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable
from typing import Any

from gevent.event import Event
from gevent.lock import Semaphore

from . import workers


class Lanes:
    """Run items through run(item): in submission order per key, concurrently across keys."""

    def __init__(self, run: Callable[[Any], None], limit: int) -> None:
        self._run = run
        self._slots = Semaphore(limit)  # one per item submitted and not yet finished
        self._queues: dict[Hashable, deque] = {}  # the busy keys; a key's greenlet owns its deque
        self._idle = Event()
        self._idle.set()

    def submit(self, key: Hashable, item: Any) -> None:
        """Queue item behind key's earlier items; first wait while `limit` items are in flight."""
        self._slots.acquire()
        queue = self._queues.get(key)
        if queue is not None:  # the lane's greenlet is running: it takes this one in its turn
            queue.append(item)
            return
        self._queues[key] = deque([item])
        self._idle.clear()
        workers.spawn(self._drain, key)

    def wait_idle(self) -> None:
        """Wait until every submitted item has run."""
        self._idle.wait()

    @property
    def busy(self) -> int:
        """Return how many keys have a lane running now."""
        return len(self._queues)

    def _drain(self, key: Hashable) -> None:
        queue = self._queues[key]
        try:
            while queue:  # no switch between the last check and the removal below: none is lost
                item = queue.popleft()
                try:
                    self._run(item)
                finally:
                    self._slots.release()
        finally:
            for _ in self._queues.pop(key):  # only if run raised: what it left is not run
                self._slots.release()
            if not self._queues:
                self._idle.set()
