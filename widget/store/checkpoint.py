"""SQLite's WAL checkpoints in an OS thread, off the loop.

In WAL mode every commit appends its pages to the -wal file, and a checkpoint copies them back into
the database file and fsyncs it. SQLite runs one by itself inside whichever commit takes the WAL
past 1,000 pages: at 1,500 messages a second that is several a second, each blocking the loop for
its writes and its fsync (on a disk whose fsync takes 4 ms, a tenth of the loop's time). Here the
loop's connections never checkpoint (wal_autocheckpoint=0); after a group commit the writer calls
due(), and at most every INTERVAL_S one PASSIVE checkpoint runs in a thread of gevent's pool on
a connection of its own: sqlite3 lets go of the GIL for the whole checkpoint, so the loop goes on
serving. PASSIVE never waits for a reader or a writer: it copies what it can and the next one
copies the rest. The WAL file is reused from its start once a checkpoint has caught up, so it stays
small. A process that never commits through the writer (a CLI) checkpoints when it closes its
last connection, as SQLite does by itself.
"""

from __future__ import annotations

import logging
import sqlite3
import time

import gevent

log = logging.getLogger(__name__)

INTERVAL_S = 0.1  # a checkpoint every 0.1 s under load copies a few hundred pages at most


class WalCheckpoints:
    """Checkpoint the SQLite database at path in a pool thread, at most every interval_s."""

    def __init__(self, path: str, interval_s: float = INTERVAL_S) -> None:
        self.path, self.interval_s = path, interval_s
        # the pool thread's connection while no checkpoint runs: a running checkpoint takes it out
        # (one atomic pop), so close() never closes a connection under a checkpoint
        self._idle: list[sqlite3.Connection] = []
        self._running = False
        self._closed = False
        self._last = 0.0
        self.done = 0  # checkpoints run (tests, benchmarks)

    def due(self) -> None:
        """Start a checkpoint in a pool thread unless one runs or ran less than interval_s ago."""
        now = time.monotonic()
        if self._closed or self._running or now - self._last < self.interval_s:
            return
        self._running, self._last = True, now
        gevent.get_hub().threadpool.spawn(self._checkpoint)

    def close(self) -> None:
        """Close the checkpoint connection (the store's dispose); a checkpoint running now
        closes its own when it ends."""
        self._closed = True
        self._close_idle()

    def _close_idle(self) -> None:
        while True:
            try:
                db = self._idle.pop()
            except IndexError:
                return
            db.close()

    def _checkpoint(self) -> None:  # in a pool thread: nothing of gevent's here
        db = None
        try:
            try:
                db = self._idle.pop()
            except IndexError:
                db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA busy_timeout=5000")
            db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.done += 1
        except sqlite3.Error as exc:  # the next commit tries again
            log.warning("WAL checkpoint failed: %s", exc)
        finally:
            if db is not None:
                self._idle.append(db)
            self._running = False
            if self._closed:  # the store went while this ran
                self._close_idle()
