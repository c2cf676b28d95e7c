"""PostgreSQL's transcript indexing after the commit: messages counted and indexed in batches.

(SQLite's index is a file of its own, kept by a process of its own: transcripts.py.)

A message's own transaction stores the message and its event, nothing more. Once it has committed,
the writer's after-commit hook marks its conversation here; a batcher greenlet takes the marked
conversations a few at a time and, for each, indexes the messages stored after the conversation's
high-water mark (report_facts.indexed_seq), adds them to report_facts.messages and moves the mark
to the conversation's seq, in one transaction of its own, off every request's path.

Durable without a queue table: the mark is in the database, so a message committed but not yet
indexed when the process dies is found at the next start (catch_up: every conversation whose seq
is past its mark). The mark moves by compare-and-set, so two processes that both marked a
conversation (a taxpayer on one, the agent on the other) never index a message twice.

What stays in the message's transaction (facts.py): everything a report reads about state
(created, changed, rated). What moved here: the transcript index and the messages count, which no
report figure reads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import gevent
from gevent.event import Event
from gevent.lock import Semaphore
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.engine import Connection, Engine

from .. import search
from ..workers import os_thread_id
from .schema import interactions, messages, report_facts

log = logging.getLogger(__name__)

GATHER_S = 0.2  # wait this long after the first mark so a batch holds many conversations
CHUNK = 64  # conversations per indexing transaction: keeps each loop-blocking step short
SCAN = 1000  # conversations per catch-up query


# The indexer's statements, built once (building and caching a statement per conversation was most
# of the indexer's CPU at 1,000 conversations): what a batch has to index (each conversation's mark,
# its seq and the bodies of its messages past the mark, in one query: a conversation whose new
# events hold no message comes once, body None, for its mark to move), and the compare-and-set that
# moves a mark.
_F = report_facts.c
_PENDING = (
    select(_F.interaction_id, _F.indexed_seq, interactions.c.seq, messages.c.body)
    .join(interactions, interactions.c.id == _F.interaction_id)
    .outerjoin(
        messages,
        (messages.c.interaction_id == _F.interaction_id)
        & (messages.c.seq > _F.indexed_seq)
        & (messages.c.seq <= interactions.c.seq),
    )
    .where(
        _F.interaction_id.in_(bindparam("ids", expanding=True)),
        interactions.c.seq > _F.indexed_seq,
    )
)
_CLAIM = (
    update(report_facts)
    .where(_F.interaction_id == bindparam("iid"), _F.indexed_seq == bindparam("done"))
    .values(indexed_seq=bindparam("top"), messages=_F.messages + bindparam("n"))
)


class _Moved(Exception):
    """Another process moved one of a batch's marks: the batch claims its marks one at a time."""


