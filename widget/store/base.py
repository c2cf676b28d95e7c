"""What every aggregate of the store shares: the engine, the row shape, ids, and three small
helpers for short transactions."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Column, Table, create_engine, event, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.expression import Executable

Row = dict[str, Any]  # one row (or event, or frame part) as a dict of column -> value


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
    """Someone else changed the row first (its version moved on)."""


def open_engine(url: str, sqlite_synchronous: str = "FULL") -> Engine:
    """Return the engine for url: SQLite in WAL mode with its durability setting, or PostgreSQL."""
    engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        synchronous = sqlite_synchronous.upper()

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA busy_timeout=5000")  # the CLI may write while the server runs
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


class Tables:
    """The base of an aggregate: its engine and the reads and writes every aggregate makes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def one(self, query: Executable) -> Row | None:
        """Return the first row of query as a dict, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
            return dict(row) if row else None

    def rows(self, query: Executable) -> list[Row]:
        """Return every row of query as dicts."""
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def insert_absent(self, table: Table, row: Row, *keys: Column) -> None:
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
