"""One store over SQLAlchemy Core: SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Table,
    bindparam,
    case,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.expression import Executable

from ..models import Interaction
from . import facts, migrate
from .indexer import Indexer
from .schema import (
    agents,
    appeals,
    attachments,
    audit_events,
    bot_log,
    call_events,
    centres,
    evaluations,
    events,
    followups,
    form_templates,
    forms,
    holiday_years,
    interactions,
    kb_entries,
    kb_thesaurus,
    leave_messages,
    messages,
    quick_replies,
    recordings,
    regions,
    rtc_workers,
    site_keys,
    sites,
    taxpayer_sessions,
)
from .writer import GroupWriter

if TYPE_CHECKING:
    from ..sitekeys import SiteKeyBox

Row = dict[str, Any]  # one row (or event, or frame part) as a dict of column -> value

_INTERACTION_COLUMNS = [f.name for f in fields(Interaction) if f.name != "extra"]
# statements of the message path, built once: SQLAlchemy compiles each once and keys no values
# per message
_NEXT_SEQ = (
    update(interactions)
    .where(interactions.c.id == bindparam("iid"))
    .values(seq=interactions.c.seq + 1)
    .returning(interactions.c.seq)
)
_BY_ID = select(interactions).where(interactions.c.id == bindparam("iid"))  # every message reads it
_NEXT_SEQ_TOUCHED = _NEXT_SEQ.values(
    last_activity_at=bindparam("at", type_=interactions.c.last_activity_at.type),
    idle_warned_at=None,
)


def new_id() -> str:
    """Return a random id for anything a client can see (never sequential). It starts with a letter
    or digit, so a spreadsheet export never guards it as a formula and a command line never reads it
    as an option."""
    while True:
        made = secrets.token_urlsafe(12)
        if made[0].isalnum():
            return made


class Duplicate(Exception):
    """A message with this sender and client id is stored already (a retried send)."""


class Conflict(Exception):
    """Someone else changed the interaction first (its version moved on)."""


class Store:
    """Every read and write of durable state; short transactions, no I/O inside them."""

    def __init__(
        self,
        url: str,
        sqlite_synchronous: str = "FULL",
        key_box: SiteKeyBox | None = None,
        exit_after_commits: int = 0,
    ) -> None:
        self.url = url
        self.key_box = key_box  # widget.sitekeys.SiteKeyBox: site secrets sealed at rest
        self.engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
        if self.engine.dialect.name == "sqlite":
            self._tune_sqlite(sqlite_synchronous)
        self.writer = GroupWriter(self.engine, exit_after_commits=exit_after_commits)
        self.indexer = Indexer(self.engine)  # messages counted and indexed after their commit

    def _tune_sqlite(self, synchronous: str) -> None:
        @event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
            cursor.execute("PRAGMA busy_timeout=5000")  # the CLI may write while the server runs
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    def migrate(self) -> None:
        """Create or upgrade the schema."""
        migrate.upgrade(self.engine)

    def ping(self) -> bool:
        """Return True when the database answers."""
        with self.engine.connect() as conn:
            return conn.execute(select(1)).scalar() == 1

    def dispose(self) -> None:
        """Write what is queued, then close every pooled connection (on shutdown)."""
        self.writer.stop()
        self.indexer.stop()
        self.engine.dispose()

    # -- sites, centres, regions -------------------------------------------------------------

    def get_site(self, site_id: str) -> Row | None:
        """Return a site row as a dict, or None."""
        return self._one(select(sites).where(sites.c.id == site_id))

    def sites(self) -> list[Row]:
        """Return every site row."""
        return self._all(select(sites))

    def site_keys(self, site_id: str) -> list[Row]:
        """Return the site's signing keys, newest first."""
        query = (
            select(site_keys)
            .where(site_keys.c.site_id == site_id)
            .order_by(site_keys.c.created_at.desc())
        )
        rows = self._all(query)
        if self.key_box is not None:
            rows = [dict(row, secret=self.key_box.open(row["secret"])) for row in rows]
        return rows

    def update_site(self, site_id: str, **values: Any) -> None:
        """Change some columns of a site (the roles it accepts)."""
        with self.engine.begin() as conn:
            conn.execute(update(sites).where(sites.c.id == site_id).values(**values))

    def put_site(self, site, keys=()):
        """Insert a site and its keys if absent; existing rows are left alone."""
        self._insert_absent(sites, site, sites.c.id)
        for key in keys:
            if self.key_box is not None:
                key = dict(key, secret=self.key_box.seal(key["secret"]))
            self._insert_absent(
                site_keys, dict(key, site_id=site["id"]), site_keys.c.site_id, site_keys.c.kid
            )

    def seal_site_keys(self) -> int:
        """Encrypt every site secret still stored in the clear (from before encryption at rest);
        return how many there were."""
        box = self.key_box
        if box is None:  # a store without a key box keeps secrets as given (put_site)
            return 0
        with self.engine.begin() as conn:
            plain = [
                row
                for row in conn.execute(select(site_keys)).mappings()
                if not row["secret"].startswith("fernet:")
            ]
            for row in plain:
                conn.execute(
                    update(site_keys)
                    .where(site_keys.c.site_id == row["site_id"], site_keys.c.kid == row["kid"])
                    .values(secret=box.seal(row["secret"]))
                )
        return len(plain)

    def put_centre(self, centre: Row) -> None:
        """Insert a centre if absent."""
        self._insert_absent(centres, centre, centres.c.id)

    def put_region(self, region: Row) -> None:
        """Insert a region if absent."""
        self._insert_absent(regions, region, regions.c.code)

    def get_region(self, code: str) -> Row | None:
        """Return a region row, or None."""
        return self._one(select(regions).where(regions.c.code == code))

    def centres(self) -> list[Row]:
        """Return every centre row."""
        return self._all(select(centres).order_by(centres.c.id))

    def update_centre(self, centre_id: str, **values: Any) -> None:
        """Change some columns of a centre (its schedule, its queue limit)."""
        with self.engine.begin() as conn:
            conn.execute(update(centres).where(centres.c.id == centre_id).values(**values))

    def get_centre(self, centre_id: str) -> Row | None:
        """Return a centre row, or None."""
        return self._one(select(centres).where(centres.c.id == centre_id))

    # -- agents ------------------------------------------------------------------------------

    def create_agent(self, row: Row) -> None:
        """Insert an agent; raise ValueError if the username is taken."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(agents).values(**row))
        except IntegrityError:
            raise ValueError(f"username {row['username']!r} is taken") from None

    def update_agent(self, agent_id: str, **values: Any) -> None:
        """Change some columns of an agent."""
        with self.engine.begin() as conn:
            conn.execute(update(agents).where(agents.c.id == agent_id).values(**values))

    def bump_session_version(self, agent_id: str) -> None:
        """Move an account's session version on: every cookie carrying the old one ends."""
        with self.engine.begin() as conn:
            conn.execute(
                update(agents)
                .where(agents.c.id == agent_id)
                .values(session_version=agents.c.session_version + 1)
            )

    def agent_by_username(self, username: str) -> Row | None:
        """Return an agent row by login name, or None."""
        return self._one(select(agents).where(agents.c.username == username))

    def get_agent(self, agent_id: str) -> Row | None:
        """Return an agent row, or None."""
        return self._one(select(agents).where(agents.c.id == agent_id))

    # -- taxpayer sessions -------------------------------------------------------------------

    def create_session(self, row: Row) -> None:
        """Store a taxpayer session credential (its hash only), in the next group commit."""
        self.writer.run(lambda conn: conn.execute(insert(taxpayer_sessions), row))

    def session_by_hash(self, token_hash: str) -> Row | None:
        """Return the session row for a credential hash, or None."""
        return self._one(
            select(taxpayer_sessions).where(taxpayer_sessions.c.token_hash == token_hash)
        )

    def extend_session(self, session_id: str, expires_at: datetime) -> None:
        """Move a session's expiry forward (sliding lifetime)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(taxpayer_sessions)
                .where(taxpayer_sessions.c.id == session_id)
                .values(expires_at=expires_at)
            )

    def end_sessions(self, site_id: str, tin: str, sub: str, now: datetime) -> int:
        """Expire every live credential of one person now; return how many there were."""
        with self.engine.begin() as conn:
            return conn.execute(
                update(taxpayer_sessions)
                .where(
                    taxpayer_sessions.c.site_id == site_id,
                    taxpayer_sessions.c.tin == tin,
                    taxpayer_sessions.c.sub == sub,
                    taxpayer_sessions.c.expires_at > now,
                )
                .values(expires_at=now)
            ).rowcount

    # -- interactions and their sequenced events ---------------------------------------------

    def create_interaction(self, record: Interaction, new_events: list[Row]) -> list[Row]:
        """Insert a new interaction with its first events; return the stored events."""

        def work(conn: Connection) -> list[Row]:
            conn.execute(insert(interactions).values(**record.as_row()))
            facts.created(conn, record)
            return self._append(conn, record.id, new_events)

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
            return self._append(conn, before.id, new_events)

        return self.writer.run(work)

    def append(self, interaction_id: str, new_events: list[Row]) -> list[Row]:
        """Append events to an interaction without changing its state; return them stored.

        Raises Duplicate (and stores nothing) when a message's client id was stored before."""
        try:
            return self.writer.run(lambda conn: self._append(conn, interaction_id, new_events))
        except IntegrityError as exc:
            raise Duplicate(interaction_id) from exc

    def _append(self, conn: Connection, interaction_id: str, new_events: list[Row]) -> list[Row]:
        stored = []
        for item in new_events:
            if item.get("touch"):  # a person spoke: the idle clock starts again
                next_seq = conn.execute(
                    _NEXT_SEQ_TOUCHED, {"iid": interaction_id, "at": item["at"]}
                )
            else:
                next_seq = conn.execute(_NEXT_SEQ, {"iid": interaction_id})
            seq = next_seq.scalar_one()
            payload = dict(item["payload"])
            message = item.get("message")
            if message is not None:
                message = dict(message, seq=seq, interaction_id=interaction_id)
                conn.execute(insert(messages), {key: message.get(key) for key in messages.c.keys()})
                payload["message"] = _message_view(message)
            row = {
                "interaction_id": interaction_id,
                "seq": seq,
                "type": item["type"],
                "actor_role": item["actor"].role,
                "actor_id": item["actor"].id,
                "payload": payload,
                "created_at": item["at"],
            }
            conn.execute(insert(events), row)
            stored.append(row)
        if any(row["type"] == "message.new" for row in stored):
            self.writer.after_commit(conn, lambda: self.indexer.note(interaction_id))
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
        return self._one(query)

    def events_after(self, interaction_id: str, seq: int, limit: int) -> list[Row]:
        """Return up to limit events of an interaction with seq greater than seq, in order."""
        query = (
            select(events)
            .where(events.c.interaction_id == interaction_id, events.c.seq > seq)
            .order_by(events.c.seq)
            .limit(limit)
        )
        return self._all(query)

    def get_interaction(self, interaction_id: str) -> Interaction | None:
        """Return an Interaction, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(_BY_ID, {"iid": interaction_id}).mappings().first()
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
        return [Interaction(**row) for row in self._all(query)]

    def interactions_in(
        self, states: Iterable[str], centre_id: str | None = None, agent_id: str | None = None
    ) -> list[Interaction]:
        """Return interactions in any of states, optionally of one centre or agent, oldest first."""
        query = select(interactions).where(interactions.c.state.in_(list(states)))
        if centre_id is not None:
            query = query.where(interactions.c.centre_id == centre_id)
        if agent_id is not None:
            query = query.where(interactions.c.agent_id == agent_id)
        query = query.order_by(interactions.c.queued_at, interactions.c.created_at)
        return [Interaction(**row) for row in self._all(query)]

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

    # -- ratings, call log, audit ------------------------------------------------------------

    def save_evaluation(self, row: Row, new_event: Row, followup: Row | None = None) -> list[Row]:
        """Store the one rating of an interaction with its event (and a poor one's follow-up).

        Raises ValueError if it was rated already."""

        def work(conn: Connection) -> list[Row]:
            conn.execute(insert(evaluations).values(**row))
            facts.rated(conn, row)
            if followup is not None:
                conn.execute(insert(followups).values(**followup))
            return self._append(conn, row["interaction_id"], [new_event])

        try:
            return self.writer.run(work)
        except IntegrityError:
            raise ValueError("already rated") from None

    def set_rating_removed(self, interaction_id: str, removed: bool = True) -> None:
        """Mark a rating removed from the report figures (or back); decide_appeal does it with the
        appeal."""
        with self.engine.begin() as conn:
            facts.rating_removed(conn, interaction_id, removed)

    def log_presence(self, agent_id: str, centre_id: str, status: str, at: datetime) -> None:
        """Record that an agent's console went online, away (暂离) or offline at a time."""
        with self.engine.begin() as conn:
            facts.presence_changed(conn, agent_id, centre_id, status, at)

    def get_evaluation(self, interaction_id: str) -> Row | None:
        """Return the rating of an interaction, or None."""
        return self._one(select(evaluations).where(evaluations.c.interaction_id == interaction_id))

    def log_call_event(self, row: Row) -> None:
        """Record one call transition for supervisors' figures."""
        with self.engine.begin() as conn:
            conn.execute(insert(call_events).values(**row))

    def audit(self, row: Row) -> None:
        """Record an audit event."""
        with self.engine.begin() as conn:
            conn.execute(insert(audit_events).values(**row))

    def audit_events(self, interaction_id: str) -> list[Row]:
        """Return the audit trail of an interaction, oldest first."""
        return self._all(
            select(audit_events)
            .where(audit_events.c.interaction_id == interaction_id)
            .order_by(audit_events.c.id)
        )

    # -- attachments, leave messages, bot feedback --------------------------------------------

    def save_attachment(self, row: Row) -> None:
        """Index an uploaded file."""
        with self.engine.begin() as conn:
            conn.execute(insert(attachments).values(**row))

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
        return self._all(
            select(attachments).where(
                attachments.c.used_at.is_(None), attachments.c.created_at < before
            )
        )

    def delete_attachment(self, attachment_id: str) -> None:
        """Remove an upload's index row."""
        with self.engine.begin() as conn:
            conn.execute(attachments.delete().where(attachments.c.id == attachment_id))

    def note_login_failure(
        self, agent_id: str, blocked_until: Callable[[int], datetime | None]
    ) -> int:
        """Count a wrong password for an account; return the count so far."""
        with self.engine.begin() as conn:
            conn.execute(
                update(agents)
                .where(agents.c.id == agent_id)
                .values(failed_logins=agents.c.failed_logins + 1)
            )
            count = conn.execute(
                select(agents.c.failed_logins).where(agents.c.id == agent_id)
            ).scalar_one()
            conn.execute(
                update(agents)
                .where(agents.c.id == agent_id)
                .values(login_blocked_until=blocked_until(count))
            )
        return count

    def get_attachment(self, attachment_id: str) -> Row | None:
        """Return an attachment row, or None."""
        return self._one(select(attachments).where(attachments.c.id == attachment_id))

    def save_leave_message(self, row: Row) -> Row:
        """Store a message left outside working hours; return it, or the one this person already
        stored with its cid (a resend stores nothing new)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(leave_messages).values(**row))
        except IntegrityError:
            stored = self._one(
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
        return self._all(
            select(leave_messages)
            .where(leave_messages.c.centre_id == centre_id)
            .order_by(leave_messages.c.created_at.desc())
            .limit(limit)
        )

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
        return self._all(
            select(bot_log)
            .where(bot_log.c.site_id == site_id, bot_log.c.created_at >= since)
            .order_by(bot_log.c.created_at.desc())
        )

    def kb_entries_of(self, site_id: str) -> list[Row]:
        """Return a site's own knowledge-base entries (additions and overrides of national ones)."""
        return self._all(
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
            conn.execute(
                update(sites).where(sites.c.id == site_id).values(kb_version=sites.c.kb_version + 1)
            )

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
                conn.execute(
                    update(sites)
                    .where(sites.c.id == site_id)
                    .values(kb_version=sites.c.kb_version + 1)
                )
            return gone

    def kb_pairs_of(self, site_id: str) -> list[Row]:
        """Return a site's own thesaurus pairs, by variant."""
        return self._all(
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
            conn.execute(
                update(sites).where(sites.c.id == site_id).values(kb_version=sites.c.kb_version + 1)
            )

    def delete_kb_pair(self, site_id: str, variant: str) -> bool:
        """Remove a site's thesaurus pair; return False when it had none for variant."""
        with self.engine.begin() as conn:
            gone = conn.execute(
                kb_thesaurus.delete().where(
                    kb_thesaurus.c.site_id == site_id, kb_thesaurus.c.variant == variant
                )
            ).rowcount
            if gone:
                conn.execute(
                    update(sites)
                    .where(sites.c.id == site_id)
                    .values(kb_version=sites.c.kb_version + 1)
                )
            return gone == 1

    def kb_version(self, site_id: str) -> int:
        """Return the site's KB version (changes whenever its entries do)."""
        with self.engine.connect() as conn:
            return (
                conn.execute(select(sites.c.kb_version).where(sites.c.id == site_id)).scalar() or 0
            )

    def event(self, interaction_id: str, seq: int) -> Row | None:
        """Return one stored event, or None."""
        return self._one(
            select(events).where(events.c.interaction_id == interaction_id, events.c.seq == seq)
        )

    # -- operations-centre data ---------------------------------------------------------------

    def agents_of(self, centre_id: str | None = None) -> list[Row]:
        """Return agents (of one centre, or all), by username."""
        query = select(agents).order_by(agents.c.username)
        if centre_id is not None:
            query = query.where(agents.c.centre_id == centre_id)
        return self._all(query)

    def regions(self) -> list[Row]:
        """Return every region, by code."""
        return self._all(select(regions).order_by(regions.c.code))

    def update_region(self, code: str, **values: Any) -> None:
        """Change a region's centre or smart-service switch."""
        with self.engine.begin() as conn:
            conn.execute(update(regions).where(regions.c.code == code).values(**values))

    def quick_replies_of(self, centre_id: str) -> list[Row]:
        """Return a centre's quick replies in their order."""
        return self._all(
            select(quick_replies)
            .where(quick_replies.c.centre_id == centre_id)
            .order_by(quick_replies.c.position, quick_replies.c.created_at)
        )

    def quick_reply(self, reply_id: str) -> Row | None:
        """Return one quick reply, or None."""
        return self._one(select(quick_replies).where(quick_replies.c.id == reply_id))

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

    def holiday_years(self) -> list[Row]:
        """Return the national arrangements an administrator entered, by year."""
        return [
            row["data"] for row in self._all(select(holiday_years).order_by(holiday_years.c.year))
        ]

    def put_holiday_year(self, year: int, data: Row, now: datetime) -> None:
        """Store (or replace) one year's national arrangement."""
        with self.engine.begin() as conn:
            conn.execute(holiday_years.delete().where(holiday_years.c.year == year))
            conn.execute(insert(holiday_years).values(year=year, data=data, created_at=now))

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

    def evaluations_of(self, centre_id: str, limit: int = 100) -> list[Row]:
        """Return a centre's ratings, newest first."""
        return self._all(
            select(evaluations)
            .where(evaluations.c.centre_id == centre_id)
            .order_by(evaluations.c.created_at.desc())
            .limit(limit)
        )

    def evaluations_by_agent(self, agent_id: str, limit: int = 100) -> list[Row]:
        """Return the ratings of one agent's conversations, newest first."""
        return self._all(
            select(evaluations)
            .where(evaluations.c.agent_id == agent_id)
            .order_by(evaluations.c.created_at.desc())
            .limit(limit)
        )

    def rating_figures(self) -> dict[str, tuple[int, int, int]]:
        """Return {centre id: (ratings, sum of scores, ratings of 4 or 5)}, removed left out."""
        satisfied = func.sum(case((evaluations.c.score >= 4, 1), else_=0))
        query = (
            select(evaluations.c.centre_id, func.count(), func.sum(evaluations.c.score), satisfied)
            .where(evaluations.c.removed_at.is_(None))
            .group_by(evaluations.c.centre_id)
        )
        with self.engine.connect() as conn:
            return {
                centre: (count, int(total or 0), int(good or 0))
                for centre, count, total, good in conn.execute(query)
            }

    def end_categories(self, interaction_ids: Iterable[str]) -> dict[str, str]:
        """Return {interaction id: the wrap-up category its agent chose on ending it}."""
        if not interaction_ids:
            return {}
        rows = self._all(
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
        return [(row["ended_at"] - row["connected_at"]).total_seconds() for row in self._all(query)]

    # -- business forms (业务办理服务确认单) and their templates ----------------------------------

    def form_templates_of(self, centre_id: str) -> list[Row]:
        """Return a centre's form templates in their order."""
        return self._all(
            select(form_templates)
            .where(form_templates.c.centre_id == centre_id)
            .order_by(form_templates.c.position, form_templates.c.title)
        )

    def get_form_template(self, template_id: str) -> Row | None:
        """Return one form template, or None."""
        return self._one(select(form_templates).where(form_templates.c.id == template_id))

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

    def create_form(self, row: Row, new_event: Row) -> list[Row]:
        """Insert a form with the event that shows it in its conversation; return the event stored.

        Raises Duplicate (and stores nothing) when the sender's request id was stored before."""

        def work(conn: Connection) -> list[Row]:
            conn.execute(insert(forms).values(**row))
            return self._append(conn, row["interaction_id"], [new_event])

        try:
            return self.writer.run(work)
        except IntegrityError as exc:
            raise Duplicate(row["interaction_id"]) from exc

    def form_by_cid(self, interaction_id: str, created_by: str, cid: str) -> Row | None:
        """Return the form an agent sent with this request id, or None (idempotent sends)."""
        return self._one(
            select(forms).where(
                forms.c.interaction_id == interaction_id,
                forms.c.created_by == created_by,
                forms.c.cid == cid,
            )
        )

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
            return self._append(conn, before["interaction_id"], [new_event])

        return self.writer.run(work)

    def get_form(self, form_id: str) -> Row | None:
        """Return one form, or None."""
        return self._one(select(forms).where(forms.c.id == form_id))

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
        return self._all(query)

    # -- follow-ups of poor ratings and appeals of ratings ------------------------------------

    def followups_in(self, centre_id: str | None = None, limit: int = 200) -> list[Row]:
        """Return follow-ups (of one centre, or all), open ones first, soonest due first."""
        query = select(followups).order_by(
            case((followups.c.status == "open", 0), else_=1), followups.c.due_at
        )
        if centre_id is not None:
            query = query.where(followups.c.centre_id == centre_id)
        return self._all(query.limit(limit))

    def get_followup(self, interaction_id: str) -> Row | None:
        """Return one follow-up, or None."""
        return self._one(select(followups).where(followups.c.interaction_id == interaction_id))

    def decide_followup(self, interaction_id: str, was: str, **values: Any) -> bool:
        """Change a follow-up still in status was; return True if it was."""
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    update(followups)
                    .where(followups.c.interaction_id == interaction_id, followups.c.status == was)
                    .values(**values)
                ).rowcount
                == 1
            )

    def create_appeal(self, row: Row) -> None:
        """Store an agent's appeal of a rating; raise ValueError if it was appealed before."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(appeals).values(**row))
        except IntegrityError:
            raise ValueError("already appealed") from None

    def appeals_in(
        self, centre_id: str | None = None, agent_id: str | None = None, limit: int = 200
    ) -> list[Row]:
        """Return appeals (of one centre or agent, or all), open ones first, oldest first."""
        query = select(appeals).order_by(
            case((appeals.c.status == "open", 0), else_=1), appeals.c.created_at
        )
        if centre_id is not None:
            query = query.where(appeals.c.centre_id == centre_id)
        if agent_id is not None:
            query = query.where(appeals.c.agent_id == agent_id)
        return self._all(query.limit(limit))

    def get_appeal(self, interaction_id: str) -> Row | None:
        """Return one appeal, or None."""
        return self._one(select(appeals).where(appeals.c.interaction_id == interaction_id))

    def decide_appeal(self, interaction_id: str, status: str, by: str, at: datetime) -> bool:
        """Settle an open appeal; a removed rating is marked, never deleted. True if open."""
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(appeals)
                .where(appeals.c.interaction_id == interaction_id, appeals.c.status == "open")
                .values(status=status, decided_by=by, decided_at=at)
            ).rowcount
            if changed and status == "removed":
                conn.execute(
                    update(evaluations)
                    .where(evaluations.c.interaction_id == interaction_id)
                    .values(removed_at=at)
                )
                facts.rating_removed(conn, interaction_id, True)  # the reports leave it out too
            return changed == 1

    # -- calls ---------------------------------------------------------------------------------

    def interaction_by_call(self, call_id: str) -> Interaction | None:
        """Return the interaction whose current or last call is call_id, or None."""
        row = self._one(select(interactions).where(interactions.c.call_id == call_id))
        return Interaction(**row) if row else None

    def save_recording(self, row: Row) -> None:
        """Index one recorded file."""
        with self.engine.begin() as conn:
            conn.execute(insert(recordings).values(**row))

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
        return self._all(
            select(rtc_workers).where(rtc_workers.c.last_seen >= moment).order_by(rtc_workers.c.url)
        )

    def active_calls_by_worker(self) -> dict[str, int]:
        """Return {worker URL: number of active calls on it}."""
        query = (
            select(interactions.c.call_worker, func.count())
            .where(interactions.c.call_state == "active", interactions.c.call_worker.is_not(None))
            .group_by(interactions.c.call_worker)
        )
        with self.engine.connect() as conn:
            return {url: count for url, count in conn.execute(query)}

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
        return self._all(query)

    def recordings_of(self, interaction_id: str) -> list[Row]:
        """Return an interaction's recordings, oldest first."""
        return self._all(
            select(recordings)
            .where(recordings.c.interaction_id == interaction_id)
            .order_by(recordings.c.created_at)
        )

    def get_recording(self, recording_id: str) -> Row | None:
        """Return one recording row, or None."""
        return self._one(select(recordings).where(recordings.c.id == recording_id))

    def recordings_before(self, moment: datetime) -> list[Row]:
        """Return recordings made before moment (past their retention)."""
        return self._all(select(recordings).where(recordings.c.created_at < moment))

    def delete_recording(self, recording_id: str) -> None:
        """Remove a recording's index row."""
        with self.engine.begin() as conn:
            conn.execute(recordings.delete().where(recordings.c.id == recording_id))

    # -- helpers -----------------------------------------------------------------------------

    def _insert_absent(self, table: Table, row: Row, *keys: Column) -> None:
        """Insert row unless one with the same keys exists; another process racing us is fine
        too."""
        try:
            with self.engine.begin() as conn:
                if not conn.execute(
                    select(*keys).where(*[key == row[key.name] for key in keys])
                ).first():
                    conn.execute(insert(table).values(**row))
        except IntegrityError:
            pass

    def _one(self, query: Executable) -> Row | None:
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
            return dict(row) if row else None

    def _all(self, query: Executable) -> list[Row]:
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]


def _message_view(message: Row) -> Row:
    """Return the part of a message row that clients see."""
    return {
        "id": message["id"],
        "cid": message.get("cid"),
        "from": message["sender_role"],
        "sender": message.get("sender_name", ""),
        "kind": message["kind"],
        "body": message["body"],
        "attachment": message.get("attachment"),
    }
