"""Conversations and their events: the concurrency-critical core of the store.

An interaction row (versioned), its sequenced events (the replay log), its messages, and what is
recorded beside them: the audit trail, the call log, the messages left outside working hours.
Every write of an interaction's state or events is a unit of work of the group writer
(writer.py), acknowledged only after the commit that holds it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import fields
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, false, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ..models import Interaction
from ..protocol import message_view
from ..states import Call, State
from . import facts
from .base import Conflict, Duplicate, Prepared, Row, Tables
from .indexer import Indexer
from .schema import (
    audit_events,
    call_events,
    centres,
    events,
    interactions,
    leave_messages,
    messages,
)
from .transcripts import TranscriptFile
from .writer import GroupWriter

_INTERACTION_COLUMNS = [f.name for f in fields(Interaction) if f.name != "extra"]
# statements of the message path, built once (and compiled once per dialect by Prepared, below)
_NEXT_SEQ = (
    update(interactions)
    .where(interactions.c.id == bindparam("iid"))
    .values(seq=interactions.c.seq + 1)
    .returning(interactions.c.seq)
)
_BY_ID = select(interactions).where(interactions.c.id == bindparam("iid"))  # every load reads it
_NEXT_SEQ_TOUCHED = _NEXT_SEQ.values(
    last_activity_at=bindparam("at", type_=interactions.c.last_activity_at.type),
    idle_warned_at=None,
)
# the same, only while the interaction is still at the version the sender checked (a message sent
# on what this process last read of it)
_NEXT_SEQ_AT = _NEXT_SEQ.where(interactions.c.version == bindparam("at_version"))
_NEXT_SEQ_TOUCHED_AT = _NEXT_SEQ_TOUCHED.where(interactions.c.version == bindparam("at_version"))
_INSERT_MESSAGE = Prepared(insert(messages))
_MESSAGE_COLUMNS = tuple(messages.c.keys())
_INSERT_EVENT = Prepared(insert(events))
_INSERT_AUDIT = Prepared(insert(audit_events))
_INSERT_CALL_EVENT = Prepared(insert(call_events))
# the message path's sequence numbers, run on the driver's cursor (base.Prepared), by (a person
# spoke, checked against a version)
_SEQ = {
    (False, False): Prepared(_NEXT_SEQ),
    (True, False): Prepared(_NEXT_SEQ_TOUCHED),
    (False, True): Prepared(_NEXT_SEQ_AT),
    (True, True): Prepared(_NEXT_SEQ_TOUCHED_AT),
}


class Conversations(Tables):
    """Interactions, their events and messages, the audit trail, the call log, left messages."""

    def __init__(
        self, engine: Engine, writer: GroupWriter, indexer: Indexer | TranscriptFile
    ) -> None:
        super().__init__(engine)
        self.writer = writer
        self.indexer = indexer  # messages indexed for search after their commit

    # -- interactions and their sequenced events ---------------------------------------------

    def create_interaction(self, record: Interaction, new_events: list[Row]) -> list[Row]:
        """Insert a new interaction with its first events; return the stored events."""

        def work(conn: Connection) -> list[Row]:
            conn.execute(insert(interactions).values(**record.as_row()))
            facts.created(conn, record)
            return self.append_in(conn, record.id, new_events)

        return self.writer.run(work)

    def commit(self, before: Interaction, after: Interaction, new_events: list[Row]) -> list[Row]:
        """Save after in place of before (same version) and append events; raise Conflict if
        moved."""
        changes = {
            name: getattr(after, name)
            for name in _INTERACTION_COLUMNS
            if getattr(after, name) != getattr(before, name) and name not in ("seq", "version")
        }

        def work(conn: Connection) -> list[Row]:
            result = conn.execute(
                update(interactions)
                .where(
                    interactions.c.id == before.id,
                    interactions.c.version == before.version,
                )
                .values(version=interactions.c.version + 1, **changes)
            )
            if result.rowcount != 1:
                raise Conflict(before.id)
            facts.changed(conn, before, after, new_events)
            return self.append_in(conn, before.id, new_events)

        return self.writer.run(work)

    def append(
        self, interaction_id: str, new_events: list[Row], version: int | None = None
    ) -> list[Row]:
        """Append events to an interaction without changing its state; return them stored.

        Raises Duplicate (and stores nothing) when a message's client id was stored before; with
        version, raises Conflict (and stores nothing) unless the interaction is still at it."""
        try:
            return self.writer.run(
                lambda conn: self.append_in(conn, interaction_id, new_events, version)
            )
        except IntegrityError as exc:
            raise Duplicate(interaction_id) from exc

    def append_in(
        self,
        conn: Connection,
        interaction_id: str,
        new_events: list[Row],
        version: int | None = None,
    ) -> list[Row]:
        """Append events inside a unit of work of the writer (conn); return the stored rows. With
        version: raise Conflict unless the interaction is still at that version.

        A message.new event carries its message row: it is stored in messages, and the event's
        payload holds what clients see of it (protocol.message_view)."""
        stored = []
        for item in new_events:
            touched = bool(item.get("touch"))  # a person spoke: the idle clock starts again
            # (each statement reads only the names it binds)
            values: Row = {"iid": interaction_id, "at": item["at"], "at_version": version}
            found = _SEQ[touched, version is not None].execute(conn, values)
            if found is None:  # moved past version (or no such interaction: the sender reloads)
                raise Conflict(interaction_id)
            seq = found[0]
            payload = dict(item["payload"])
            message = item.get("message")
            if message is not None:
                message = dict(message, seq=seq, interaction_id=interaction_id)
                self.writer.insert(
                    conn, _INSERT_MESSAGE, {key: message.get(key) for key in _MESSAGE_COLUMNS}
                )
                payload["message"] = message_view(message)
            row = {
                "interaction_id": interaction_id,
                "seq": seq,
                "type": item["type"],
                "actor_role": item["actor"].role,
                "actor_id": item["actor"].id,
                "payload": payload,
                "created_at": item["at"],
            }
            self.writer.insert(conn, _INSERT_EVENT, row)
            stored.append(row)
        indexer = self.indexer  # SQLite's index follows the messages table by itself
        if isinstance(indexer, Indexer) and any(row["type"] == "message.new" for row in stored):
            self.writer.after_commit(conn, lambda: indexer.note(interaction_id))
        return stored

    def find_message(
        self, interaction_id: str, sender_role: str, sender_id: str, cid: str
    ) -> Row | None:
        """Return the event that stored a message with this client id, or None (idempotent
        sends)."""
        query = (
            select(events)
            .join(
                messages,
                (messages.c.interaction_id == events.c.interaction_id)
                & (messages.c.seq == events.c.seq),
            )
            .where(
                messages.c.interaction_id == interaction_id,
                messages.c.sender_role == sender_role,
                messages.c.sender_id == sender_id,
                messages.c.cid == cid,
            )
        )
        return self.one(query)

    def events_after(self, interaction_id: str, seq: int, limit: int) -> list[Row]:
        """Return up to limit events of an interaction with seq greater than seq, in order."""
        query = (
            select(events)
            .where(events.c.interaction_id == interaction_id, events.c.seq > seq)
            .order_by(events.c.seq)
            .limit(limit)
        )
        return self.rows(query)

    def end_categories(self, interaction_ids: Iterable[str]) -> dict[str, str]:
        """Return {interaction id: the wrap-up category its agent chose on ending it}."""
        if not interaction_ids:
            return {}
        rows = self.rows(
            select(events.c.interaction_id, events.c.payload).where(
                events.c.interaction_id.in_(list(interaction_ids)),
                events.c.type == "interaction.state",
            )
        )
        return {
            row["interaction_id"]: row["payload"].get("category", "")
            for row in rows
            if row["payload"].get("event") == "end"
        }

    # -- reading interactions ----------------------------------------------------------------

    def get_interaction(self, interaction_id: str) -> Interaction | None:
        """Return an Interaction, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(_BY_ID, {"iid": interaction_id}).mappings().first()
        return Interaction(**row) if row else None

    def interaction_by_call(self, call_id: str) -> Interaction | None:
        """Return the interaction whose current or last call is call_id, or None."""
        row = self.one(select(interactions).where(interactions.c.call_id == call_id))
        return Interaction(**row) if row else None

    def interactions_of(
        self, site_id: str, tin: str, sub: str, limit: int = 20
    ) -> list[Interaction]:
        """Return a person's interactions, newest first."""
        query = (
            select(interactions)
            .where(
                interactions.c.site_id == site_id,
                interactions.c.tin == tin,
                interactions.c.sub == sub,
            )
            .order_by(interactions.c.created_at.desc())
            .limit(limit)
        )
        return [Interaction(**row) for row in self.rows(query)]

    def sweep_candidates(
        self,
        now: datetime,
        timeouts: Mapping[str, float],
        closed: Iterable[str],
        queue_limits: Mapping[str, float],
        present: Iterable[str],
    ) -> list[Interaction]:
        """Return the live interactions with a timeout that may be due at now, oldest first: a
        superset of what the sweeper acts on, never the whole of a quiet conversation list.

        timeouts holds the seconds of BOT_IDLE_TIMEOUT, RING_TIMEOUT, IDLE_TIMEOUT and IDLE_WARNING;
        closed the centres outside their hours; queue_limits each open centre's queue timeout;
        present the agents whose console is connected."""
        c = interactions.c

        def ago(name: str | float) -> datetime:
            seconds = timeouts[name] if isinstance(name, str) else name
            return now - timedelta(seconds=seconds)

        centres_by_limit: dict[float, list[str]] = defaultdict(list)
        for centre, limit in queue_limits.items():
            centres_by_limit[limit].append(centre)
        bot = and_(c.state == State.BOT.value, c.last_activity_at <= ago("BOT_IDLE_TIMEOUT"))
        queued = and_(
            c.state == State.QUEUED.value,
            or_(
                c.centre_id.in_(list(closed)),
                *(
                    and_(c.centre_id.in_(centres), c.queued_at <= ago(limit))
                    for limit, centres in centres_by_limit.items()
                ),
                false(),
            ),
        )
        connected = and_(
            c.state == State.CONNECTED.value,
            or_(
                and_(
                    c.call_state == Call.REQUESTED.value,
                    c.call_requested_at <= ago("RING_TIMEOUT"),
                ),
                c.agent_id.not_in(sorted(present)),  # its agent's console is gone
                c.agent_left_at.is_not(None),  # in its grace period, or the agent is back
                c.last_activity_at <= ago("IDLE_TIMEOUT"),
                and_(c.idle_warned_at.is_(None), c.last_activity_at <= ago("IDLE_WARNING")),
            ),
        )
        query = (
            select(interactions)
            .where(or_(bot, queued, connected))
            .order_by(c.queued_at, c.created_at)
        )
        return [Interaction(**row) for row in self.rows(query)]

    def interactions_in(
        self, states: Iterable[str], centre_id: str | None = None, agent_id: str | None = None
    ) -> list[Interaction]:
        """Return interactions in any of states, optionally of one centre or agent, oldest first."""
        query = select(interactions).where(interactions.c.state.in_(list(states)))
        if centre_id is not None:
            query = query.where(interactions.c.centre_id == centre_id)
        if agent_id is not None:
            query = query.where(interactions.c.agent_id == agent_id)
        query = query.order_by(
            interactions.c.queued_at, interactions.c.created_at, interactions.c.id
        )
        return [Interaction(**row) for row in self.rows(query)]

    def queue_position(self, interaction_id: str) -> int | None:
        """Return a waiting interaction's place (from 1) in its centre's queue, in the order of
        interactions_in, or None when it is not waiting: two index lookups, not the whole queue
        read (a queue of N set up one by one was read N times)."""
        c = interactions.c
        with self.engine.connect() as conn:
            mine = conn.execute(
                select(c.centre_id, c.queued_at, c.created_at).where(
                    c.id == interaction_id, c.state == "queued"
                )
            ).first()
            if mine is None:
                return None
            ahead = select(func.count()).where(
                c.centre_id == mine.centre_id,
                c.state == "queued",
                or_(
                    c.queued_at < mine.queued_at,
                    and_(c.queued_at == mine.queued_at, c.created_at < mine.created_at),
                    and_(
                        c.queued_at == mine.queued_at,
                        c.created_at == mine.created_at,
                        c.id < interaction_id,
                    ),
                ),
            )
            return int(conn.execute(ahead).scalar() or 0) + 1

    def count_in(self, states: Iterable[str], agent_id: str) -> int:
        """Return how many of an agent's interactions are in any of states (an index-only count)."""
        query = select(func.count()).where(
            interactions.c.agent_id == agent_id, interactions.c.state.in_(list(states))
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def mark_read(self, interaction_id: str, role: str, seq: int) -> bool:
        """Move a side's read pointer forward to seq (never back); return True if it moved."""
        column = (
            interactions.c.taxpayer_read_seq
            if role == "taxpayer"
            else interactions.c.agent_read_seq
        )
        with self.engine.begin() as conn:
            result = conn.execute(
                update(interactions)
                .where(
                    interactions.c.id == interaction_id,
                    column < seq,
                    interactions.c.seq >= seq,
                )
                .values({column: seq})
            )
            return result.rowcount == 1

    # -- figures over interactions -----------------------------------------------------------

    def queue_lengths(self) -> dict[str, int]:
        """Return {centre id: interactions waiting} for every centre."""
        query = (
            select(centres.c.id, func.count(interactions.c.id))
            .select_from(centres)
            .outerjoin(
                interactions,
                (interactions.c.centre_id == centres.c.id) & (interactions.c.state == "queued"),
            )
            .group_by(centres.c.id)
        )
        with self.engine.connect() as conn:
            return {centre: count for centre, count in conn.execute(query)}

    def handle_times(self, centre_id: str, since: datetime, limit: int = 50) -> list[float]:
        """Return seconds from connected to ended of the centre's recent agent-ended
        conversations."""
        query = (
            select(interactions.c.connected_at, interactions.c.ended_at)
            .where(
                interactions.c.centre_id == centre_id,
                interactions.c.ended_by == "agent",
                interactions.c.ended_at >= since,
                interactions.c.connected_at.is_not(None),
            )
            .order_by(interactions.c.ended_at.desc())
            .limit(limit)
        )
        return [(row["ended_at"] - row["connected_at"]).total_seconds() for row in self.rows(query)]

    def active_calls_by_worker(self) -> dict[str, int]:
        """Return {media worker URL: number of active calls on it}."""
        query = (
            select(interactions.c.call_worker, func.count())
            .where(interactions.c.call_state == "active", interactions.c.call_worker.is_not(None))
            .group_by(interactions.c.call_worker)
        )
        with self.engine.connect() as conn:
            return {url: count for url, count in conn.execute(query)}

    # -- what is recorded beside the events: audit trail, call log ---------------------------

    def audit(self, row: Row) -> None:
        """Record an audit event (in the next group commit)."""
        self.writer.add(_INSERT_AUDIT, row)

    def audit_events(self, interaction_id: str) -> list[Row]:
        """Return the audit trail of an interaction, oldest first."""
        return self.rows(
            select(audit_events)
            .where(audit_events.c.interaction_id == interaction_id)
            .order_by(audit_events.c.id)
        )

    def log_call_event(self, row: Row) -> None:
        """Record one call transition for supervisors' figures (in the next group commit)."""
        self.writer.add(_INSERT_CALL_EVENT, row)

    # -- messages left outside working hours -------------------------------------------------

    def save_leave_message(self, row: Row) -> Row:
        """Store a message left outside working hours; return it, or the one this person already
        stored with its cid (a resend stores nothing new)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(leave_messages).values(**row))
        except IntegrityError:
            stored = self.one(
                select(leave_messages).where(
                    leave_messages.c.site_id == row["site_id"],
                    leave_messages.c.tin == row["tin"],
                    leave_messages.c.sub == row["sub"],
                    leave_messages.c.cid == row["cid"],
                )
            )
            if stored is None:
                raise
            return stored
        return row

    def leave_messages_of(self, centre_id: str, limit: int = 100) -> list[Row]:
        """Return a centre's left messages, newest first."""
        return self.rows(
            select(leave_messages)
            .where(leave_messages.c.centre_id == centre_id)
            .order_by(leave_messages.c.created_at.desc())
            .limit(limit)
        )

    def set_leave_status(
        self, leave_id: str, centre_id: str, status: str, at: datetime | None = None
    ) -> bool:
        """Mark a left message handled (at a time, kept from the first time) or new again; return
        True if it was the centre's."""
        mine = (leave_messages.c.id == leave_id, leave_messages.c.centre_id == centre_id)
        with self.engine.begin() as conn:
            found = conn.execute(update(leave_messages).where(*mine).values(status=status)).rowcount
            if found and status == "handled" and at is not None:
                conn.execute(
                    update(leave_messages)
                    .where(*mine, leave_messages.c.handled_at.is_(None))
                    .values(handled_at=at)
                )
            return found == 1
