"""The sweeper reads only the live interactions with a timeout due, not every live one (the same
query on SQLite and on PostgreSQL, where several processes sweep)."""

from datetime import timedelta
from types import SimpleNamespace

from tests.unit.storekit import T0, created
from widget.routing import ALL_DAY
from widget.timeouts import Sweeper

CONFIG = {"BOT_IDLE_TIMEOUT": 300, "RING_TIMEOUT": 30, "IDLE_WARNING": 600, "IDLE_TIMEOUT": 900}
NOW = T0 + timedelta(hours=1)


def ago(seconds):
    return NOW - timedelta(seconds=seconds)


def test_only_interactions_with_something_due_are_read(any_store):
    store = any_store
    for centre in ("shut", "slow"):
        store.directory.put_centre(
            {"id": centre, "name": centre, "schedule": ALL_DAY, "created_at": T0}
        )
    connected = {"state": "connected", "agent_id": "here", "last_activity_at": ago(5)}
    cases = {
        # id: (fields, due)
        "bot-fresh": ({"last_activity_at": ago(299)}, False),
        "bot-idle": ({"last_activity_at": ago(300)}, True),
        "queued-fresh": ({"state": "queued", "queued_at": ago(119)}, False),
        "queued-long": ({"state": "queued", "queued_at": ago(120)}, True),
        "queued-closed": ({"state": "queued", "queued_at": ago(1), "centre_id": "shut"}, True),
        "queued-patient-centre": (
            {"state": "queued", "queued_at": ago(200), "centre_id": "slow"},
            False,
        ),
        "talking": (connected, False),
        "agent-gone": ({**connected, "agent_id": "gone"}, True),
        "in-grace": ({**connected, "agent_left_at": ago(1)}, True),
        "ringing": ({**connected, "call_state": "requested", "call_requested_at": ago(29)}, False),
        "rang-out": ({**connected, "call_state": "requested", "call_requested_at": ago(30)}, True),
        "quiet": ({**connected, "last_activity_at": ago(600)}, True),
        "warned": ({**connected, "last_activity_at": ago(899), "idle_warned_at": ago(1)}, False),
        "warned-idle": (
            {**connected, "last_activity_at": ago(900), "idle_warned_at": ago(1)},
            True,
        ),
        "ended-long-ago": ({"state": "ended", "last_activity_at": ago(9999)}, False),
    }
    for ix_id, (fields, _due) in cases.items():
        created(store, ix_id, **fields)
    sweeper = Sweeper(SimpleNamespace(store=store), CONFIG, lambda: NOW)
    due = sweeper.due(
        NOW, closed=["shut"], limits={"demo": 120, "shut": 120, "slow": 600}, present={"here"}
    )
    assert sorted(i.id for i in due) == sorted(i for i, (_, is_due) in cases.items() if is_due)
