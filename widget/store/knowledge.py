"""Knowledge: each site's own knowledge-base entries and thesaurus pairs (with the site's KB
version), the bot's answer log, and what agents reuse: quick replies and form templates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from .base import Row, Tables
from .schema import bot_log, form_templates, kb_entries, kb_thesaurus, quick_replies, sites


def _bump_kb_version(conn: Connection, site_id: str) -> None:
    conn.execute(
        update(sites).where(sites.c.id == site_id).values(kb_version=sites.c.kb_version + 1)
    )


class Knowledge(Tables):
    """KB entries and thesaurus pairs, the bot log, quick replies and form templates."""

    # -- a site's knowledge base -------------------------------------------------------------

    def kb_version(self, site_id: str) -> int:
        """Return the site's KB version (changes whenever its entries do)."""
        with self.engine.connect() as conn:
            return (
                conn.execute(select(sites.c.kb_version).where(sites.c.id == site_id)).scalar() or 0
            )

    def kb_entries_of(self, site_id: str) -> list[Row]:
        """Return a site's own knowledge-base entries (additions and overrides of national ones)."""
        return self.rows(
            select(kb_entries).where(kb_entries.c.site_id == site_id).order_by(kb_entries.c.id)
        )

    def put_kb_entries(self, site_id: str, rows: Iterable[Row]) -> None:
        """Insert or replace site entries and bump the site's KB version, in one transaction."""
        with self.engine.begin() as conn:
            for row in rows:
                conn.execute(
                    kb_entries.delete().where(
                        kb_entries.c.site_id == site_id, kb_entries.c.id == row["id"]
                    )
                )
                conn.execute(insert(kb_entries).values(site_id=site_id, **row))
            _bump_kb_version(conn, site_id)

    def delete_kb_entry(self, site_id: str, entry_id: str) -> bool:
        """Remove a site's own entry (a national one shows through again); True if there was one."""
        with self.engine.begin() as conn:
            gone = (
                conn.execute(
                    kb_entries.delete().where(
                        kb_entries.c.site_id == site_id, kb_entries.c.id == entry_id
                    )
                ).rowcount
                == 1
            )
            if gone:
                _bump_kb_version(conn, site_id)
            return gone

    def kb_pairs_of(self, site_id: str) -> list[Row]:
        """Return a site's own thesaurus pairs, by variant."""
        return self.rows(
            select(kb_thesaurus)
            .where(kb_thesaurus.c.site_id == site_id)
            .order_by(kb_thesaurus.c.variant)
        )

    def put_kb_pair(self, site_id: str, row: Row) -> None:
        """Insert or replace a site's thesaurus pair and bump the site's KB version."""
        with self.engine.begin() as conn:
            conn.execute(
                kb_thesaurus.delete().where(
                    kb_thesaurus.c.site_id == site_id, kb_thesaurus.c.variant == row["variant"]
                )
            )
            conn.execute(insert(kb_thesaurus).values(site_id=site_id, **row))
            _bump_kb_version(conn, site_id)

    def delete_kb_pair(self, site_id: str, variant: str) -> bool:
        """Remove a site's thesaurus pair; return False when it had none for variant."""
        with self.engine.begin() as conn:
            gone = conn.execute(
                kb_thesaurus.delete().where(
                    kb_thesaurus.c.site_id == site_id, kb_thesaurus.c.variant == variant
                )
            ).rowcount
            if gone:
                _bump_kb_version(conn, site_id)
            return gone == 1

    # -- the bot's answers -------------------------------------------------------------------

    def log_bot(self, row: Row) -> None:
        """Record one bot answer (its question, outcome and entry) for the knowledge-base admin."""
        with self.engine.begin() as conn:
            conn.execute(insert(bot_log).values(**row))

    def update_bot_log(self, interaction_id: str, seq: int, **values: Any) -> bool:
        """Add what the taxpayer did with a bot answer (the suggestion picked, 有用/没用); True if
        found."""
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    update(bot_log)
                    .where(bot_log.c.interaction_id == interaction_id, bot_log.c.seq == seq)
                    .values(**values)
                ).rowcount
                == 1
            )

    def mark_suggestion_picked(self, interaction_id: str, before_seq: int, kb_id: str) -> None:
        """Note which suggestion was picked on the latest 'suggest' answer before before_seq."""
        with self.engine.begin() as conn:
            seq = conn.execute(
                select(func.max(bot_log.c.seq)).where(
                    bot_log.c.interaction_id == interaction_id,
                    bot_log.c.outcome == "suggest",
                    bot_log.c.seq < before_seq,
                )
            ).scalar()
            if seq is not None:
                conn.execute(
                    update(bot_log)
                    .where(bot_log.c.interaction_id == interaction_id, bot_log.c.seq == seq)
                    .values(picked_kb_id=kb_id)
                )

    def bot_log_since(self, site_id: str, since: datetime) -> list[Row]:
        """Return a site's bot answers since a time, newest first."""
        return self.rows(
            select(bot_log)
            .where(bot_log.c.site_id == site_id, bot_log.c.created_at >= since)
            .order_by(bot_log.c.created_at.desc())
        )

    # -- quick replies -----------------------------------------------------------------------

    def quick_replies_of(self, centre_id: str) -> list[Row]:
        """Return a centre's quick replies in their order."""
        return self.rows(
            select(quick_replies)
            .where(quick_replies.c.centre_id == centre_id)
            .order_by(quick_replies.c.position, quick_replies.c.created_at)
        )

    def quick_reply(self, reply_id: str) -> Row | None:
        """Return one quick reply, or None."""
        return self.one(select(quick_replies).where(quick_replies.c.id == reply_id))

    def put_quick_reply(self, row: Row) -> None:
        """Insert or replace a quick reply of the row's centre (never another centre's)."""
        with self.engine.begin() as conn:
            conn.execute(
                quick_replies.delete().where(
                    quick_replies.c.id == row["id"], quick_replies.c.centre_id == row["centre_id"]
                )
            )
            conn.execute(insert(quick_replies).values(**row))

    def delete_quick_reply(self, reply_id: str, centre_id: str) -> bool:
        """Remove a quick reply of a centre; return True if there was one."""
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    quick_replies.delete().where(
                        quick_replies.c.id == reply_id, quick_replies.c.centre_id == centre_id
                    )
                ).rowcount
                == 1
            )

    # -- form templates ----------------------------------------------------------------------

    def form_templates_of(self, centre_id: str) -> list[Row]:
        """Return a centre's form templates in their order."""
        return self.rows(
            select(form_templates)
            .where(form_templates.c.centre_id == centre_id)
            .order_by(form_templates.c.position, form_templates.c.title)
        )

    def get_form_template(self, template_id: str) -> Row | None:
        """Return one form template, or None."""
        return self.one(select(form_templates).where(form_templates.c.id == template_id))

    def put_form_template(self, row: Row) -> None:
        """Insert or replace a form template."""
        with self.engine.begin() as conn:
            conn.execute(form_templates.delete().where(form_templates.c.id == row["id"]))
            conn.execute(insert(form_templates).values(**row))

    def delete_form_template(self, template_id: str, centre_id: str) -> bool:
        """Remove a centre's form template; return True if there was one."""
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    form_templates.delete().where(
                        form_templates.c.id == template_id,
                        form_templates.c.centre_id == centre_id,
                    )
                ).rowcount
                == 1
            )
