"""Plain records passed between modules: who acts, and an interaction's current row."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from .states import State

Row = dict[str, Any]


@dataclass(frozen=True)
class Actor:
    """Who did something: a taxpayer, an agent or the system, with their id."""

    role: str  # "taxpayer" | "agent" | "system"
    id: str = ""
    name: str = ""

    @classmethod
    def taxpayer(cls, person: Row) -> Actor:
        """Return the actor of a taxpayer's session row."""
        return cls("taxpayer", person["sub"], person["name"])

    @classmethod
    def agent(cls, agent: Row) -> Actor:
        """Return the actor of an agent's account row."""
        return cls("agent", agent["id"], agent["display_name"])

    @classmethod
    def bot(cls) -> Actor:
        """Return the actor of the smart-service bot's answers."""
        return cls("bot", "bot", "")

    @classmethod
    def system(cls) -> Actor:
        """Return the actor for timeouts and other automatic transitions."""
        return cls("system", "system", "")


@dataclass(frozen=True)
class Interaction:
    """One conversation from the first question to its end, as stored."""

    id: str
    site_id: str
    tin: str
    sub: str
    person_name: str
    enterprise: str
    region: str
    centre_id: str
    state: State  # the store and the wire hold its value; Interaction(**row) converts it here
    call_state: str = "none"
    agent_id: str | None = None
    ended_by: str | None = None
    seq: int = 0
    version: int = 0
    created_at: datetime | None = None
    queued_at: datetime | None = None
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    last_activity_at: datetime | None = None
    agent_left_at: datetime | None = None
    call_requested_at: datetime | None = None
    updated_at: datetime | None = None
    updated_by_role: str | None = None
    updated_by: str | None = None
    taxpayer_read_seq: int = 0
    agent_read_seq: int = 0
    idle_warned_at: datetime | None = None
    call_id: str | None = None
    call_worker: str | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", State(self.state))  # a stored row holds the word

    def public(self, agent_name: str | None = None) -> Row:
        """Return the view of this interaction that clients receive."""
        return {
            "id": self.id,
            "state": self.state.value,
            "call": self.call_state,
            "call_id": self.call_id if self.call_state != "none" else None,
            "region": self.region,
            "centre": self.centre_id,
            "agent": {"id": self.agent_id, "name": agent_name} if self.agent_id else None,
            "ended_by": self.ended_by,
            "seq": self.seq,
            "created_at": _iso(self.created_at),
            "ended_at": _iso(self.ended_at),
            "taxpayer_read_seq": self.taxpayer_read_seq,
            "agent_read_seq": self.agent_read_seq,
            "person": {"name": self.person_name, "enterprise": self.enterprise, "tin": self.tin},
        }

    def as_row(self) -> Row:
        """Return the columns of this record as a dict for the store."""
        row = asdict(self)
        row.pop("extra")
        row["state"] = self.state.value
        return row


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
