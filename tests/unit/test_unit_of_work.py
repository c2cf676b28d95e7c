"""The unit of work: a lost race is retried, hooks run only after the commit, and a change that
does not commit publishes nothing."""

import dataclasses

import pytest
from sqlalchemy import event as sa_event

from tests.unit.storekit import AGENT, T0, TAXPAYER, created, event, interaction, message
from widget import states
from widget.errors import IllegalTransition, ZhengnaError
from widget.states import State
from widget.store import Conflict, Duplicate
from widget.unit_of_work import RETRIES, UnitOfWork


class RecordingBus:
    def __init__(self):
        self.published = []

    def publish(self, channel, message):
        self.published.append((channel, message))

    def seqs(self):
        return [m["frame"]["seq"] for _, m in self.published if m["kind"] == "event"]


@pytest.fixture
def bus():
    return RecordingBus()


@pytest.fixture
def uow(store, bus):
    return UnitOfWork(store, bus, lambda: T0)


def _to_queue(before, now):
    after = states.apply(before, "request_human", TAXPAYER, now)
    return after, [event(state=after.state.value)]


def _moved_by_someone_else(store, interaction_id):
    """Commit a change of the interaction behind the unit of work's back (another process)."""
    current = store.conversations.get_interaction(interaction_id)
    store.conversations.commit(current, dataclasses.replace(current, idle_warned_at=T0), [])


def test_a_lost_race_is_decided_again_from_the_new_row_and_committed_once(store, bus, uow):
    created(store, "ix1")
    seen_versions = []

    def step(before, now):
        seen_versions.append(before.version)
        if len(seen_versions) == 1:
            _moved_by_someone_else(store, "ix1")  # this attempt's commit will lose
        return _to_queue(before, now)

    after = uow.change("ix1", step)
    assert seen_versions == [0, 1]
    stored = store.conversations.get_interaction("ix1")
    assert (stored.state, stored.version, stored.idle_warned_at) == (State.QUEUED, 2, T0)
    assert after.state is State.QUEUED
    assert bus.seqs() == [2]  # the winning attempt's event only, once


def test_a_change_that_keeps_losing_is_busy_and_publishes_nothing(store, bus, uow):
    created(store, "ix1")
    hooked = []
    uow.on_commit(lambda before, after: hooked.append(after))
    attempts = []

    def step(before, now):
        attempts.append(1)
        _moved_by_someone_else(store, "ix1")
        return _to_queue(before, now)

    with pytest.raises(ZhengnaError) as caught:
        uow.change("ix1", step)
    assert caught.value.code == "busy"
    assert len(attempts) == RETRIES
    assert store.conversations.get_interaction("ix1").state is State.BOT
    assert (bus.published, hooked) == ([], [])


def test_hooks_run_after_the_commit_and_the_publish(store, bus, uow):
    created(store, "ix1")
    calls = []

    def hook(before, after):
        with store.engine.connect():  # a reader outside the writer sees the change committed
            stored = store.conversations.get_interaction("ix1")
        calls.append((before.state, after.state, stored.state, bus.seqs()))

    uow.on_commit(hook)
    uow.change("ix1", _to_queue)
    assert calls == [(State.BOT, State.QUEUED, State.QUEUED, [2])]


def test_a_failing_commit_publishes_nothing_and_runs_no_hook(store, bus, uow):
    created(store, "ix1")
    hooked = []
    uow.on_commit(lambda before, after: hooked.append(after))

    def refuse_commit(conn):
        raise RuntimeError("disk full")

    sa_event.listen(store.engine, "commit", refuse_commit)
    try:
        with pytest.raises(RuntimeError):
            uow.change("ix1", _to_queue)
    finally:
        sa_event.remove(store.engine, "commit", refuse_commit)
    assert store.conversations.get_interaction("ix1").state is State.BOT
    assert (bus.published, hooked) == ([], [])


def test_a_refused_step_and_a_duplicate_message_publish_nothing(store, bus, uow):
    created(store, "ix1")
    hooked = []
    uow.on_commit(lambda before, after: hooked.append(after))
    uow.append("ix1", [message("c1")])
    assert bus.seqs() == [2]

    with pytest.raises(Duplicate):
        uow.append("ix1", [message("c1")])
    with pytest.raises(IllegalTransition):
        uow.change("ix1", lambda before, now: (states.apply(before, "accept", AGENT, now), []))
    assert bus.seqs() == [2] and hooked == []


def test_a_step_that_decides_nothing_commits_nothing(store, bus, uow):
    created(store, "ix1")
    before = store.conversations.get_interaction("ix1")
    assert uow.change("ix1", lambda before, now: None) == before
    assert (
        store.conversations.get_interaction("ix1").version == before.version and bus.published == []
    )


def test_change_once_gives_up_when_the_row_moved_since_it_was_read(store, bus, uow):
    read = created(store, "ix1")
    _moved_by_someone_else(store, "ix1")
    assert uow.change_once(read, _to_queue) is None
    assert store.conversations.get_interaction("ix1").state is State.BOT and bus.published == []
    assert (
        uow.change_once(store.conversations.get_interaction("ix1"), _to_queue).state is State.QUEUED
    )


def test_a_creation_is_published_and_hooked_with_no_before(store, bus, uow):
    hooked = []
    uow.on_commit(lambda before, after: hooked.append((before, after.id)))
    rows = uow.create(interaction("ix9"), [event(n=1), event(n=2)])
    assert [row["seq"] for row in rows] == bus.seqs() == [1, 2]
    assert hooked == [(None, "ix9")]


def test_a_failing_hook_leaves_the_change_committed_and_the_next_hook_runs(store, bus, uow):
    created(store, "ix1")
    later = []

    def broken(before, after):
        raise KeyError("a hook's own bug")

    uow.on_commit(broken)
    uow.on_commit(lambda before, after: later.append(after.state))
    assert uow.change("ix1", _to_queue).state is State.QUEUED
    assert later == [State.QUEUED] and bus.seqs() == [2]


def test_a_stored_word_becomes_a_state_and_goes_back_as_the_word():
    record = interaction("ix1", state="queued")
    assert record.state is State.QUEUED
    assert record.as_row()["state"] == "queued" and type(record.as_row()["state"]) is str
    assert record.public()["state"] == "queued" and type(record.public()["state"]) is str
    with pytest.raises(ValueError):
        interaction("ix2", state="lost")


def test_recent_is_the_interaction_as_last_read_until_this_process_changes_it(store, uow):
    created(store, "ix1")
    reads = []
    sa_event.listen(
        store.engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *rest: (
            reads.append(1) if "FROM interactions" in statement else None
        ),
    )
    first = uow.recent("ix1")
    assert uow.recent("ix1") is first and len(reads) == 1  # read once, then remembered
    _moved_by_someone_else(store, "ix1")
    assert uow.recent("ix1").version == 0  # another process's change is not seen here...
    uow.change("ix1", _to_queue)
    assert uow.recent("ix1").state is State.QUEUED  # ...this process's own change is


def test_an_append_on_a_version_that_moved_on_stores_and_publishes_nothing(store, bus, uow):
    created(store, "ix1")
    seen = uow.recent("ix1")
    _moved_by_someone_else(store, "ix1")
    with pytest.raises(Conflict):
        uow.append("ix1", [message("c1")], version=seen.version)
    assert [e["seq"] for e in store.conversations.events_after("ix1", 0, 10)] == [1]
    assert bus.published == []
    rows = uow.append("ix1", [message("c1")], version=uow.recent("ix1").version)  # read anew
    assert rows[0]["seq"] == 2 and bus.seqs() == [2]
