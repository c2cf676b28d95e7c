"""Media: uploaded attachments, call recordings, and the media workers heard from by heartbeat.
The files themselves live in the data dir; these are their index rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from .base import Row, Tables
from .schema import attachments, interactions, recordings, rtc_workers


class Media(Tables):
    """Attachments, recordings and the media workers."""

    # -- attachments (uploads) ---------------------------------------------------------------

    def save_attachment(self, row: Row) -> None:
        """Index an uploaded file."""
        with self.engine.begin() as conn:
            conn.execute(insert(attachments).values(**row))

    def get_attachment(self, attachment_id: str) -> Row | None:
        """Return an attachment row, or None."""
        return self.one(select(attachments).where(attachments.c.id == attachment_id))

    def attachment_bytes(self, interaction_id: str) -> int:
        """Return the total size of an interaction's uploads."""
        with self.engine.connect() as conn:
            total = conn.execute(
                select(func.coalesce(func.sum(attachments.c.size), 0)).where(
                    attachments.c.interaction_id == interaction_id
                )
            ).scalar_one()
        return int(total)

    def mark_attachment_used(self, attachment_id: str, now: datetime) -> None:
        """Note that a message (or a form) uses an upload: it is no orphan."""
        with self.engine.begin() as conn:
            conn.execute(
                update(attachments)
                .where(attachments.c.id == attachment_id, attachments.c.used_at.is_(None))
                .values(used_at=now)
            )

    def orphan_attachments(self, before: datetime) -> list[Row]:
        """Return uploads no message has used that came before a moment."""
        return self.rows(
            select(attachments).where(
                attachments.c.used_at.is_(None), attachments.c.created_at < before
            )
        )

    def delete_attachment(self, attachment_id: str) -> None:
        """Remove an upload's index row."""
        with self.engine.begin() as conn:
            conn.execute(attachments.delete().where(attachments.c.id == attachment_id))

    # -- recordings --------------------------------------------------------------------------

    def save_recording(self, row: Row) -> None:
        """Index one recorded file."""
        with self.engine.begin() as conn:
            conn.execute(insert(recordings).values(**row))

    def get_recording(self, recording_id: str) -> Row | None:
        """Return one recording row, or None."""
        return self.one(select(recordings).where(recordings.c.id == recording_id))

    def recordings_of(self, interaction_id: str) -> list[Row]:
        """Return an interaction's recordings, oldest first."""
        return self.rows(
            select(recordings)
            .where(recordings.c.interaction_id == interaction_id)
            .order_by(recordings.c.created_at)
        )

    def recordings_in_centre(self, centre_id: str, limit: int = 200) -> list[Row]:
        """Return the newest recordings of a centre's conversations, with who was in them."""
        query = (
            select(
                recordings,
                interactions.c.person_name,
                interactions.c.enterprise,
                interactions.c.agent_id,
            )
            .join(interactions, interactions.c.id == recordings.c.interaction_id)
            .where(interactions.c.centre_id == centre_id)
            .order_by(recordings.c.created_at.desc())
            .limit(limit)
        )
        return self.rows(query)

    def recordings_before(self, moment: datetime) -> list[Row]:
        """Return recordings made before moment (past their retention)."""
        return self.rows(select(recordings).where(recordings.c.created_at < moment))

    def delete_recording(self, recording_id: str) -> None:
        """Remove a recording's index row."""
        with self.engine.begin() as conn:
            conn.execute(recordings.delete().where(recordings.c.id == recording_id))

    # -- media workers -----------------------------------------------------------------------

    def worker_seen(self, url: str, mode: str, calls: int, now: datetime) -> None:
        """Record a media worker's heartbeat (its URL, mode and how many calls it holds)."""
        values = {"mode": mode, "calls": calls, "last_seen": now}
        for _ in range(2):
            try:
                with self.engine.begin() as conn:
                    if not conn.execute(
                        update(rtc_workers).where(rtc_workers.c.url == url).values(**values)
                    ).rowcount:
                        conn.execute(insert(rtc_workers).values(url=url, **values))
                return
            except IntegrityError:  # another server inserted it between the two: update that row
                continue

    def workers_seen_since(self, moment: datetime) -> list[Row]:
        """Return the media workers heard from since moment."""
        return self.rows(
            select(rtc_workers).where(rtc_workers.c.last_seen >= moment).order_by(rtc_workers.c.url)
        )
