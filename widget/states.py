"""The one place where interaction and call states change: transition tables and a pure apply()."""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .errors import IllegalTransition

if TYPE_CHECKING:
    from .models import Actor, Interaction


class State(enum.StrEnum):
    """Interaction states; values are the wire, database and data-state words.

    A str enum because the store (a column's new value) and JSON (a frame's field) take it as its
    word; code compares members, and `Interaction` turns a stored word into its member."""

    BOT = "bot"
    QUEUED = "queued"
    CONNECTED = "connected"
    ENDED = "ended"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Call(enum.Enum):
    """Call sub-states inside a connected interaction."""

    NONE = "none"
    REQUESTED = "requested"
    ACTIVE = "active"


LIVE = frozenset({State.BOT, State.QUEUED, State.CONNECTED})
FINAL = frozenset({State.ENDED, State.CANCELLED, State.EXPIRED})
LIVE_VALUES = tuple(sorted(state.value for state in LIVE))

T, A, S = "taxpayer", "agent", "system"

# (state, event) -> (next state, roles allowed to cause it)
TRANSITIONS: dict[tuple[State, str], tuple[State, set[str]]] = {
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

# How an interaction is born: the first event decides its first state.
OPENINGS: dict[str, tuple[State, set[str]]] = {
    "ask_bot": (State.BOT, {T}),
    "request_human": (State.QUEUED, {T}),
}

CALL_TRANSITIONS: dict[tuple[Call, str], tuple[Call, set[str]]] = {
    (Call.NONE, "request"): (Call.REQUESTED, {T}),
    (Call.REQUESTED, "accept"): (Call.ACTIVE, {A}),
    (Call.REQUESTED, "decline"): (Call.NONE, {A}),
    (Call.REQUESTED, "cancel"): (Call.NONE, {T}),
    (Call.REQUESTED, "ring_timeout"): (Call.NONE, {S}),
    (Call.REQUESTED, "hangup"): (Call.NONE, {T, A, S}),
    (Call.ACTIVE, "hangup"): (Call.NONE, {T, A, S}),
}

# Every interaction event stamps the time it happened in this column as well.
_STAMPS = {
    State.QUEUED: "queued_at",
    State.CONNECTED: "connected_at",
    State.ENDED: "ended_at",
    State.CANCELLED: "ended_at",
    State.EXPIRED: "ended_at",
}


def next_state(state: State | str, event: str, role: str) -> State:
    """Return the state that event leads to from state, or raise IllegalTransition."""
    state = State(state)
    rule = TRANSITIONS.get((state, event))
    if rule is None or role not in rule[1]:
        raise IllegalTransition(state.value, event, role)
    return rule[0]


def opening_state(event: str, role: str) -> State:
    """Return the first state of a new interaction opened by event."""
    rule = OPENINGS.get(event)
    if rule is None or role not in rule[1]:
        raise IllegalTransition("none", event, role)
    return rule[0]


def apply(
    interaction: Interaction, event: str, actor: Actor, now: datetime, **changes: Any
) -> Interaction:
    """Return interaction after event by actor at now, stamped; raise IllegalTransition if not
    allowed."""
    target = next_state(interaction.state, event, actor.role)
    fields: dict[str, Any] = {
        "state": target,
        "updated_at": now,
        "updated_by_role": actor.role,
        "updated_by": actor.id,
        "last_activity_at": now,
    }
    stamp = _STAMPS.get(target)
    if stamp and target is not interaction.state:
        fields[stamp] = now
    if target in FINAL:
        fields["ended_by"] = actor.role
    if target is not State.CONNECTED:
        fields["agent_id"] = None
        fields["agent_left_at"] = None
    fields.update(changes)
    if interaction.call_state != Call.NONE.value and (
        target is not State.CONNECTED
        or fields.get("agent_id", interaction.agent_id) != interaction.agent_id
    ):
        fields["call_state"] = (
            Call.NONE.value
        )  # a call is between the taxpayer and the agent who answered it
    return dataclasses.replace(interaction, **fields)


def apply_call(interaction: Interaction, event: str, actor: Actor, now: datetime) -> Interaction:
    """Return interaction after a call event; calls exist only while connected."""
    if interaction.state is not State.CONNECTED:
        raise IllegalTransition(interaction.state.value, f"call.{event}", actor.role)
    call = Call(interaction.call_state)
    rule = CALL_TRANSITIONS.get((call, event))
    if rule is None or actor.role not in rule[1]:
        raise IllegalTransition(f"call {call.value}", f"call.{event}", actor.role)
    target = rule[0]
    requested_at = now if target is Call.REQUESTED else interaction.call_requested_at
    return dataclasses.replace(
        interaction,
        call_state=target.value,
        call_requested_at=requested_at,
        updated_at=now,
        updated_by_role=actor.role,
        updated_by=actor.id,
        last_activity_at=now,
    )


class FormStatus(enum.Enum):
    """A 业务办理服务确认单's own status inside its conversation."""

    SENT = "sent"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    DONE = "done"


# (status, event) -> (next status, roles allowed to cause it); None is a form not yet sent.
FORM_TRANSITIONS: dict[tuple[FormStatus | None, str], tuple[FormStatus, set[str]]] = {
    (None, "send"): (FormStatus.SENT, {A}),
    (FormStatus.SENT, "attach"): (FormStatus.SENT, {T}),
    (FormStatus.RETURNED, "attach"): (FormStatus.RETURNED, {T}),
    (FormStatus.SENT, "submit"): (FormStatus.SUBMITTED, {T}),
    (FormStatus.RETURNED, "submit"): (FormStatus.SUBMITTED, {T}),
    (FormStatus.SUBMITTED, "return"): (FormStatus.RETURNED, {A}),
    (FormStatus.SUBMITTED, "complete"): (FormStatus.DONE, {A}),
}

# Follow-ups of poor ratings (差评回访) and appeals (申诉复核): decided once, by a supervisor.
SUPERVISOR = "supervisor"
REVIEW_TRANSITIONS: dict[tuple[str, str, str], tuple[str, set[str]]] = {
    ("followup", "open", "close"): ("closed", {SUPERVISOR}),
    ("appeal", "open", "keep"): ("kept", {SUPERVISOR}),
    ("appeal", "open", "remove"): ("removed", {SUPERVISOR}),
}


def next_form_status(status: str | None, event: str, role: str) -> FormStatus:
    """Return the status a form moves to on event by role, or raise IllegalTransition."""
    current = FormStatus(status) if status is not None else None
    rule = FORM_TRANSITIONS.get((current, event))
    if rule is None or role not in rule[1]:
        raise IllegalTransition(status or "none", f"form.{event}", role)
    return rule[0]


def next_review_status(kind: str, status: str, event: str, role: str) -> str:
    """Return the status a follow-up or appeal moves to, or raise IllegalTransition."""
    rule = REVIEW_TRANSITIONS.get((kind, status, event))
    if rule is None or role not in rule[1]:
        raise IllegalTransition(status, f"{kind}.{event}", role)
    return rule[0]
