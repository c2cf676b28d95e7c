"""Keep report_facts (one row per conversation) true in the same transaction as each change.

The interactions row says what a conversation is now; its facts say what happened to it: first
queued, first accepted, transfers, calls, rating. Reports read only these indexed columns. The
messages count and the transcript index are kept after each message's commit, in batches
(store/indexer.py): no report figure reads them, and they cost more than the message's own writes.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update

from . import rollups
from .schema import agent_presence, rating_reasons, report_facts

BEIJING = ZoneInfo("Asia/Shanghai")
_FINAL = ("ended", "cancelled", "expired")


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, round((end - start).total_seconds()))


def created(conn, record) -> None:
    """Insert the facts of a new interaction (record: models.Interaction)."""
    local = record.created_at.astimezone(BEIJING)
    conn.execute(
        insert(report_facts).values(
            interaction_id=record.id,
            site_id=record.site_id,
            centre_id=record.centre_id,
            region=record.region,
            tin=record.tin,
            enterprise=record.enterprise,
            person_name=record.person_name,
            created_at=record.created_at,
            day=local.strftime("%Y-%m-%d"),
            hour=local.hour,
            state=record.state,
            queued_at=record.queued_at,
            transfers=0,
            requeues=0,
            calls=0,
            call_s=0,
            messages=0,
            category="",
            rating_removed=False,
        )
    )
    rollups.stale(conn, local.strftime("%Y-%m-%d"))


def changed(conn, before, after, new_events) -> None:
    """Update the facts for a stored change from before to after (both models.Interaction)."""
    row = (
        conn.execute(report_facts.select().where(report_facts.c.interaction_id == after.id))
        .mappings()
        .first()
    )
    if row is None:  # a conversation from before the facts existed
        return
    values = {}
    if after.state != row["state"]:
        values["state"] = after.state
    if after.centre_id != row["centre_id"]:  # transferred to another centre
        values["centre_id"] = after.centre_id
    if after.state == "queued" and row["queued_at"] is None:
        values["queued_at"] = after.queued_at
    if after.state == "connected" and after.agent_id and after.agent_id != before.agent_id:
        values["agent_id"] = after.agent_id
        if row["accepted_at"] is None:
            values["accepted_at"] = after.connected_at
            values["wait_s"] = _seconds(row["queued_at"] or after.queued_at, after.connected_at)
    if before.state == "connected" and after.state == "queued":
        key = "transfers" if after.updated_by_role == "agent" else "requeues"
        values[key] = row[key] + 1
    elif before.state == "connected" == after.state and after.agent_id != before.agent_id:
        values["transfers"] = row["transfers"] + 1
    if after.state in _FINAL and before.state not in _FINAL:
        values["ended_at"] = after.ended_at
        values["handling_s"] = _seconds(row["accepted_at"], after.ended_at)
    if after.call_state == "active" and before.call_state != "active":
        values.update(calls=row["calls"] + 1, call_started_at=after.updated_at)
    elif before.call_state == "active" and after.call_state != "active" and row["call_started_at"]:
        values.update(
            call_s=row["call_s"] + _seconds(row["call_started_at"], after.updated_at),
            call_started_at=None,
        )
    for item in new_events:
        payload = item.get("payload") or {}
        if item.get("type") == "interaction.state" and payload.get("event") == "end":
            values["category"] = str(payload.get("category") or "")[:64]
    if values:
        conn.execute(
            update(report_facts).where(report_facts.c.interaction_id == after.id).values(**values)
        )
        rollups.stale(conn, row["day"])


def _day_of(conn, interaction_id: str) -> str | None:
    return conn.execute(
        select(report_facts.c.day).where(report_facts.c.interaction_id == interaction_id)
    ).scalar()


def rated(conn, evaluation: dict) -> None:
    """Record a 好差评 rating and its reasons."""
    conn.execute(
        update(report_facts)
        .where(report_facts.c.interaction_id == evaluation["interaction_id"])
        .values(score=evaluation["score"])
    )
    day = _day_of(conn, evaluation["interaction_id"])
    if day:
        rollups.stale(conn, day)
    for tag in dict.fromkeys(str(t)[:64] for t in evaluation.get("tags") or []):
        conn.execute(
            insert(rating_reasons).values(interaction_id=evaluation["interaction_id"], tag=tag)
        )


def rating_removed(conn, interaction_id: str) -> None:
    """Mark a rating removed on appeal: the figures leave it out."""
    conn.execute(
        update(report_facts)
        .where(report_facts.c.interaction_id == interaction_id)
        .values(rating_removed=True)
    )
    day = _day_of(conn, interaction_id)
    if day:
        rollups.stale(conn, day)


def presence_changed(conn, agent_id: str, centre_id: str, status: str, at: datetime) -> None:
    """Close the agent's open presence stretch and open one for status (none for offline)."""
    conn.execute(
        update(agent_presence)
        .where(agent_presence.c.agent_id == agent_id, agent_presence.c.ended_at.is_(None))
        .values(ended_at=at)
    )
    if status in ("online", "away"):
        conn.execute(
            insert(agent_presence).values(
                agent_id=agent_id, centre_id=centre_id, status=status, started_at=at
            )
        )
