"""The SQLite store: migrations, optimistic commits, sequenced events, idempotent messages, UTC."""

import dataclasses
import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, inspect
from sqlalchemy.exc import StatementError

from tests.unit.storekit import (  # noqa: F401
    AGENT,
    T0,
    TAXPAYER,
    created,
    event,
    interaction,
    message,
)
from widget import search
from widget.models import Actor
from widget.routing import ALL_DAY
from widget.store import Conflict, Duplicate, Store, migrate
from widget.store.schema import metadata

# -- schema ----------------------------------------------------------------------------------------


def test_migrate_twice_is_harmless(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    store.migrate()
    store.migrate()
    tables = set(inspect(store.engine).get_table_names())
    assert tables == set(metadata.tables) | {"alembic_version"}  # the index is a file of its own
    with sqlite3.connect(store.indexer.path) as index:
        names = {row[0] for row in index.execute("SELECT name FROM sqlite_master")}
    assert search.FTS_TABLE in names
    with store.engine.connect() as conn:
        head = ScriptDirectory.from_config(migrate.alembic_config(conn)).get_current_head()
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all() == [
            head
        ]
    assert store.ping()
    store.dispose()


def _search_index(name):
    """The transcript index (PostgreSQL's) is made per database, outside the metadata."""
    return name.startswith(search.INDEX_TABLES)


def _diff(store, target):
    def include(name, kind, _parent):
        return not (kind == "table" and _search_index(name))

    opts = {"compare_type": True, "include_name": include}
    with store.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts=opts), target)


def test_migrated_schema_matches_the_metadata(store):
    assert _diff(store, metadata) == []


def test_schema_comparison_would_notice_a_difference(store):
    changed = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["events"].append_column(Column("surprise", Integer))
    assert [entry[0] for entry in _diff(store, changed)] == ["add_column"]


