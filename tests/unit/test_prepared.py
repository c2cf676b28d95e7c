"""store.base.Prepared runs a statement on the driver's cursor and stores exactly what SQLAlchemy
would: the same values after the same bind processors, server defaults for the columns a row
leaves out, RETURNING rows, executemany row counts, and SQLAlchemy's errors, on SQLite and on
PostgreSQL."""

from datetime import UTC, timedelta, timezone

import pytest
from sqlalchemy import DateTime, bindparam, insert, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError, StatementError

from tests.unit.storekit import T0, created
from widget.store.base import Prepared
from widget.store.schema import UTCDateTime, events, interactions, taxpayer_sessions


def _event(seq, at=T0, **extra):
    return {
        "interaction_id": "ix1",
        "seq": seq,
        "type": "note",
        "actor_role": "system",
        "actor_id": "",
        "payload": {"text": "红冲", "n": [1, None]},
        "created_at": at,
        **extra,
    }


def _stored(store, seq):
    with store.engine.connect() as conn:
        # the text as stored, to compare what the two paths wrote, not what they read back
        raw = conn.execute(
            text("SELECT CAST(created_at AS TEXT) FROM events WHERE seq = :s"), {"s": seq}
        ).scalar_one()
        row = conn.execute(select(events).where(events.c.seq == seq)).mappings().one()
    return raw, {k: v for k, v in row.items() if k != "seq"}


def test_rows_are_stored_as_sqlalchemy_stores_them(any_store):
    store = any_store
    created(store, "ix1")  # event 1
    later = T0 + timedelta(microseconds=7)
    with store.engine.begin() as conn:  # SQLAlchemy's, then Prepared's, of the same rows
        conn.execute(insert(events), _event(2))
        assert Prepared(insert(events)).executemany(conn, [_event(3), _event(4, later)]) == 2
        conn.execute(insert(events), _event(5, later))
    # the same text, microseconds and zone included, and the same values read back
    assert _stored(store, 2) == _stored(store, 3)
    assert _stored(store, 4) == _stored(store, 5)


def test_a_column_the_row_leaves_out_keeps_its_server_default(any_store):
    store = any_store
    row = {
        "id": "s1",
        "token_hash": "h",
        "site_id": "demo",
        "tin": "91440101MA5XXXXXX1",
        "sub": "u1",
        "name": "张三",
        "enterprise": "",
        "region": "4401",
        "created_at": T0,
        "expires_at": T0,
    }  # every column but role
    with store.engine.begin() as conn:
        Prepared(insert(taxpayer_sessions)).execute(conn, row)
    with store.engine.connect() as conn:
        stored = conn.execute(select(taxpayer_sessions)).mappings().one()
    assert stored["role"] == taxpayer_sessions.c.role.server_default.arg


def test_returning_its_fixed_values_and_a_missed_where(any_store):
    store = any_store
    created(store, "ix1")
    bump = Prepared(
        update(interactions)
        .where(interactions.c.id == bindparam("iid"))
        .values(seq=interactions.c.seq + 1, idle_warned_at=None)
        .returning(interactions.c.seq)
    )
    with store.engine.begin() as conn:
        assert tuple(bump.execute(conn, {"iid": "ix1"})) == (2,)
        assert bump.execute(conn, {"iid": "nobody"}) is None


def test_errors_come_out_as_sqlalchemys(any_store):
    store = any_store
    created(store, "ix1")
    with pytest.raises(IntegrityError):  # event 1 is stored already
        with store.engine.begin() as conn:
            Prepared(insert(events)).executemany(conn, [_event(2), _event(1)])
    with pytest.raises(StatementError, match="naive datetime"):
        with store.engine.begin() as conn:
            Prepared(insert(events)).execute(conn, _event(2, created_at=T0.replace(tzinfo=None)))
    with pytest.raises(StatementError, match="interaction_id"):  # a row without a required value
        with store.engine.begin() as conn:
            bump = Prepared(update(events).where(events.c.interaction_id == bindparam("iid")))
            bump.execute(conn, {"type": "x"})
    assert store.conversations.events_after("ix1", 0, 10)[-1]["seq"] == 1  # nothing stored


@pytest.mark.parametrize(
    "at",
    [
        T0,
        T0.replace(microsecond=0),  # no fraction: still six digits, as SQLAlchemy writes it
        T0.astimezone(timezone(timedelta(hours=8))),  # Beijing time: stored as its UTC
        T0.astimezone(timezone(timedelta(hours=-9, minutes=-30))).replace(year=999),
    ],
)
def test_utc_datetime_on_sqlite_is_the_text_sqlalchemy_datetime_stores(at):
    dialect = sqlite.dialect()
    ours = UTCDateTime()._cached_bind_processor(dialect)
    theirs = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert ours(at) == theirs(at.astimezone(UTC).replace(tzinfo=None))
    assert ours(None) is None
    with pytest.raises(ValueError, match="naive"):
        ours(at.replace(tzinfo=None))
