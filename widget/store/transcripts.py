"""SQLite's transcript index: a database file of its own, kept by a process of its own.

The server's loop stores messages; it does not index them. The index (an FTS5 table of each
message's search tokens, widget/search.py) lives in `<database>-search.db` beside the store, with
its high-water mark: the rowid of the last message indexed, and that message's id. A child process
(`widget.store.transcripts.main`, started by server.py, started again if it ends unasked, ending
when its stdin closes) reads the messages stored after the mark from the store, a chunk at a time,
and writes their tokens and the new mark in one transaction of the index file, so it never takes
the store's write lock from the group writer and its CPU is on the other core. Messages are never
deleted and SQLite gives a new row the largest rowid plus one, so rowids rise in commit order and
every committed message is past the mark until it is indexed: nothing to note after a commit,
nothing lost when a process dies. A search first indexes what the child has not reached yet when
that is a little (`flush`), or waits for the child to reach it (a rebuild: the search is refused
after a while rather than holding the loop for minutes), so it sees every message stored before it;
on the loop it never waits for the index file's lock (the child holding it is indexing).

The file is derived data: deleted (with its -wal and -shm), it is made again and rebuilt from the
store; a store whose message at the mark is not the one indexed there (restored from a backup,
rebuilt, or VACUUMed, which renumbers rowids) is indexed again from the start.
Two indexers on one file (two processes, or a search beside the child) claim each chunk by its
mark inside the index file's write transaction, so no message is indexed twice.
"""

from __future__ import annotations

import argparse
import logging
import os
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import gevent
from sqlalchemy import make_url, text
from sqlalchemy.engine import Connection, Engine

from .. import search

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]  # the project: where the indexing process starts
_ENTRY = "from widget.store.transcripts import main; main()"
POLL_S = 0.2  # the child looks for new messages this often
RESTART_S = 1.0  # an indexing process that ended unasked is started again this soon
LOCK_WAIT_S = 10.0  # the indexing process waits this long for the file's write lock
BUSY_S = 0.05  # a search finding the file's lock held looks again this soon
CHUNK = 2000  # messages per indexing transaction
# A search indexes at most this many messages itself (a few milliseconds of the loop a hundred);
# further behind, it waits for the indexing process up to SEARCH_WAIT_S.
INLINE = 500
SEARCH_WAIT_S = 10.0
SCHEMA = "transcripts"  # the index file's name when attached to a store connection (searches)
VERSION = 1  # PRAGMA user_version of the file's layout; another version is rebuilt

_PENDING = text(
    "SELECT rowid, id, interaction_id, body FROM messages WHERE rowid > :mark "
    "ORDER BY rowid LIMIT :n"
)
_AT_MARK = text("SELECT id FROM messages WHERE rowid = :mark")
_LAST = text("SELECT max(rowid) FROM messages")


def path_for(database: str) -> Path:
    """Return the index file beside a store's database file (data/zhengna.db ->
    data/zhengna-search.db)."""
    path = Path(database)
    return path.with_name(f"{path.stem}-search{path.suffix or '.db'}")


_LOCK_HELD = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)  # primary result codes: another holds it


class _Busy(Exception):
    """The index file's write lock is held (by the indexing process): it is indexing."""