def test_sqlite_pragmas(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


# -- interactions, commits and sequence numbers ----------------------------------------------------


def test_create_interaction_numbers_its_events(store):
    rows = store.conversations.create_interaction(interaction(), [event(n=0), event(n=1)])
    assert [row["seq"] for row in rows] == [1, 2]
    stored = store.conversations.get_interaction("ix1")
    assert (stored.seq, stored.version, stored.state) == (2, 0, "bot")
    assert stored == dataclasses.replace(interaction(), seq=2)


def test_commit_with_the_right_version(store):
    before = created(store)
    later = T0 + timedelta(minutes=1)
    after = dataclasses.replace(before, state="queued", queued_at=later, updated_at=later)
    rows = store.conversations.commit(
        before, after, [event(at=later, state="queued"), event(at=later, note="x")]
    )
    assert [row["seq"] for row in rows] == [2, 3]
    stored = store.conversations.get_interaction("ix1")
    assert (stored.state, stored.queued_at, stored.version, stored.seq) == ("queued", later, 1, 3)
    again = store.conversations.commit(stored, dataclasses.replace(stored, state="ended"), [])
    assert again == [] and store.conversations.get_interaction("ix1").version == 2


def test_commit_with_a_stale_version_changes_nothing(store):
    before = created(store)
    store.conversations.commit(before, dataclasses.replace(before, state="queued"), [event()])
    current = store.conversations.get_interaction("ix1")
    with pytest.raises(Conflict):
        store.conversations.commit(
            before,
            dataclasses.replace(before, state="ended", ended_by="taxpayer"),
            [event(), event()],
        )
    assert store.conversations.get_interaction("ix1") == current
    assert [row["seq"] for row in store.conversations.events_after("ix1", 0, 10)] == [1, 2]


def test_commit_of_a_missing_interaction_conflicts(store):
    ghost = interaction("ghost")
    with pytest.raises(Conflict):
        store.conversations.commit(ghost, dataclasses.replace(ghost, state="ended"), [])


def test_touching_event_restarts_the_idle_clock(store):
    before = created(store, idle_warned_at=T0)
    later = T0 + timedelta(minutes=9)
    store.conversations.append("ix1", [message("c1", at=later)])
    stored = store.conversations.get_interaction("ix1")
    assert (stored.last_activity_at, stored.idle_warned_at, stored.version) == (
        later,
        None,
        before.version,
    )


def test_events_after_orders_and_limits(store):
    created(store, n_events=5)
    created(store, "ix2", n_events=3)
    assert [row["seq"] for row in store.conversations.events_after("ix1", 0, 10)] == [1, 2, 3, 4, 5]
    assert [row["seq"] for row in store.conversations.events_after("ix1", 1, 2)] == [2, 3]
    assert [row["payload"]["n"] for row in store.conversations.events_after("ix1", 3, 10)] == [3, 4]
    assert store.conversations.events_after("ix1", 5, 10) == []
    assert {row["interaction_id"] for row in store.conversations.events_after("ix2", 0, 10)} == {
        "ix2"
    }
    first = store.conversations.events_after("ix1", 0, 1)[0]
    assert (first["type"], first["actor_role"], first["actor_id"]) == (
        "interaction.state",
        "taxpayer",
        "sub-1",
    )


# -- messages --------------------------------------------------------------------------------------


def test_message_is_found_again_by_cid(store):
    created(store, state="connected", agent_id="ag-1")
    [row] = store.conversations.append("ix1", [message("c1", body="发票怎么开？")])
    assert row["payload"]["message"] == {
        "id": "m-taxpayer-c1",
        "cid": "c1",
        "from": "taxpayer",
        "sender": "张三",
        "kind": "text",
        "body": "发票怎么开？",
        "attachment": None,
    }
    found = store.conversations.find_message("ix1", "taxpayer", "sub-1", "c1")
    assert (found["seq"], found["type"], found["payload"]) == (
        row["seq"],
        "message.new",
        row["payload"],
    )
    assert store.conversations.find_message("ix1", "taxpayer", "sub-1", "c2") is None
    assert store.conversations.find_message("ix1", "agent", "sub-1", "c1") is None
    assert store.conversations.find_message("ix1", "taxpayer", "other", "c1") is None


def test_duplicate_cid_from_the_same_sender_is_refused(store):
    created(store)
    store.conversations.append("ix1", [message("c1")])
    duplicate = message("c1", body="again")
    duplicate["message"]["id"] = "m-other"
    with pytest.raises(Duplicate):
        store.conversations.append("ix1", [duplicate])
    assert store.conversations.get_interaction("ix1").seq == 2
    assert len(store.conversations.events_after("ix1", 0, 10)) == 2


def test_same_cid_from_other_senders_or_interactions_is_fine(store):
    created(store)
    created(store, "ix2")
    store.conversations.append("ix1", [message("c1")])
    store.conversations.append("ix1", [message("c1", actor=AGENT)])
    other = message("c1")
    other["message"]["id"] = "m-ix2"
    store.conversations.append("ix2", [other])
    assert store.conversations.find_message("ix1", "agent", "ag-1", "c1")["seq"] == 3


def test_messages_without_cid_are_never_duplicates(store):
    created(store)
    bot = Actor("bot", "bot")
    first, second = message(None, actor=bot), message(None, actor=bot)
    second["message"]["id"] = "m-bot-2"
    assert [row["seq"] for row in store.conversations.append("ix1", [first, second])] == [2, 3]


# -- read pointers, ratings ------------------------------------------------------------------------


def test_mark_read_only_moves_forward_and_not_past_seq(store):
    created(store, n_events=4)
    assert store.conversations.mark_read("ix1", "taxpayer", 2)
    assert not store.conversations.mark_read("ix1", "taxpayer", 2)
    assert not store.conversations.mark_read("ix1", "taxpayer", 1)
    assert not store.conversations.mark_read("ix1", "taxpayer", 5)
    assert store.conversations.mark_read("ix1", "taxpayer", 4)
    assert store.conversations.mark_read("ix1", "agent", 3)
    stored = store.conversations.get_interaction("ix1")
    assert (stored.taxpayer_read_seq, stored.agent_read_seq, stored.version) == (4, 3, 0)
    assert not store.conversations.mark_read("nope", "agent", 1)


def _rating(score):
    return {
        "interaction_id": "ix1",
        "score": score,
        "tags": ["快"],
        "comment": "",
        "agent_id": "ag-1",
        "centre_id": "demo",
        "created_at": T0,
    }


def test_save_evaluation_once_only(store):
    created(store, state="ended", ended_by="agent")
    [row] = store.ratings.save_evaluation(_rating(5), event("rating.saved", score=5))
    assert row["seq"] == 2
    with pytest.raises(ValueError, match="already rated"):
        store.ratings.save_evaluation(_rating(1), event("rating.saved", score=1))
    assert store.ratings.get_evaluation("ix1")["score"] == 5
    assert store.conversations.get_interaction("ix1").seq == 2


# -- timestamps ------------------------------------------------------------------------------------


def test_timestamps_come_back_aware_utc(store):
    shanghai = datetime(2026, 11, 26, 9, 30, 15, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))
    store.conversations.create_interaction(
        interaction(created_at=shanghai, queued_at=T0), [event(at=shanghai)]
    )
    stored = store.conversations.get_interaction("ix1")
    for value in (stored.created_at, stored.queued_at, stored.updated_at):
        assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
    assert stored.created_at == shanghai == T0
    assert stored.connected_at is None
    at = store.conversations.events_after("ix1", 0, 1)[0]["created_at"]
    assert at == T0 and at.utcoffset() == timedelta(0)
    assert store.directory.get_site("demo")["created_at"] == T0


def test_naive_datetime_is_refused(store):
    with pytest.raises(StatementError, match="naive datetime"):
        store.conversations.create_interaction(interaction(created_at=T0.replace(tzinfo=None)), [])
    assert store.conversations.get_interaction("ix1") is None
    created(store)
    with pytest.raises(StatementError, match="naive datetime"):
        store.conversations.append("ix1", [event(at=datetime(2026, 11, 26, 12, 0))])
    assert store.conversations.get_interaction("ix1").seq == 1


# -- reference rows --------------------------------------------------------------------------------


def test_put_rows_are_insert_if_absent(store):
    store.directory.put_centre(
        {"id": "demo", "name": "changed", "schedule": ALL_DAY, "created_at": T0}
    )
    assert store.directory.get_centre("demo")["name"] == "演示中心"
    assert store.directory.get_region("4401")["centre_id"] == "demo"
    assert [key["kid"] for key in store.directory.site_keys("demo")] == ["k1"]
    assert store.conversations.queue_lengths() == {"demo": 0}


def test_ids_start_with_a_letter_or_digit():
    from widget.store import new_id

    assert all(new_id()[0].isalnum() for _ in range(2000))  # ~60 would start with - or _ before
