"""What every aggregate of the store shares: the engine, the row shape, ids, three small helpers
for short transactions, and Prepared, for the few statements every message runs."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

import orjson
from sqlalchemy import Column, Table, create_engine, event, insert, select
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.expression import BindParameter, ClauseElement, Executable

from ..protocol import encode

Row = dict[str, Any]  # one row (or event, or frame part) as a dict of column -> value


def new_id() -> str:
    """Return a random id for anything a client can see (never sequential). It starts with a letter
    or digit, so a spreadsheet export never guards it as a formula and a command line never reads it
    as an option."""
    while True:
        made = secrets.token_urlsafe(12)
        if made[0].isalnum():
            return made


def new_time_id() -> str:
    """Return an id for a row inserted on every message: the time in microseconds (14 hex digits)
    and then 96 random bits. The rows a batch inserts land at the right edge of the id's index,
    one page for the batch, where a random id writes a page of its own for each (one of the ~5
    pages a message writes); unguessable all the same."""
    return f"{time.time_ns() // 1000:014x}{secrets.token_urlsafe(12)}"


class Duplicate(Exception):
    """A message with this sender and client id is stored already (a retried send)."""


class Conflict(Exception):
    """Someone else changed the row first (its version moved on)."""


def open_engine(
    url: str, sqlite_synchronous: str = "FULL", sqlite_autocheckpoint: bool = True
) -> Engine:
    """Return the engine for url: SQLite in WAL mode with its durability setting (and without
    checkpoints of its own when another does them: store/checkpoint.py), or PostgreSQL."""
    engine = create_engine(
        url,
        future=True,
        pool_pre_ping=not url.startswith("sqlite"),
        # JSON columns (every event's payload) written as the frames are (protocol.encode, orjson):
        # the standard library's encoder was 1 % of the server's time at 1,500 messages a second
        json_serializer=encode,
        json_deserializer=orjson.loads,
    )
    if engine.dialect.name == "sqlite":
        synchronous = sqlite_synchronous.upper()

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA busy_timeout=5000")  # the CLI may write while the server runs
            cursor.execute("PRAGMA foreign_keys=ON")
            if not sqlite_autocheckpoint:
                cursor.execute("PRAGMA wal_autocheckpoint=0")
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


class Prepared:
    """A statement every message runs, compiled once for each dialect and run on the driver's
    cursor inside the caller's transaction, without what SQLAlchemy does on every call (the cache
    key, building the parameters, wrapping the result): at 3,000 messages a second that was a
    tenth of the server's time. Values go through the same bind processors SQLAlchemy applies
    (dates, JSON), and the driver's errors come out as SQLAlchemy's (an IntegrityError stays an
    IntegrityError). Engine events do not see these statements."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        # an INSERT names the columns its rows give (the others keep their server defaults)
        self._insert = isinstance(statement, Insert)
        self._compiled: dict[
            tuple[str, tuple[str, ...]], tuple[str, list[str], list[Callable[[Row], Any]], bool]
        ] = {}

    def execute(self, conn: Connection, row: Row) -> Any:
        """Run the statement with row's values; return its first row (RETURNING), or None."""
        sql, parameters = self._prepare(conn.dialect, [row])
        with _driver_cursor(conn, sql, parameters[0]) as cursor:
            cursor.execute(sql, parameters[0])
            return cursor.fetchone() if cursor.description else None

    def executemany(self, conn: Connection, rows: list[Row]) -> int:
        """Run the statement once for each row, in one call; return the rows it changed."""
        sql, parameters = self._prepare(conn.dialect, rows)
        with _driver_cursor(conn, sql, parameters) as cursor:
            cursor.executemany(sql, parameters)
            return int(cursor.rowcount)

    def _prepare(self, dialect: Dialect, rows: list[Row]) -> tuple[str, list[Any]]:
        columns = tuple(rows[0]) if self._insert else ()
        compiled = self._compiled.get((dialect.name, columns))
        if compiled is None:
            made = cast(
                SQLCompiler,
                self.statement.compile(dialect=dialect, column_keys=list(columns) or None),
            )
            named = {made.bind_names[bind]: bind for bind in made.binds.values()}
            names = list(made.positiontup or []) if made.positional else list(named)
            values = [_value(named[name], dialect) for name in names]
            compiled = (made.string, names, values, made.positional)
            self._compiled[dialect.name, columns] = compiled
        sql, names, values, positional = compiled
        try:
            if positional:
                return sql, [tuple(value(row) for value in values) for row in rows]
            return sql, [
                {name: value(row) for name, value in zip(names, values, strict=True)}
                for row in rows
            ]
        except Exception as exc:
            # a value its type refuses (a naive datetime): said as SQLAlchemy says it
            raise StatementError(str(exc), sql, rows, exc) from exc


@contextmanager
def _driver_cursor(conn: Connection, sql: str, parameters: Any) -> Iterator[Any]:
    """A cursor of conn's driver connection, closed after; the driver's errors raised as
    SQLAlchemy's."""
    error = conn.dialect.loaded_dbapi.Error
    cursor = conn.connection.cursor()
    try:
        yield cursor
    except error as exc:
        raise DBAPIError.instance(sql, parameters, exc, error) from exc
    finally:
        cursor.close()


def _value(bind: BindParameter, dialect: Dialect) -> Callable[[Row], Any]:
    """Return what gives a bound parameter's value for the driver from a row: the row's value of
    its name (a value the statement holds itself, such as values(x=None), when the row has none),
    through its type's bind processor."""
    # the processor SQLAlchemy itself applies: the dialect's own type's (a TypeDecorator's
    # process_bind_param, then its implementation's for this dialect, such as SQLite's date text)
    process = bind.type._cached_bind_processor(dialect)
    name, fixed = bind.key, (_REQUIRED if bind.required else bind.effective_value)

    def value(row: Row) -> Any:
        found = row.get(name, fixed)
        if found is _REQUIRED:
            raise KeyError(name)
        return found if process is None else process(found)

    return value


_REQUIRED = object()
