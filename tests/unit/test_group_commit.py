"""Group commit: many greenlets' writes share one transaction each batch, and each fails alone."""

import dataclasses

import gevent
import pytest
from sqlalchemy import event as sa_event

from tests.unit.storekit import AGENT, created, interaction, message
from widget.store import Conflict, Duplicate


def _count_commits(store):
    commits = []
    sa_event.listen(store.engine, "commit", lambda conn: commits.append(1))
    return commits


def test_concurrent_appends_share_transactions_and_keep_every_sequence_contiguous(store):
    for n in range(20):
        created(store, f"ix{n}")
    commits = _count_commits(store)
    units_before = store.writer.units
    per = 15

    def sender(n):
        for k in range(per):
            store.conversations.append(f"ix{n % 20}", [message(f"c{n}-{k}")])

    gevent.joinall([gevent.spawn(sender, n) for n in range(40)], raise_error=True)
    total = 40 * per
    assert store.writer.units - units_before == total
    assert len(commits) < total / 4, (len(commits), total)  # batched, not one commit per message
    for n in range(20):
        seqs = [e["seq"] for e in store.conversations.events_after(f"ix{n}", 0, 1000)]
        assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) == 1 + 2 * per


def test_a_duplicate_in_a_batch_fails_alone(store):
    created(store, "ix1")
    store.conversations.append("ix1", [message("same")])
    results = {}

    def send(cid):
        try:
            results[cid] = store.conversations.append("ix1", [message(cid)])[0]["seq"]
        except Duplicate:
            results[cid] = "duplicate"

    gevent.joinall([gevent.spawn(send, cid) for cid in ("a", "same", "b")], raise_error=True)
    assert results["same"] == "duplicate"
    assert sorted([results["a"], results["b"]]) == [3, 4]
    assert [e["seq"] for e in store.conversations.events_after("ix1", 0, 10)] == [1, 2, 3, 4]


def _statements(store, word):
    seen = []
    sa_event.listen(
        store.engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *rest: seen.append(1) if word in statement else None,
    )
    return seen


def test_a_batch_that_all_succeeds_takes_no_savepoint_and_a_refusal_replays_it_apart(store):
    """A clean batch runs without savepoints, its inserts gathered into one executemany each; a
    refusal (here a duplicate, found when the gathered rows go in) rolls it back and replays it."""
    for n in range(3):
        created(store, f"ix{n}")
    store.conversations.append("ix0", [message("same")])
    savepoints = _statements(store, "SAVEPOINT")
    message_inserts = _statements(store, "INSERT INTO messages")
    hooked = []

    def send(n, cid):
        def work(conn):
            store.writer.after_commit(conn, lambda: hooked.append(cid))
            return store.conversations.append_in(conn, f"ix{n}", [message(cid)])

        try:
            return store.writer.run(work)[0]["seq"]
        except Exception as exc:
            return type(exc).__name__

    clean = [gevent.spawn(send, n, f"c{n}") for n in range(3)]
    gevent.joinall(clean, raise_error=True)
    assert [g.value for g in clean] == [3, 2, 2] and savepoints == []
    assert len(message_inserts) < 3  # the batch's messages rows went in together

    mixed = [gevent.spawn(send, 0, cid) for cid in ("a", "same", "b")]
    gevent.joinall(mixed, raise_error=True)
    assert [g.value for g in mixed] == [4, "IntegrityError", 5]
    assert savepoints  # the batch ran again, each unit in a savepoint of its own
    assert sorted(hooked) == ["a", "b", "c0", "c1", "c2"]  # each committed unit's hook once
    assert [e["seq"] for e in store.conversations.events_after("ix0", 0, 10)] == [1, 2, 3, 4, 5]
    for cid in ("c0", "a", "b"):  # the messages rows too, gathered or inserted apart
        assert store.conversations.find_message("ix0", "taxpayer", "sub-1", cid)