class Indexer:
    """Indexes committed messages for search in batches; note() after a commit, flush() to catch
    up now."""

    def __init__(self, engine: Engine, gather_s: float = GATHER_S, chunk: int = CHUNK):
        self.engine, self.gather_s, self.chunk = engine, gather_s, chunk
        self._marked: set[str] = set()
        self._wake = Event()
        self._lock = Semaphore()
        self._greenlet: gevent.Greenlet | None = None
        self._thread: int | None = None
        self.indexed = 0  # messages indexed by this process (tests, benchmarks)

    def start(self) -> None:
        """Catch up with what no process indexed (a process died), then follow the marks (a
        server's start)."""
        self._follow()
        gevent.spawn(self._catch_up_logged)

    def note(self, interaction_id: str) -> None:
        """Mark a conversation whose new messages have committed (a writer's after-commit
        function)."""
        if self._thread is not None and self._thread != os_thread_id():
            self._index([interaction_id])  # another OS thread (a CLI): index at once
            return
        self._marked.add(interaction_id)
        self._follow()
        self._wake.set()

    def flush(self) -> bool:
        """Index every marked conversation now (search calls it first, so it sees its own
        process's messages); return True (done)."""
        with self._lock:
            while self._marked:
                batch = [self._marked.pop() for _ in range(min(self.chunk, len(self._marked)))]
                try:
                    self._index(batch)
                except Exception:
                    self._marked.update(batch)  # for the next round
                    raise
                gevent.sleep(0)  # let the requests waiting on the loop run between chunks
        return True

    def catch_up(self) -> int:
        """Mark and index every conversation with messages past its mark; return how many."""
        found, after = 0, ""
        while True:
            query = (
                select(report_facts.c.interaction_id)
                .join(interactions, interactions.c.id == report_facts.c.interaction_id)
                .where(
                    interactions.c.seq > report_facts.c.indexed_seq,
                    report_facts.c.interaction_id > after,
                )
                .order_by(report_facts.c.interaction_id)
                .limit(SCAN)
            )
            with self.engine.connect() as conn:
                ids = conn.execute(query).scalars().all()
            if not ids:
                return found
            found, after = found + len(ids), ids[-1]
            self._marked.update(ids)
            self.flush()

    def stop(self) -> None:
        """Stop the batcher and index what is marked (on shutdown)."""
        if self._greenlet is not None:
            self._greenlet.kill()
            self._greenlet = None
        self.flush()

    @contextmanager
    def attached(self, conn: Connection) -> Iterator[str]:
        """Yield the index table's name for a search on conn (in the store's own database)."""
        yield search.PG_TABLE

    def _follow(self) -> None:
        if self._greenlet is None or self._greenlet.dead:
            self._thread = os_thread_id()
            self._greenlet = gevent.spawn(self._loop)

    def _catch_up_logged(self) -> None:
        try:
            count = self.catch_up()
            if count:
                log.info("indexed the messages of %d conversations left from before", count)
        except Exception:
            log.exception("catching up the transcript index failed; the next start tries again")

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            gevent.sleep(self.gather_s)
            self._wake.clear()
            try:
                self.flush()
            except Exception:
                log.exception("indexing a batch of messages failed; trying again in a second")
                gevent.sleep(1)
                self._wake.set()

    def _index(self, ids: list[str]) -> None:
        """Index the messages of ids past their marks; a mark another process moved meanwhile is
        marked again, for the next round to see what is left."""
        with self.engine.connect() as conn:
            rows = conn.execute(_PENDING, {"ids": ids}).all()
        if not rows:
            return
        marks: dict[str, tuple[int, int]] = {}
        bodies: dict[str, list[str]] = {}
        for iid, done, top, body in rows:
            marks[iid] = (done, top)
            found = bodies.setdefault(iid, [])
            if body is not None:
                found.append(body)
        tokens = {iid: [search.tokens(body) for body in found] for iid, found in bodies.items()}
        try:
            self._store(marks, bodies, tokens, together=True)
        except _Moved:
            self._store(marks, bodies, tokens, together=False)

    def _store(
        self,
        marks: dict[str, tuple[int, int]],
        bodies: dict[str, list[str]],
        tokens: dict[str, list[list[str]]],
        together: bool,
    ) -> None:
        """Move the marks and insert the tokens of the conversations claimed, in one transaction:
        together, every mark in one executemany (raising _Moved, and storing nothing, unless all
        moved); else one at a time, each one another process moved marked again here."""
        claims = [
            {"iid": iid, "done": done, "top": top, "n": len(bodies[iid])}
            for iid, (done, top) in marks.items()
        ]
        with self.engine.begin() as conn:
            if together:
                if conn.execute(_CLAIM, claims).rowcount != len(claims):
                    raise _Moved  # rolls the transaction back
                claimed = list(marks)
            else:
                claimed = [
                    iid
                    for iid, claim in zip(marks, claims, strict=True)
                    if conn.execute(_CLAIM, claim).rowcount
                ]
                self._marked.update(set(marks) - set(claimed))
            docs = [(iid, found) for iid in claimed for found in tokens[iid] if found]
            if docs:
                conn.execute(
                    text(
                        f"INSERT INTO {search.PG_TABLE} (interaction_id, doc) "
                        "VALUES (:iid, CAST(:doc AS tsvector))"
                    ),
                    [{"iid": iid, "doc": search.tsvector(found)} for iid, found in docs],
                )
        self.indexed += len(docs)
