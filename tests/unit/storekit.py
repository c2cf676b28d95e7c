"""Builders of interactions, events and messages for store tests (the `store` fixture: conftest),
and a wait for what a store does in the background."""

import time
from datetime import UTC, datetime

import gevent

from widget.models import Actor, Interaction

T0 = datetime(2026, 11, 26, 1, 30, 15, 123456, tzinfo=UTC)
TAXPAYER = Actor("taxpayer", "sub-1", "张三")
AGENT = Actor("agent", "ag-1", "税务员")


def interaction(ix_id="ix1", **fields):
    base = dict(
        id=ix_id,
        site_id="demo",
        tin="91440101MA5DEM001D",
        sub="sub-1",
        person_name="张三",
        enterprise="演示",
        region="4401",
        centre_id="demo",
        state="bot",
        created_at=T0,
        last_activity_at=T0,
        updated_at=T0,
        updated_by_role="taxpayer",
        updated_by="sub-1",
    )
    base.update(fields)
    return Interaction(**base)


def event(kind="interaction.state", actor=TAXPAYER, at=T0, **payload):
    return {"type": kind, "actor": actor, "at": at, "payload": payload}


def message(cid, actor=TAXPAYER, body="你好", at=T0, touch=True):
    row = {
        "id": f"m-{actor.role}-{cid}",
        "cid": cid,
        "sender_role": actor.role,
        "sender_id": actor.id,
        "sender_name": actor.name,
        "kind": "text",
        "body": body,
        "created_at": at,
    }
    return {
        "type": "message.new",
        "actor": actor,
        "at": at,
        "payload": {},
        "message": row,
        "touch": touch,
    }


def created(store, ix_id="ix1", n_events=1, **fields):
    store.conversations.create_interaction(
        interaction(ix_id, **fields), [event(n=n) for n in range(n_events)]
    )
    return store.conversations.get_interaction(ix_id)


def wait_for(condition, timeout=5.0):
    """Return once condition() holds, letting the loop run (greenlets, threads' results) meanwhile;
    fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        gevent.sleep(0.01)
