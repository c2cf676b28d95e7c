"""Business forms (业务办理服务确认单): a versioned row per form, each step stored with the event
that shows it in its conversation, in one unit of work of the group writer."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from .base import Conflict, Duplicate, Row, Tables
from .conversations import Conversations
from .schema import forms, interactions


class Forms(Tables):
    """The forms agents send in conversations, and their versions."""

    def __init__(self, engine: Engine, conversations: Conversations) -> None:
        super().__init__(engine)
        self.conversations = conversations  # each step's event goes into its conversation's log

    def create_form(self, row: Row, new_event: Row) -> list[Row]:
        """Insert a form with the event that shows it in its conversation; return the event stored.

        Raises Duplicate (and stores nothing) when the sender's request id was stored before."""

        def work(conn: Connection) -> list[Row]:
            conn.execute(insert(forms).values(**row))
            return self.conversations.append_in(conn, row["interaction_id"], [new_event])

        try:
            return self.conversations.writer.run(work)
        except IntegrityError as exc:
            raise Duplicate(row["interaction_id"]) from exc

    def commit_form(self, before: Row, after: Row, new_event: Row) -> list[Row]:
        """Save after in place of before (same version) with its event; raise Conflict if moved."""
        changes = {k: v for k, v in after.items() if k not in ("id", "version") and before[k] != v}

        def work(conn: Connection) -> list[Row]:
            result = conn.execute(
                update(forms)
                .where(forms.c.id == before["id"], forms.c.version == before["version"])
                .values(version=forms.c.version + 1, **changes)
            )
            if result.rowcount != 1:
                raise Conflict(before["id"])
            return self.conversations.append_in(conn, before["interaction_id"], [new_event])

        return self.conversations.writer.run(work)

    def form_by_cid(self, interaction_id: str, created_by: str, cid: str) -> Row | None:
        """Return the form an agent sent with this request id, or None (idempotent sends)."""
        return self.one(
            select(forms).where(
                forms.c.interaction_id == interaction_id,
                forms.c.created_by == created_by,
                forms.c.cid == cid,
            )
        )

    def get_form(self, form_id: str) -> Row | None:
        """Return one form, or None."""
        return self.one(select(forms).where(forms.c.id == form_id))

    def forms_of_person(self, site_id: str, tin: str, sub: str, limit: int = 50) -> list[Row]:
        """Return a person's forms across their conversations, newest first (我的业务确认单)."""
        query = (
            select(forms)
            .join(interactions, interactions.c.id == forms.c.interaction_id)
            .where(
                interactions.c.site_id == site_id,
                interactions.c.tin == tin,
                interactions.c.sub == sub,
            )
            .order_by(forms.c.created_at.desc())
            .limit(limit)
        )
        return self.rows(query)