class TranscriptFile:
    """The transcript index of a SQLite store and the process that keeps it."""

    def __init__(self, engine: Engine, database: str | None, chunk: int = CHUNK) -> None:
        self.engine, self.chunk = engine, chunk
        self._temporary = database in (None, "", ":memory:")
        if self._temporary:  # an in-memory store (tests): an index file of its own, removed after
            handle, name = tempfile.mkstemp(prefix="zhengna-search-", suffix=".db")
            os.close(handle)
            self.path = Path(name)
            self._remove = weakref.finalize(self, _remove, self.path)
        else:
            self.path = path_for(str(database))
        self._child: subprocess.Popen | None = None
        self._supervisor: gevent.Greenlet | None = None
        self.indexed = 0  # messages indexed by this object (tests, benchmarks)
        with self._index():
            pass  # made, or checked, now

    # -- the process ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the indexing process (a server's start): it catches up with what no process
        indexed, then follows new messages until this process closes its stdin or dies. One that
        ends unasked is started again within RESTART_S."""
        if self._temporary or self._supervisor is not None:
            return
        self._spawn()
        self._supervisor = gevent.spawn(self._supervise)

    def stop(self) -> None:
        """Stop the indexing process: what it has not reached is indexed by the next start or
        search."""
        if self._supervisor is not None:
            self._supervisor.kill()
            self._supervisor = None
        child, self._child = self._child, None
        if child is not None:
            child.stdin.close()  # type: ignore[union-attr]
            try:
                child.wait(5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if self._temporary:
            self._remove()

    def _spawn(self) -> None:
        url = self.engine.url.render_as_string(hide_password=False)
        # -c, not -m: the module is imported once (widget.store imports it too), from the project
        self._child = subprocess.Popen(
            [sys.executable, "-c", _ENTRY, url], stdin=subprocess.PIPE, cwd=ROOT
        )

    def _supervise(self) -> None:
        while True:
            gevent.sleep(RESTART_S)
            child = self._child
            if child is not None and child.poll() is not None:
                log.error(
                    "the transcript indexing process ended (exit %s); starting it again",
                    child.returncode,
                )
                self._spawn()

    # -- indexing --------------------------------------------------------------------------------

    def flush(self, wait_s: float | None = None) -> bool:
        """See every message stored so far indexed (a search, first): index them here when they
        are few or no indexing process runs, else wait up to wait_s for the process to; return
        False when it is still behind then. Never waits on the file's lock on the loop: while
        the process holds it, it is indexing, and the search looks again a moment later."""
        with self.engine.connect() as conn:
            target = conn.execute(_LAST).scalar() or 0
        deadline = time.monotonic() + (SEARCH_WAIT_S if wait_s is None else wait_s)
        alone = self._child is None  # no indexing process: no one else writes the file
        while True:
            try:
                mark = self._mark(wait=alone)
                if mark >= target:
                    return True
                if alone or target - mark <= INLINE:
                    self.index_chunk(limit=self.chunk if alone else INLINE, wait=alone)
                    gevent.sleep(0)  # the requests waiting on the loop run between chunks
                    continue
            except _Busy:
                pass
            if time.monotonic() >= deadline:
                return False
            gevent.sleep(BUSY_S if target - mark <= INLINE else POLL_S)

    def catch_up(self) -> int:
        """Index every message stored so far; return how many were indexed."""
        before = self.indexed
        while self.index_chunk():
            pass
        return self.indexed - before

    def index_chunk(self, limit: int | None = None, wait: bool = True) -> int:
        """Index the next chunk of messages past the mark (up to limit, else self.chunk) in one
        transaction of the index file; return how many messages it held (0: the index has reached
        the store). With wait False, raise _Busy rather than wait for the file's write lock."""
        with self._index(wait) as db:
            with self.engine.connect() as conn:
                mark = _checked_mark(db, conn)
                rows = conn.execute(_PENDING, {"mark": mark, "n": limit or self.chunk}).all()
            if not rows:
                return 0
            docs = [
                (" ".join(found), iid)
                for _, _, iid, body in rows
                if body and (found := search.tokens(body))
            ]
            with _writing(db):
                if db.execute("SELECT rowid_done FROM mark").fetchone()[0] != mark:
                    return len(rows)  # another indexer took this chunk: go on from its mark
                db.executemany(
                    f"INSERT INTO {search.FTS_TABLE} (words, interaction_id) VALUES (?, ?)", docs
                )
                db.execute("UPDATE mark SET rowid_done = ?, id_done = ?", rows[-1][:2])
        self.indexed += len(docs)
        return len(rows)

    def _mark(self, wait: bool = True) -> int:
        """Return the rowid of the last message indexed (of this store: checked)."""
        with self._index(wait) as db, self.engine.connect() as conn:
            return _checked_mark(db, conn)

    @contextmanager
    def _index(self, wait: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection to the index file, in autocommit (transactions begun by hand), its tables
        made first if the file is new (or was deleted). Without wait, a write lock another holds
        raises _Busy at once."""
        db = sqlite3.connect(self.path, timeout=LOCK_WAIT_S if wait else 0, isolation_level=None)
        try:
            # derived data: a transaction a power loss takes is indexed again from the store
            db.execute("PRAGMA synchronous=NORMAL")
            if db.execute("PRAGMA user_version").fetchone()[0] != VERSION:  # new, or another layout
                db.execute("PRAGMA journal_mode=WAL")  # kept by the file
                _create(db)
            yield db
        except sqlite3.OperationalError as exc:
            if not wait and (exc.sqlite_errorcode & 0xFF) in _LOCK_HELD:
                raise _Busy from exc
            raise
        finally:
            db.close()

    # -- searching ---------------------------------------------------------------------------------

    @contextmanager
    def attached(self, conn: Connection) -> Iterator[str]:
        """Attach the index file to a store connection for a search; yield the FTS table's name
        as the search's SQL names it."""
        conn.exec_driver_sql(f"ATTACH DATABASE ? AS {SCHEMA}", (str(self.path),))
        try:
            yield f"{SCHEMA}.{search.FTS_TABLE}"
        finally:
            try:
                conn.rollback()  # the search's read transaction, which DETACH may not run inside
                conn.exec_driver_sql(f"DETACH DATABASE {SCHEMA}")
            except Exception:  # a statement still open on it (the search failed midway)
                conn.invalidate()  # the pool opens a new connection rather than reuse this one


@contextmanager
def _writing(db: sqlite3.Connection) -> Iterator[None]:
    """A write transaction of the index file: committed at the end, rolled back on an error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _remove(path: Path) -> None:
    """Remove an index file and its WAL files."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _create(db: sqlite3.Connection) -> None:
    """Create the index file's tables, or rebuild a file of another layout."""
    with _writing(db):
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, VERSION):
            db.execute(f"DROP TABLE IF EXISTS {search.FTS_TABLE}")
            db.execute("DROP TABLE IF EXISTS mark")
        db.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {search.FTS_TABLE} USING fts5("
            "words, interaction_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 0')"
        )
        db.execute("CREATE TABLE IF NOT EXISTS mark (rowid_done INTEGER NOT NULL, id_done TEXT)")
        if db.execute("SELECT count(*) FROM mark").fetchone()[0] == 0:
            db.execute("INSERT INTO mark VALUES (0, NULL)")
        db.execute(f"PRAGMA user_version = {VERSION}")


