"""SQLite's transcript index: a file of its own beside the store, filled from the messages past
its mark by a process of its own, or by a search before it looks."""

import shutil
import sqlite3
import time

import gevent
import pytest
from alembic import command
from sqlalchemy import text

from tests.unit.storekit import T0, created, message, wait_for
from widget import reports, search
from widget.errors import ZhengnaError
from widget.store import Store, migrate, transcripts
from widget.store.transcripts import TranscriptFile, path_for

EVERYWHERE = reports.Scope(reports.period("today", T0))


def _rows(store, iid=None):
    """The index's documents (of one conversation), read from the file."""
    with sqlite3.connect(store.indexer.path) as index:
        if iid is None:
            return index.execute(f"SELECT count(*) FROM {search.FTS_TABLE}").fetchone()[0]
        return index.execute(
            f"SELECT count(*) FROM {search.FTS_TABLE} WHERE interaction_id = ?", (iid,)
        ).fetchone()[0]


def _found(store, words):
    return [row["interaction_id"] for row in search.find(store, EVERYWHERE, words=words)]


def test_the_index_is_a_file_beside_the_store():
    assert path_for("/srv/zn/zhengna.db").as_posix() == "/srv/zn/zhengna-search.db"
    assert path_for("/srv/zn/data").as_posix() == "/srv/zn/data-search.db"


def test_the_messages_transaction_leaves_the_index_alone(store):
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="我想红冲一张发票")])
    assert _rows(store) == 0
    assert store.indexer.catch_up() == 1 and _rows(store, "ix1") == 1
    assert store.indexer.catch_up() == 0 and _rows(store, "ix1") == 1  # nothing twice


def test_a_search_sees_every_message_stored_before_it(store):
    created(store, "ix1")
    created(store, "ix2")
    store.conversations.append("ix1", [message("c1", body="额度不够怎么办")])
    store.conversations.append("ix2", [message("c2", body="发票额度调整")])
    assert sorted(_found(store, "额度")) == ["ix1", "ix2"]
    assert _found(store, "额度 调整") == ["ix2"]
    assert _found(store, "红冲") == []


def test_an_empty_body_moves_the_mark_without_a_document(store):
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="")])  # an attachment's
    store.conversations.append("ix1", [message("c2", body="发票")])
    assert store.indexer.catch_up() == 1
    assert store.indexer.index_chunk() == 0


def test_many_messages_are_indexed_a_chunk_a_transaction(store):
    store.indexer.chunk = 50
    for n in range(120):
        created(store, f"ix{n}")
        store.conversations.append(f"ix{n}", [message(f"c{n}", body=f"第{n}张发票")])
    assert [store.indexer.index_chunk() for _ in range(4)] == [50, 50, 20, 0]
    assert store.indexer.indexed == 120 and _rows(store) == 120


def test_two_indexers_never_index_a_message_twice(store, monkeypatch):
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="发票红冲")])
    other = TranscriptFile(store.engine, str(store.indexer.path).replace("-search", ""))
    tokens, raced = search.tokens, []

    def racing(body):  # the other indexer takes the chunk while this one tokenises it
        if not raced:
            raced.append(body)
            other.catch_up()
        return tokens(body)

    monkeypatch.setattr(search, "tokens", racing)
    store.indexer.catch_up()
    assert raced and other.indexed == 1 and store.indexer.indexed == 0
    assert _rows(store, "ix1") == 1


def test_the_indexing_process_follows_new_messages_and_ends_with_its_parent(
    store, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # a server started from anywhere (a service manager's cwd)
    store.indexer.start()
    child = store.indexer._child
    assert child is not None
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="开票系统登录不了")])
    # indexed by the child: no search, no flush
    wait_for(lambda: _rows(store, "ix1") == 1, timeout=15)
    child.stdin.close()  # what a parent's death does to the pipe
    assert child.wait(10) == 0
    store.indexer._child = None


def test_a_deleted_index_is_built_again_from_the_store(store):
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="上个月的发票要红冲")])
    assert _found(store, "红冲") == ["ix1"]
    url = store.url
    store.dispose()
    transcripts._remove(store.indexer.path)
    again = Store(url)
    try:
        assert _found(again, "红冲") == ["ix1"] and _rows(again) == 1
    finally:
        again.dispose()


def test_an_index_of_another_store_is_built_again(store, tmp_path):
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="红冲发票")])
    assert _found(store, "红冲") == ["ix1"]
    other = Store(f"sqlite:///{tmp_path / 'other.db'}")  # a store restored from elsewhere
    try:
        other.migrate()
        created(other, "ix9")
        other.conversations.append("ix9", [message("c9", body="申报期限延长")])
        shutil.copy(store.indexer.path, other.indexer.path)  # beside it, the first store's index
        assert _found(other, "红冲") == [] and _found(other, "申报") == ["ix9"]
    finally:
        other.dispose()


