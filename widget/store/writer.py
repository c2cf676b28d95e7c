"""Group commit: one writer greenlet per process gathers ready writes into one transaction.

Every conversation write (a message, a state change, a new interaction) is a small unit of work: a
function of a connection. Callers hand it to the writer and wait. The writer takes what is queued,
runs the units one after the other in one transaction, commits once (one fsync on SQLite, one
commit round trip on PostgreSQL), and only then gives each caller its result. Nothing is
acknowledged before the commit that holds it, so durability is what it was with one transaction
per write. A unit that fails (a duplicate client id, a lost version race) is rare, so units run
without savepoints, and the rows they insert (GroupWriter.insert: a message and its event) go in
together, one executemany a statement, before the commit; when a unit or those rows fail, the
transaction rolls back and the batch runs again with each unit in a SAVEPOINT of its own,
inserting at once, so that it rolls back and fails alone.

A unit may register a function to run once its transaction has committed (after_commit): the
search indexer's mark, for one. A unit that fails drops its functions with its savepoint.

Batches form by themselves: while the writer is busy (SQLite blocks the loop for the whole
transaction), the next callers queue up, and the next transaction takes them all. Under light
load a batch is one unit and the cost is one greenlet switch. Under load the writer starts a
transaction at most every COMMIT_GAP_S: it waits out the rest of that time after the last one
began, while the loop serves the sockets and their units queue (SQLite's commit stops the loop,
so nothing queues during it); every commit writes each page its units touched once, so fewer,
larger commits cost less a message.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

import gevent
from gevent.event import AsyncResult
from gevent.queue import Empty, Queue
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from ..workers import os_thread_id
from .base import Prepared

log = logging.getLogger(__name__)

Work = Callable[[Connection], Any]
_HOOKS = "zhengna_after_commit"  # conn.info key: the running unit's after-commit functions
_INSERTS = "zhengna_batch_inserts"  # conn.info key: rows a batch inserts together before its commit

# At most one transaction begun every this long: at 2,000 messages a second, 0 gave 5 units a
# commit and 0.45 CPU ms a message, 6 ms 14 units and 0.37 ms (p50 3.5 -> 8.9 ms, p99 18 -> 26 /
# 33 ms); 10 ms saved little more (0.29-0.30 ms at 3,000 a second) for a longer wait
# (BENCHMARKS.md, issue 13 session 7).
COMMIT_GAP_S = 0.006
MAX_BATCH = (
    500  # units per transaction: bounds how long one commit holds the loop (SQLite) and the locks
)


class _Refused(Exception):
    """A unit of a batch run without savepoints failed: the batch runs again, unit by unit."""


class GroupWriter:
    """Runs units of work in shared transactions on one greenlet; run() returns each unit's
    result."""

    def __init__(
        self,
        engine: Engine,
        max_batch: int = MAX_BATCH,
        exit_after_commits: int = 0,
        commit_gap_s: float = COMMIT_GAP_S,
        after_each_commit: Callable[[], None] | None = None,
    ):
        self.engine, self.max_batch, self.commit_gap_s = engine, max_batch, commit_gap_s
        self.after_each_commit = after_each_commit  # the WAL checkpoints (checkpoint.py)
        self._began = -commit_gap_s  # when the last transaction began (time.monotonic())
        # a test switch: end the process right after this many group commits, before answering
        # anyone
        self.exit_after_commits = exit_after_commits
        self._queue: Queue = Queue()
        self._greenlet: gevent.Greenlet | None = None
        self._thread: int | None = None
        self.batches = 0  # transactions committed by the writer (for tests and benchmarks)
        self.units = 0  # units of work they carried
        if engine.dialect.name == "sqlite":
            _enable_sqlite_savepoints(engine)

    def run(self, work: Work) -> Any:
        """Run work(conn) in the next group transaction; return its result after the commit, or
        raise."""
        if not self._on_writer_thread():  # another OS thread (a CLI, a test's helper thread)
            return self._alone(work)
        if self._greenlet is None or self._greenlet.dead:
            self._greenlet = gevent.spawn(self._loop)
        done: AsyncResult = AsyncResult()
        self._queue.put((work, done))
        return done.get()

    def add(self, statement: Prepared, row: dict[str, Any]) -> None:
        """Insert row as a unit of work of its own (an audit row, a session); return once it has
        committed."""
        self.run(lambda conn: self.insert(conn, statement, row))

    @staticmethod
    def insert(conn: Connection, statement: Prepared, row: dict[str, Any]) -> None:
        """Insert row inside a unit of work: at once, or, in a batch running without savepoints,
        with every other row of the same statement in one executemany just before the commit. A
        unit must not read back what it inserts this way; a duplicate among the rows fails the
        batch, which then runs again unit by unit, each inserting at once."""
        batched = conn.info.get(_INSERTS)
        if batched is None:
            statement.execute(conn, row)
        else:
            batched.setdefault(id(statement), (statement, []))[1].append(row)

    @staticmethod
    def after_commit(conn: Connection, function: Callable[[], None]) -> None:
        """Call function once the transaction of the unit running on conn has committed."""
        conn.info[_HOOKS].append(function)  # a KeyError: the unit is not the writer's

    def stop(self) -> None:
        """Stop the writer once what is queued has been written."""
        if self._greenlet is not None and not self._greenlet.dead:
            self._queue.put(None)
            self._greenlet.join(timeout=10)
        self._greenlet = None

    def _on_writer_thread(self) -> bool:
        ident = os_thread_id()
        if self._thread is None:
            self._thread = ident
        return self._thread == ident

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            # the rest of the gap since the last transaction began (at least one turn of the loop:
            # the greenlets that are ready now queue theirs), then everything queued: one fsync
            gevent.sleep(max(0.0, self.commit_gap_s - (time.monotonic() - self._began)))
            self._began = time.monotonic()
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except Empty:
                    break
                if item is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(item)
            self._write(batch)

    def _write(self, batch: list[tuple[Work, AsyncResult]]) -> None:
        outcomes: list[tuple[AsyncResult, Any, BaseException | None]] = []
        retry: list[tuple[Work, AsyncResult]] = []
        hooks: list[Callable[[], None]] = []
        try:
            with self.engine.connect() as conn:
                try:
                    with conn.begin():
                        self._all_succeed(conn, batch, outcomes, hooks)
                except _Refused:  # rolled back: the units again, each in a savepoint of its own
                    outcomes, hooks = [], []
                    with conn.begin():
                        self._each_apart(conn, batch, outcomes, retry, hooks)
        except Exception as exc:  # the commit itself failed: nothing of the batch is stored
            log.warning("group commit of %d units failed, retrying each alone: %s", len(batch), exc)
            outcomes, retry, hooks = [], list(batch), []
        else:
            self.batches += 1
            self.units += len(outcomes)
            if self.batches == self.exit_after_commits:
                log.warning("exiting after group commit %d, as configured for a test", self.batches)
                os._exit(70)
            if self.after_each_commit is not None:
                self.after_each_commit()
            _call(hooks)
        for done, result, error in outcomes:
            if error is not None:
                done.set_exception(error)
            else:
                done.set(result)
        for work, done in retry:
            try:
                done.set(self._alone(work))
            except Exception as exc:
                done.set_exception(exc)

    def _all_succeed(
        self,
        conn: Connection,
        batch: list[tuple[Work, AsyncResult]],
        outcomes: list[tuple[AsyncResult, Any, BaseException | None]],
        hooks: list[Callable[[], None]],
    ) -> None:
        """Run every unit of batch straight into the transaction, without savepoints (a refusal
        is rare; two more statements for every unit are not); raise _Refused at the first unit
        that fails, for the whole transaction to roll back."""
        conn.info[_INSERTS] = {}
        try:
            for work, done in batch:
                conn.info[_HOOKS] = []
                try:
                    result = work(conn)
                except Exception as exc:
                    raise _Refused from exc
                finally:
                    unit_hooks = conn.info.pop(_HOOKS)
                outcomes.append((done, result, None))
                hooks.extend(unit_hooks)
            inserts = conn.info[_INSERTS]
        finally:
            del conn.info[_INSERTS]  # the connection goes back to the pool: nothing may stay queued
        for statement, rows in inserts.values():
            try:
                statement.executemany(conn, rows)
            except Exception as exc:  # a duplicate among them: the units run again, apart
                raise _Refused from exc

    def _each_apart(
        self,
        conn: Connection,
        batch: list[tuple[Work, AsyncResult]],
        outcomes: list[tuple[AsyncResult, Any, BaseException | None]],
        retry: list[tuple[Work, AsyncResult]],
        hooks: list[Callable[[], None]],
    ) -> None:
        """Run each unit of batch in a savepoint of its own, so that one that fails (a duplicate
        client id, a lost version race) rolls back and fails alone."""
        for work, done in batch:
            savepoint = conn.begin_nested()
            conn.info[_HOOKS] = []
            try:
                result = work(conn)
            except DBAPIError as exc:
                savepoint.rollback()
                if isinstance(exc, IntegrityError):
                    outcomes.append((done, None, exc))
                else:  # a deadlock or lock timeout with another process: try it on its own
                    retry.append((work, done))
            except Exception as exc:  # the unit's own refusal (Conflict, Duplicate, ...)
                savepoint.rollback()
                outcomes.append((done, None, exc))
            else:
                savepoint.commit()
                outcomes.append((done, result, None))
                hooks.extend(conn.info[_HOOKS])
            finally:
                del conn.info[_HOOKS]

    def _alone(self, work: Work) -> Any:
        """Run one unit in a transaction of its own, then its after-commit functions."""
        with self.engine.begin() as conn:
            conn.info[_HOOKS] = []
            try:
                result = work(conn)
                hooks = conn.info[_HOOKS]
            finally:
                del conn.info[_HOOKS]
        _call(hooks)
        return result


def _call(hooks: list[Callable[[], None]]) -> None:
    for hook in hooks:
        try:
            hook()
        except Exception:  # what committed stays committed; the hook's owner catches up itself
            log.exception("an after-commit function failed")


def _enable_sqlite_savepoints(engine: Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, begin transactions, so SAVEPOINTs work
    (SQLAlchemy's recipe)."""

    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")
