"""PostgreSQL: messages are counted and indexed for search after their commit, in batches,
durably: the mark in report_facts says what is done, and whatever a dead process left is caught
up. (SQLite's index, a file and a process of its own: test_transcripts.py.)"""

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select, text

from tests.unit.storekit import T0, created, message
from widget import reports, search
from widget.store import Store
from widget.store.schema import interactions, report_facts

EVERYWHERE = reports.Scope(reports.period("today", T0))


def _indexed(store, iid):
    with store.engine.connect() as conn:
        return conn.execute(
            text(f"SELECT count(*) FROM {search.PG_TABLE} WHERE interaction_id = :iid"),
            {"iid": iid},
        ).scalar()


def _facts(store, iid):
    with store.engine.connect() as conn:
        row = conn.execute(
            select(report_facts.c.messages, report_facts.c.indexed_seq, interactions.c.seq)
            .join(interactions, interactions.c.id == report_facts.c.interaction_id)
            .where(report_facts.c.interaction_id == iid)
        ).one()
    return tuple(row)


def _index_meanwhile(monkeypatch, other, iid):
    """Make the other process index iid between this one's read and its write (as this one
    tokenises what it read); return the list that records it happened."""
    tokens, raced = search.tokens, []

    def racing(body):
        if not raced:
            raced.append(body)
            other.indexer._marked.add(iid)
            other.indexer.flush()
        return tokens(body)

    monkeypatch.setattr(search, "tokens", racing)
    return raced


@pytest.fixture
def store(pg_store):
    return pg_store


def _found(store, words):
    return [row["interaction_id"] for row in search.find(store, EVERYWHERE, words=words)]


def test_the_message_transaction_leaves_indexing_to_the_batch(store):
    store.indexer.gather_s = 60  # the batcher waits; the test flushes by hand
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="我想红冲一张发票")])
    store.conversations.append(
        "ix1", [message("c2", body="")]
    )  # an attachment's empty body: counted only
    assert _indexed(store, "ix1") == 0 and _facts(store, "ix1") == (0, 0, 3)
    store.indexer.flush()
    assert _indexed(store, "ix1") == 1 and _facts(store, "ix1") == (2, 3, 3)
    store.indexer.flush()  # nothing new: nothing twice
    assert _indexed(store, "ix1") == 1 and _facts(store, "ix1") == (2, 3, 3)


def test_search_sees_every_message_of_its_process(store):
    store.indexer.gather_s = 60
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="额度不够怎么办")])
    assert _found(store, "额度") == ["ix1"]  # find indexes what is marked first


def test_the_batcher_indexes_by_itself(store):
    import gevent

    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="开票系统登录不了")])
    deadline = 100
    while _indexed(store, "ix1") == 0 and deadline:
        gevent.sleep(0.05)
        deadline -= 1
    assert _indexed(store, "ix1") == 1


def test_many_conversations_are_indexed_in_few_transactions(store):
    store.indexer.gather_s = 60
    for n in range(200):
        created(store, f"ix{n}")
        store.conversations.append(f"ix{n}", [message(f"c{n}", body=f"第{n}张发票")])
    commits = []
    sa_event.listen(store.engine, "commit", lambda conn: commits.append(1))
    store.indexer.flush()
    assert len(commits) == -(-200 // store.indexer.chunk)  # one transaction per chunk
    assert store.indexer.indexed == 200
    assert sum(_indexed(store, f"ix{n}") for n in range(200)) == 200


def test_a_failed_unit_marks_nothing(store):
    import pytest

    from widget.store import Duplicate

    store.indexer.gather_s = 60
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="发票")])
    store.indexer.flush()
    with pytest.raises(Duplicate):
        store.conversations.append("ix1", [message("c1", body="发票")])
    assert not store.indexer._marked


def test_what_a_dead_process_did_not_index_is_caught_up_at_the_next_start(store, tmp_path):
    store.indexer.gather_s = 60
    created(store, "ix1")
    store.indexer.note = lambda iid: None  # the process dies after the commit, before any mark
    store.conversations.append("ix1", [message("c1", body="上个月的发票要红冲")])
    assert _indexed(store, "ix1") == 0

    again = Store(store.url)  # the next process on the same database
    try:
        assert again.indexer.catch_up() == 1
        assert _indexed(again, "ix1") == 1 and _facts(again, "ix1") == (1, 2, 2)
        assert again.indexer.catch_up() == 0
        assert _found(again, "红冲") == ["ix1"]
    finally:
        again.dispose()


def test_two_processes_never_index_a_message_twice(store, monkeypatch):
    store.indexer.gather_s = 60
    created(store, "ix1")
    store.conversations.append("ix1", [message("c1", body="发票红冲")])
    other = Store(store.url)  # a second process that marked the same conversation
    raced = _index_meanwhile(monkeypatch, other, "ix1")
    try:
        store.indexer.flush()
        assert raced and other.indexer.indexed == 1 and store.indexer.indexed == 0
        assert _indexed(store, "ix1") == 1 and _facts(store, "ix1") == (1, 2, 2)
    finally:
        other.dispose()


def test_of_a_batch_only_the_marks_another_process_moved_are_left_to_it(store, monkeypatch):
    store.indexer.gather_s = 60
    for iid in ("ix1", "ix2"):
        created(store, iid)
        store.conversations.append(iid, [message(f"c{iid}", body="发票红冲")])
    other = Store(store.url)
    _index_meanwhile(monkeypatch, other, "ix1")  # after this process read both: ix1 alone
    try:
        store.indexer._marked.update({"ix1", "ix2"})
        store.indexer.flush()
        assert other.indexer.indexed == 1 and store.indexer.indexed == 1
        assert _indexed(store, "ix1") == 1 and _indexed(store, "ix2") == 1
        assert _facts(store, "ix1") == (1, 2, 2) and _facts(store, "ix2") == (1, 2, 2)
    finally:
        other.dispose()