def test_an_in_memory_store_searches_a_temporary_index():
    store = Store("sqlite://")
    store.migrate()
    path = store.indexer.path
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="发票红冲")])
    assert _found(store, "红冲") == ["ix1"]
    store.dispose()
    assert not path.exists()


def test_the_migration_moves_the_index_out_and_back(store):
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="发票红冲")])
    with store.engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0101_leave_cid")
        names = conn.execute(text("SELECT name FROM sqlite_master")).scalars().all()
        marks = conn.execute(text("SELECT indexed_seq FROM report_facts")).scalars().all()
    assert search.FTS_TABLE in names and marks == [0]  # the earlier indexer starts again
    store.migrate()
    with store.engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM sqlite_master")).scalars().all()
    assert search.FTS_TABLE not in names
    assert _found(store, "红冲") == ["ix1"]


def test_a_search_far_behind_the_indexing_process_waits_for_it_then_says_so(store, monkeypatch):
    monkeypatch.setattr(transcripts, "INLINE", 2)  # a search indexes two messages itself, no more
    store.indexer._child = object()  # an indexing process runs (and, here, never gets there)
    try:
        for n in range(5):
            created(store, f"ix{n}")
            store.conversations.append(f"ix{n}", [message(f"c{n}", body="发票红冲")])
        began = time.monotonic()
        assert store.indexer.flush(wait_s=0.3) is False and time.monotonic() - began >= 0.3
        monkeypatch.setattr(transcripts, "SEARCH_WAIT_S", 0.1)
        with pytest.raises(ZhengnaError) as refused:
            search.find(store, EVERYWHERE, words="红冲")
        assert refused.value.code == "search_behind"
        assert store.indexer.index_chunk(limit=3) == 3  # the process gets within two of the store
        found = sorted(_found(store, "红冲"))  # and the search indexes the rest itself
        assert found == [f"ix{n}" for n in range(5)]
    finally:
        store.indexer._child = None


def test_an_indexing_process_that_dies_is_started_again(store, monkeypatch):
    monkeypatch.setattr(transcripts, "RESTART_S", 0.2)
    store.indexer.start()
    first = store.indexer._child
    first.kill()
    wait_for(lambda: store.indexer._child is not first, timeout=15)
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="电子税务局打不开")])
    wait_for(lambda: _rows(store, "ix1") == 1, timeout=15)  # indexed by the new process
    store.indexer.stop()
    assert first.poll() is not None and store.indexer._child is None


def test_a_search_waits_for_the_indexing_process_without_holding_the_loop(store, monkeypatch):
    store.indexer._child = object()  # an indexing process runs and holds the file's lock
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="发票红冲")])
    holder = sqlite3.connect(store.indexer.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    ticks = []
    ticker = gevent.spawn(lambda: [ticks.append(gevent.sleep(0.02)) for _ in range(100)])
    try:
        began = time.monotonic()
        assert store.indexer.flush(wait_s=0.5) is False
        assert 0.5 <= time.monotonic() - began < 2
        assert len(ticks) >= 10  # the loop went on while the search waited
        holder.execute("COMMIT")  # the process is done: the search indexes the rest itself
        assert store.indexer.flush(wait_s=0.5) is True and _rows(store, "ix1") == 1
    finally:
        ticker.kill()
        holder.close()
        store.indexer._child = None


def test_a_search_that_fails_midway_leaves_no_index_attached_in_the_pool(store):
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="发票红冲")])
    store.indexer.flush()
    with pytest.raises(RuntimeError):
        with store.engine.connect() as conn, store.indexer.attached(conn) as table:
            rows = conn.exec_driver_sql(f"SELECT interaction_id FROM {table}")
            rows.fetchone()
            raise RuntimeError("a search failing with its statement open")
    for _ in range(3):  # whichever pooled connection the next searches get
        assert _found(store, "红冲") == ["ix1"]


def test_an_index_file_deleted_while_the_server_runs_is_made_again(store):
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="上个月的发票要红冲")])
    assert _found(store, "红冲") == ["ix1"]
    transcripts._remove(store.indexer.path)
    assert _found(store, "红冲") == ["ix1"] and _rows(store) == 1


def test_an_index_file_of_another_layout_is_built_again(store):
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="发票红冲")])
    assert _found(store, "红冲") == ["ix1"]
    with sqlite3.connect(store.indexer.path) as index:  # a later (or earlier) layout's file
        index.execute(f"INSERT INTO {search.FTS_TABLE} VALUES ('红冲', 'stale')")
        index.execute(f"PRAGMA user_version = {transcripts.VERSION + 1}")
    assert _found(store, "红冲") == ["ix1"] and _rows(store) == 1 and _rows(store, "stale") == 0
