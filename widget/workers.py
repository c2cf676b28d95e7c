"""Short jobs on greenlets kept for reuse: a frame's lane, a socket's burst of writes.

Under load every message starts a few greenlets that live a few milliseconds: the lane that runs
the frame (lanes.py) and the writers of the sockets it reaches (sessions.py). Spawning one costs
~20 µs of CPU on CPython 3.11 (its first frame maps a 16-KiB data stack, unmapped again when it
dies), waking a parked one ~5 µs. So a greenlet whose job is done parks here, up to KEEP of them
for each OS thread, and the next job wakes it. Each job runs in an empty context, as on a new
greenlet, so nothing one job sets in a context variable reaches the next.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from typing import Any

import gevent
from gevent.event import Event
from gevent.monkey import get_original

log = logging.getLogger(__name__)

# parked greenlets kept for each OS thread: above what is in flight at once at 3,000 messages a
# second (a hundred or two), and at most a few MB (each holds its data stack)
KEEP = 512
# The OS thread's id: once gevent has patched threading, threading.get_ident names the greenlet.
os_thread_id = get_original("_thread", "get_ident")


class Job:
    """A function running on a worker greenlet: dead once it has returned, or raised error."""

    __slots__ = ("function", "args", "dead", "error", "_done")

    def __init__(self, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.function, self.args = function, args
        self.dead = False
        self.error: Exception | None = None
        self._done: Event | None = None  # made only for someone who joins

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the job has ended, at most timeout seconds; return whether it has."""
        if self.dead:
            return True
        if self._done is None:
            self._done = Event()
        return self._done.wait(timeout)

    def _run(self) -> None:
        try:
            contextvars.Context().run(self.function, *self.args)
        except Exception as exc:  # a job's own failure ends the job, not the greenlet that ran it
            self.error = exc
            log.exception("a job on a worker greenlet failed")
        finally:
            self.dead = True
            if self._done is not None:
                self._done.set()


class _Worker:
    __slots__ = ("job", "wake", "greenlet")

    def __init__(self, job: Job) -> None:
        self.job: Job | None = job
        self.wake = Event()
        self.greenlet: gevent.Greenlet | None = None


class Workers:
    """Run jobs on parked greenlets, starting a new one only when none is parked."""

    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._parked: dict[int, list[_Worker]] = {}  # by OS thread
        self.started = 0  # greenlets started (tests, benchmarks)

    def spawn(self, function: Callable[..., Any], *args: Any) -> Job:
        """Run function(*args) on a worker greenlet, from the next turn of the loop, as
        gevent.spawn does."""
        job = Job(function, args)
        parked = self._parked.setdefault(os_thread_id(), [])
        while parked:
            worker = parked.pop()
            if worker.greenlet and not worker.greenlet.dead:  # not killed while parked (killall)
                worker.job = job
                worker.wake.set()
                return job
        self.started += 1
        worker = _Worker(job)
        worker.greenlet = gevent.spawn(self._serve, worker, parked)
        return job

    def parked(self) -> int:
        """Return how many greenlets are parked for this OS thread."""
        return len(self._parked.get(os_thread_id(), ()))

    def _serve(self, worker: _Worker, parked: list[_Worker]) -> None:
        while True:
            job, worker.job = worker.job, None
            assert job is not None
            job._run()
            if len(parked) >= self.keep:
                return  # enough are parked: this greenlet ends
            worker.wake.clear()
            parked.append(worker)
            worker.wake.wait()


workers = Workers()  # the process's: greenlets are the loop's, as the loop is the process's
spawn = workers.spawn
