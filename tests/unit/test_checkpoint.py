"""WAL checkpoints in a pool thread after group commits: the loop's connections never checkpoint,
the WAL is copied back and reused, and nothing committed is lost."""

import os
import sqlite3
import threading

import gevent
import pytest

from tests.unit.storekit import created, message, wait_for
from widget.store import Store


def test_the_loops_connections_leave_checkpoints_to_the_thread(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    memory = Store("sqlite://")  # no file, no WAL: SQLite's own way
    assert memory.checkpoints is None


def test_group_commits_are_checkpointed_and_the_wal_reused(store, tmp_path):
    store.checkpoints.interval_s = 0.0  # a checkpoint after every commit that finds none running
    created(store, "ix1")
    wal = tmp_path / "t.db-wal"

    def send(n):
        for k in range(40):
            store.conversations.append("ix1", [message(f"c{n}-{k}", body="红冲" * 200)])

    sizes = []
    for round_ in range(5):
        gevent.joinall([gevent.spawn(send, f"{round_}-{n}") for n in range(10)], raise_error=True)
        wait_for(lambda: not store.checkpoints._running)
        sizes.append(os.path.getsize(wal))
    assert store.checkpoints.done >= 5
    # each round writes ~2,000 messages' pages; the WAL is reused from its start, not grown by
    # every round
    assert sizes[-1] <= 2 * sizes[0], sizes
    # the database file itself holds what was committed, read without the WAL
    store.dispose()
    with sqlite3.connect(tmp_path / "t.db") as db:
        assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 5 * 10 * 40


def test_a_failing_checkpoint_is_logged_and_the_next_one_runs(store, caplog, tmp_path):
    store.checkpoints.interval_s = 0.0
    store.checkpoints.path = str(tmp_path / "missing" / "x.db")  # cannot be opened
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1")])
    wait_for(lambda: not store.checkpoints._running)
    assert "WAL checkpoint failed" in caplog.text and store.checkpoints.done == 0
    store.checkpoints.path = str(tmp_path / "t.db")
    store.conversations.append("ix1", [message("c2")])
    wait_for(lambda: store.checkpoints.done == 1)


def test_a_store_disposed_while_a_checkpoint_runs_closes_its_connection_after_it(store):
    checkpoints = store.checkpoints
    checkpoints.interval_s = 0.0
    created(store, "ix1")
    wait_for(lambda: not checkpoints._running)
    [opened] = checkpoints._idle  # the thread's connection, kept for the next checkpoint
    running = threading.Event()
    go_on = threading.Event()
    real_connection = opened

    class Held:  # the checkpoint's connection, holding it mid-checkpoint until told to go on
        def execute(self, sql):
            running.set()
            go_on.wait(5)
            return real_connection.execute(sql)

        def close(self):
            real_connection.close()

    checkpoints._idle[:] = [Held()]
    checkpoints._last = 0.0
    checkpoints.due()
    assert running.wait(5)
    store.dispose()  # while the checkpoint runs: its connection is not closed under it
    real_connection.execute("SELECT 1")
    go_on.set()
    wait_for(lambda: not checkpoints._running)
    assert checkpoints._idle == [] and checkpoints.done >= 2  # it ran to its end, then closed
    with pytest.raises(sqlite3.ProgrammingError):  # closed
        real_connection.execute("SELECT 1")
    checkpoints.due()  # nothing more starts on a closed store
    assert not checkpoints._running