def _checked_mark(db: sqlite3.Connection, conn: Connection) -> int:
    """Return the index's mark, after emptying the index when the store's message at the mark is
    not the one indexed there (the store was restored or rebuilt)."""
    mark, mark_id = db.execute("SELECT rowid_done, id_done FROM mark").fetchone()
    if mark and conn.execute(_AT_MARK, {"mark": mark}).scalar() != mark_id:
        _restart(db, mark, "the store's message at the mark is not the one indexed there")
        mark = db.execute("SELECT rowid_done FROM mark").fetchone()[0]
    return int(mark)


def _restart(db: sqlite3.Connection, mark: int, why: str) -> None:
    """Empty the index, to be rebuilt from the store's first message, unless another indexer
    moved the mark meanwhile (it has restarted it already)."""
    with _writing(db):
        if db.execute("SELECT rowid_done FROM mark").fetchone()[0] == mark:
            log.warning("the transcript index is built again: %s", why)
            db.execute(f"DELETE FROM {search.FTS_TABLE}")
            db.execute("UPDATE mark SET rowid_done = 0, id_done = NULL")


def follow(index: TranscriptFile, stdin: int, poll_s: float = POLL_S) -> None:
    """Index new messages every poll_s seconds until stdin closes (the server stopped or died),
    looking at stdin between chunks too (a rebuild takes minutes)."""
    while True:
        try:
            while index.index_chunk():
                if _closed(stdin, 0):
                    return
        except Exception:  # the store busy or not there yet: the next round goes on from the mark
            log.exception("indexing messages failed; trying again")
        if _closed(stdin, poll_s):
            return


def _closed(stdin: int, wait_s: float) -> bool:
    """Say whether stdin has ended, waiting up to wait_s for it to."""
    return bool(select.select([stdin], [], [], wait_s)[0]) and not os.read(stdin, 4096)


def main(argv: list[str] | None = None) -> None:
    """The indexing process: `python -c "from widget.store.transcripts import main; main()" URL`."""
    from .base import open_engine

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the store's SQLite URL")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s transcripts %(message)s")
    os.nice(10)  # background work: a core the server's loop wants goes to the loop first
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's ^C: the server ends it, by stdin
    engine = open_engine(args.url)
    follow(TranscriptFile(engine, make_url(args.url).database), sys.stdin.fileno())
    engine.dispose()
