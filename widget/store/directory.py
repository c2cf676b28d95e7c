"""The directory: who and where — sites and their signing keys, regions, operations centres, agent
accounts and their presence, the national holiday arrangements, taxpayers' session credentials."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from . import facts
from .base import Prepared, Row, Tables
from .schema import agents, centres, holiday_years, regions, site_keys, sites, taxpayer_sessions
from .writer import GroupWriter

if TYPE_CHECKING:
    from ..sitekeys import SiteKeyBox

_INSERT_SESSION = Prepared(insert(taxpayer_sessions))  # built once: every hello stores a session


class Directory(Tables):
    """Sites, regions, centres, agents, holidays and taxpayer sessions."""

    def __init__(self, engine: Engine, writer: GroupWriter, key_box: SiteKeyBox | None) -> None:
        super().__init__(engine)
        self.writer = writer  # a new session credential rides the next group commit
        self.key_box = key_box  # widget.sitekeys.SiteKeyBox: site secrets sealed at rest

    # -- sites and their keys ----------------------------------------------------------------

    def get_site(self, site_id: str) -> Row | None:
        """Return a site row as a dict, or None."""
        return self.one(select(sites).where(sites.c.id == site_id))

    def sites(self) -> list[Row]:
        """Return every site row."""
        return self.rows(select(sites))

    def site_keys(self, site_id: str) -> list[Row]:
        """Return the site's signing keys, newest first."""
        query = (
            select(site_keys)
            .where(site_keys.c.site_id == site_id)
            .order_by(site_keys.c.created_at.desc())
        )
        rows = self.rows(query)
        if self.key_box is not None:
            rows = [dict(row, secret=self.key_box.open(row["secret"])) for row in rows]
        return rows

    def update_site(self, site_id: str, **values: Any) -> None:
        """Change some columns of a site (the roles it accepts)."""
        with self.engine.begin() as conn:
            conn.execute(update(sites).where(sites.c.id == site_id).values(**values))

    def put_site(self, site, keys=()):
        """Insert a site and its keys if absent; existing rows are left alone."""
        self.insert_absent(sites, site, sites.c.id)
        for key in keys:
            if self.key_box is not None:
                key = dict(key, secret=self.key_box.seal(key["secret"]))
            self.insert_absent(
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

    # -- regions and centres -----------------------------------------------------------------

    def put_region(self, region: Row) -> None:
        """Insert a region if absent."""
        self.insert_absent(regions, region, regions.c.code)

    def get_region(self, code: str) -> Row | None:
        """Return a region row, or None."""
        return self.one(select(regions).where(regions.c.code == code))

    def regions(self) -> list[Row]:
        """Return every region, by code."""
        return self.rows(select(regions).order_by(regions.c.code))

    def update_region(self, code: str, **values: Any) -> None:
        """Change a region's centre or smart-service switch."""
        with self.engine.begin() as conn:
            conn.execute(update(regions).where(regions.c.code == code).values(**values))

    def put_centre(self, centre: Row) -> None:
        """Insert a centre if absent."""
        self.insert_absent(centres, centre, centres.c.id)

    def get_centre(self, centre_id: str) -> Row | None:
        """Return a centre row, or None."""
        return self.one(select(centres).where(centres.c.id == centre_id))

    def centres(self) -> list[Row]:
        """Return every centre row."""
        return self.rows(select(centres).order_by(centres.c.id))

    def update_centre(self, centre_id: str, **values: Any) -> None:
        """Change some columns of a centre (its schedule, its queue limit)."""
        with self.engine.begin() as conn:
            conn.execute(update(centres).where(centres.c.id == centre_id).values(**values))

    def holiday_years(self) -> list[Row]:
        """Return the national arrangements an administrator entered, by year."""
        return [
            row["data"] for row in self.rows(select(holiday_years).order_by(holiday_years.c.year))
        ]

    def put_holiday_year(self, year: int, data: Row, now: datetime) -> None:
        """Store (or replace) one year's national arrangement."""
        with self.engine.begin() as conn:
            conn.execute(holiday_years.delete().where(holiday_years.c.year == year))
            conn.execute(insert(holiday_years).values(year=year, data=data, created_at=now))

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

    def agent_by_username(self, username: str) -> Row | None:
        """Return an agent row by login name, or None."""
        return self.one(select(agents).where(agents.c.username == username))

    def get_agent(self, agent_id: str) -> Row | None:
        """Return an agent row, or None."""
        return self.one(select(agents).where(agents.c.id == agent_id))

    def agents_of(self, centre_id: str | None = None) -> list[Row]:
        """Return agents (of one centre, or all), by username."""
        query = select(agents).order_by(agents.c.username)
        if centre_id is not None:
            query = query.where(agents.c.centre_id == centre_id)
        return self.rows(query)

    def log_presence(self, agent_id: str, centre_id: str, status: str, at: datetime) -> None:
        """Record that an agent's console went online, away (暂离) or offline at a time."""
        with self.engine.begin() as conn:
            facts.presence_changed(conn, agent_id, centre_id, status, at)

    # -- taxpayer sessions -------------------------------------------------------------------

    def create_session(self, row: Row) -> None:
        """Store a taxpayer session credential (its hash only), in the next group commit."""
        self.writer.add(_INSERT_SESSION, row)

    def session_by_hash(self, token_hash: str) -> Row | None:
        """Return the session row for a credential hash, or None."""
        return self.one(
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
