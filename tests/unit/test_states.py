"""The interaction and call state machines: every table entry, every gap in it, and apply()'s
stamps."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from widget.errors import IllegalTransition
from widget.models import Actor, Interaction
from widget.states import (
    CALL_TRANSITIONS,
    FINAL,
    OPENINGS,
    TRANSITIONS,
    Call,
    State,
    apply,
    apply_call,
    opening_state,
)

ROLES = ("taxpayer", "agent", "system")
BEFORE = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
NOW = BEFORE + timedelta(minutes=5)
T, A, S = "taxpayer", "agent", "system"
# The specification, written out independently of widget/states.py so that a wrong table entry
# fails.
SPEC = {
    (State.BOT, "request_human"): (State.QUEUED, {T}),
    (State.BOT, "close"): (State.ENDED, {T}),
    (State.BOT, "idle_timeout"): (State.ENDED, {S}),
    (State.QUEUED, "accept"): (State.CONNECTED, {A}),
    (State.QUEUED, "cancel"): (State.CANCELLED, {T}),
    (State.QUEUED, "expire"): (State.EXPIRED, {S}),
    (State.QUEUED, "close"): (State.ENDED, {T}),
    (State.CONNECTED, "end"): (State.ENDED, {A}),
    (State.CONNECTED, "close"): (State.ENDED, {T}),
    (State.CONNECTED, "idle_timeout"): (State.ENDED, {S}),
    (State.CONNECTED, "transfer_to_queue"): (State.QUEUED, {A}),
    (State.CONNECTED, "transfer_to_agent"): (State.CONNECTED, {A}),
    (State.CONNECTED, "agent_lost"): (State.QUEUED, {S}),
}
CALL_SPEC = {
    (Call.NONE, "request"): (Call.REQUESTED, {T}),
    (Call.REQUESTED, "accept"): (Call.ACTIVE, {A}),
    (Call.REQUESTED, "decline"): (Call.NONE, {A}),
    (Call.REQUESTED, "cancel"): (Call.NONE, {T}),
    (Call.REQUESTED, "ring_timeout"): (Call.NONE, {S}),
    (Call.REQUESTED, "hangup"): (Call.NONE, {T, A, S}),
    (Call.ACTIVE, "hangup"): (Call.NONE, {T, A, S}),
}
EVENTS = sorted({event for _, event in (*SPEC, *TRANSITIONS)} | set(OPENINGS) | {"bogus"})
CALL_EVENTS = sorted({event for _, event in (*CALL_SPEC, *CALL_TRANSITIONS)} | {"bogus"})

ACTORS = {
    "taxpayer": Actor("taxpayer", "sub-1", "张三"),
    "agent": Actor("agent", "ag-2", "税务员"),
    "system": Actor.system(),
}


def record(state, call="none", **fields):
    """Return an Interaction in state, as if the taxpayer last touched it at BEFORE."""
    base = dict(
        id="ix1",
        site_id="demo",
        tin="91440101MA5DEM001D",
        sub="sub-1",
        person_name="张三",
        enterprise="演示",
        region="4401",
        centre_id="demo",
        state=state.value,
        call_state=call,
        created_at=BEFORE,
        last_activity_at=BEFORE,
        updated_at=BEFORE,
        updated_by_role="taxpayer",
        updated_by="sub-1",
    )
    if state in (State.CONNECTED,):
        base.update(agent_id="ag-1", connected_at=BEFORE, queued_at=BEFORE)
    base.update(fields)
    return Interaction(**base)


def _legal(table):
    return [
        pytest.param(state, event, role, target, id=f"{state.value}-{event}-{role}")
        for (state, event), (target, roles) in table.items()
        for role in sorted(roles)
    ]


def _wrong_role(table):
    return [
        pytest.param(state, event, role, id=f"{state.value}-{event}-{role}")
        for (state, event), (_, roles) in table.items()
        for role in ROLES
        if role not in roles
    ]


def _absent(table, members, events):
    return [
        pytest.param(state, event, role, id=f"{state.value}-{event}-{role}")
        for state in members
        for event in events
        if (state, event) not in table
        for role in ROLES
    ]


def assert_refused(excinfo, state, event):
    error = excinfo.value
    assert error.code == "illegal_transition"
    assert (error.state, error.event) == (state, event)
    assert error.detail == {"state": state, "event": event}
    assert state in error.zh and event in error.zh
    assert state in error.en and event in error.en


# -- the interaction table ---------------------------------------------------------------------


def test_tables_are_the_specified_ones():
    assert TRANSITIONS == SPEC
    assert CALL_TRANSITIONS == CALL_SPEC


def test_table_uses_only_known_roles():
    for _, roles in (*TRANSITIONS.values(), *CALL_TRANSITIONS.values(), *OPENINGS.values()):
        assert roles and roles <= set(ROLES)


@pytest.mark.parametrize("state, event, role, target", _legal(SPEC))
def test_allowed_role_moves_to_target(state, event, role, target):
    after = apply(record(state), event, ACTORS[role], NOW)
    assert after.state == target.value
    assert (after.updated_at, after.last_activity_at) == (NOW, NOW)
    assert (after.updated_by_role, after.updated_by) == (role, ACTORS[role].id)


@pytest.mark.parametrize("state, event, role", _wrong_role(SPEC))
def test_other_roles_are_refused(state, event, role):
    before = record(state)
    with pytest.raises(IllegalTransition) as excinfo:
        apply(before, event, ACTORS[role], NOW)
    assert_refused(excinfo, state.value, event)


@pytest.mark.parametrize("state, event, role", _absent(SPEC, list(State), EVENTS))
def test_pairs_outside_the_table_are_refused(state, event, role):
    with pytest.raises(IllegalTransition) as excinfo:
        apply(record(state), event, ACTORS[role], NOW)
    assert_refused(excinfo, state.value, event)


def test_every_final_state_is_a_dead_end():
    assert not [key for key in TRANSITIONS if key[0] in FINAL]
    assert FINAL == {State.ENDED, State.CANCELLED, State.EXPIRED}


# -- what apply() stamps -------------------------------------------------------------------------

_STAMP_OF = {
    State.QUEUED: "queued_at",
    State.CONNECTED: "connected_at",
    State.ENDED: "ended_at",
    State.CANCELLED: "ended_at",
    State.EXPIRED: "ended_at",
}


@pytest.mark.parametrize("state, event, role, target", _legal(SPEC))
def test_entering_a_state_stamps_its_column(state, event, role, target):
    before = record(state)
    after = apply(before, event, ACTORS[role], NOW)
    column = _STAMP_OF[target]
    if (
        target is state
    ):  # connected -> connected (transfer_to_agent) keeps its first connection time
        assert getattr(after, column) == getattr(before, column) == BEFORE
    else:
        assert getattr(after, column) == NOW
    untouched = set(_STAMP_OF.values()) - {column}
    assert {name: getattr(after, name) for name in untouched} == {
        name: getattr(before, name) for name in untouched
    }


@pytest.mark.parametrize("state, event, role, target", _legal(SPEC))
def test_ended_by_is_the_actor_role_on_final_states_only(state, event, role, target):
    after = apply(record(state), event, ACTORS[role], NOW)
    assert after.ended_by == (role if target in FINAL else None)


@pytest.mark.parametrize(
    "state, event, role, target", [p for p in _legal(SPEC) if p.values[0] is State.CONNECTED]
)
def test_leaving_connected_clears_agent_and_call(state, event, role, target):
    before = record(state, call=Call.ACTIVE.value, agent_left_at=BEFORE, call_requested_at=BEFORE)
    after = apply(before, event, ACTORS[role], NOW)
    if target is State.CONNECTED:
        assert (after.agent_id, after.agent_left_at) == ("ag-1", BEFORE)
    else:
        assert (after.agent_id, after.agent_left_at) == (None, None)
        assert after.call_state == Call.NONE.value


@pytest.mark.parametrize("call", ["requested", "active"])
def test_a_call_ends_when_the_agent_changes_or_the_conversation_leaves_connected(call):
    serving = dataclasses.replace(record(State.CONNECTED), agent_id="ag-1", call_state=call)
    assert (
        apply(serving, "transfer_to_agent", ACTORS["agent"], NOW, agent_id="ag-9").call_state
        == "none"
    )
    assert apply(serving, "end", ACTORS["agent"], NOW).call_state == "none"
    assert apply(serving, "transfer_to_queue", ACTORS["agent"], NOW).call_state == "none"


def test_transfer_to_agent_takes_the_new_agent_from_changes():
    after = apply(
        record(State.CONNECTED), "transfer_to_agent", ACTORS["agent"], NOW, agent_id="ag-9"
    )
    assert (after.state, after.agent_id, after.connected_at) == ("connected", "ag-9", BEFORE)


def test_accept_sets_agent_and_connected_at():
    before = record(State.QUEUED, queued_at=BEFORE)
    after = apply(before, "accept", ACTORS["agent"], NOW, agent_id="ag-2")
    assert (after.state, after.agent_id, after.connected_at, after.queued_at) == (
        "connected",
        "ag-2",
        NOW,
        BEFORE,
    )


def test_apply_returns_a_new_record_and_leaves_the_old_one():
    before = record(State.BOT)
    after = apply(before, "request_human", ACTORS["taxpayer"], NOW)
    assert before.state == "bot" and before.queued_at is None
    assert (
        after is not before
        and dataclasses.replace(
            after, state="bot", queued_at=None, updated_at=BEFORE, last_activity_at=BEFORE
        )
        == before
    )


# -- the call table ------------------------------------------------------------------------------


@pytest.mark.parametrize("call, event, role, target", _legal(CALL_SPEC))
def test_call_allowed_role_moves_to_target(call, event, role, target):
    before = record(State.CONNECTED, call=call.value, call_requested_at=BEFORE)
    after = apply_call(before, event, ACTORS[role], NOW)
    assert after.call_state == target.value
    assert after.state == "connected" and after.agent_id == "ag-1"
    assert (after.updated_at, after.last_activity_at) == (NOW, NOW)
    assert (after.updated_by_role, after.updated_by) == (role, ACTORS[role].id)
    assert after.call_requested_at == (NOW if target is Call.REQUESTED else BEFORE)


@pytest.mark.parametrize("call, event, role", _wrong_role(CALL_SPEC))
def test_call_other_roles_are_refused(call, event, role):
    with pytest.raises(IllegalTransition) as excinfo:
        apply_call(record(State.CONNECTED, call=call.value), event, ACTORS[role], NOW)
    assert_refused(excinfo, f"call {call.value}", f"call.{event}")


@pytest.mark.parametrize("call, event, role", _absent(CALL_SPEC, list(Call), CALL_EVENTS))
def test_call_pairs_outside_the_table_are_refused(call, event, role):
    with pytest.raises(IllegalTransition) as excinfo:
        apply_call(record(State.CONNECTED, call=call.value), event, ACTORS[role], NOW)
    assert_refused(excinfo, f"call {call.value}", f"call.{event}")


@pytest.mark.parametrize(
    "state", [s for s in State if s is not State.CONNECTED], ids=lambda s: s.value
)
@pytest.mark.parametrize("event", sorted({event for _, event in CALL_SPEC}))
def test_calls_exist_only_while_connected(state, event):
    for role in ROLES:
        with pytest.raises(IllegalTransition) as excinfo:
            apply_call(record(state), event, ACTORS[role], NOW)
        assert_refused(excinfo, state.value, f"call.{event}")


# -- openings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event, role, expected",
    [
        (event, role, target)
        for event, (target, roles) in OPENINGS.items()
        for role in sorted(roles)
    ],
)
def test_opening_state(event, role, expected):
    assert opening_state(event, role) is expected


@pytest.mark.parametrize(
    "event, role",
    [
        *[
            (event, role)
            for event, (_, roles) in OPENINGS.items()
            for role in ROLES
            if role not in roles
        ],
        *[(event, "taxpayer") for event in ("accept", "close", "bogus")],
    ],
)
def test_opening_refused(event, role):
    with pytest.raises(IllegalTransition) as excinfo:
        opening_state(event, role)
    assert_refused(excinfo, "none", event)


def test_openings_are_exactly_ask_bot_and_request_human():
    assert {event: target for event, (target, _) in OPENINGS.items()} == {
        "ask_bot": State.BOT,
        "request_human": State.QUEUED,
    }