def test_a_lost_race_in_a_batch_is_a_conflict_and_the_winner_stands(store):
    before = created(store, "ix1")
    after = dataclasses.replace(before, state="queued")
    outcome = []

    def commit(agent_name):
        try:
            store.conversations.commit(before, dataclasses.replace(after, agent_id=agent_name), [])
            outcome.append(agent_name)
        except Conflict:
            outcome.append("conflict")

    gevent.joinall([gevent.spawn(commit, "a"), gevent.spawn(commit, "b")], raise_error=True)
    assert sorted(outcome) == ["a", "conflict"] or sorted(outcome) == ["b", "conflict"]
    stored = store.conversations.get_interaction("ix1")
    assert stored.state == "queued" and stored.version == before.version + 1


def test_nothing_is_answered_before_its_commit(store):
    created(store, "ix1")
    seen_by_other_connection = []

    def check(conn):  # runs inside the writer's transaction, before its commit
        with store.engine.connect() as other:
            seen_by_other_connection.append(
                len(
                    other.exec_driver_sql("SELECT seq FROM events WHERE interaction_id='ix1'").all()
                )
            )
        return "done"

    waiting = gevent.spawn(store.conversations.append, "ix1", [message("m1")])
    assert store.writer.run(check) == "done"
    waiting.join()
    # the append queued first, but its caller was answered only after the commit that held it
    assert waiting.value[0]["seq"] == 2 and seen_by_other_connection == [1]


def test_a_failed_commit_fails_every_unit_and_stores_nothing(store, monkeypatch):
    created(store, "ix1")

    def broken(conn):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.writer.run(broken)
    store.conversations.append("ix1", [message("after")])  # the writer is still alive
    assert [e["seq"] for e in store.conversations.events_after("ix1", 0, 10)] == [1, 2]


def test_writes_from_another_thread_go_straight_to_the_database(store):
    import threading

    created(store, "ix1")
    done = []
    thread = threading.Thread(
        target=lambda: done.append(store.conversations.append("ix1", [message("t")]))
    )
    thread.start()
    thread.join(10)
    assert done and done[0][0]["seq"] == 2


def test_interaction_helper_still_builds(store):  # the fixtures this module borrows
    assert interaction("x").id == "x" and AGENT.role == "agent"


PATCHED = """
from gevent import monkey

monkey.patch_all()  # as server.py does: threading.get_ident now names the greenlet
import sys

import gevent
from sqlalchemy import event as sa_event

from tests.unit.storekit import created, message
from widget.store import Store

store = Store("sqlite:///" + sys.argv[1])
store.migrate()
created(store, "ix1")  # the first write comes from the main greenlet, as the app's setup does
commits = []
sa_event.listen(store.engine, "commit", lambda conn: commits.append(1))
append = store.conversations.append
gevent.joinall([gevent.spawn(append, "ix1", [message(f"c{n}")]) for n in range(200)])
print(store.writer.units, len(commits))
store.dispose()
"""


def test_greenlets_share_transactions_under_gevents_patching(tmp_path):
    """Every greenlet of a patched process goes through the one writer, not straight to the
    database (gevent's threading.get_ident names the greenlet, not the thread)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", PATCHED, str(tmp_path / "p.db")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    units, commits = int(out[0]), int(out[1])
    assert units == 201  # the creation and the 200 appends all went through the writer
    assert commits < 20, commits  # batched, not one commit per message


def test_under_load_a_transaction_begins_at_most_every_gap_and_takes_what_queued_meanwhile(store):
    import time

    for n in range(3):
        created(store, f"ix{n}")
    store.writer.commit_gap_s = 0.05
    commits = _count_commits(store)
    waited = []

    def send(n, after):
        gevent.sleep(after)
        started = time.monotonic()
        store.conversations.append(f"ix{n}", [message(f"g{n}")])
        waited.append((n, time.monotonic() - started))

    gevent.sleep(0.06)  # the writer has been idle longer than the gap: the first goes at once
    gevent.joinall(
        [gevent.spawn(send, 0, 0), gevent.spawn(send, 1, 0.01), gevent.spawn(send, 2, 0.02)],
        raise_error=True,
    )
    assert len(commits) == 2  # the first alone; the other two waited out the gap together
    took = dict(waited)
    assert took[0] < 0.04 and took[1] > 0.02 and took[2] > 0.01
