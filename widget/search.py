"""Transcript search: every message indexed as character bigrams plus its one-character words.

Chinese words are mostly two characters, below what a trigram index finds. A message becomes a list
of tokens: the characters jieba leaves standing alone in each run of Chinese characters (its
dictionary only: the HMM that guesses unknown words was half the indexer's CPU and joins only
characters into longer words, which no search asks for), then that run's character bigrams in
order, and each run of Latin letters or digits, lower-cased. SQLite keeps them in an FTS5 table,
PostgreSQL in a tsvector with their positions. A searched word is the phrase of its bigrams (a
single character: the character as a jieba word), so 发票, 红冲 and 额度 are found wherever they
were written.
"""

import re
from contextlib import ExitStack

from sqlalchemy import String, column, select, text

from .bot.tokens import tokenizer
from .errors import ZhengnaError
from .store.schema import agents, report_facts

FTS_TABLE = "transcript_fts"  # SQLite: FTS5 virtual table (words, interaction_id UNINDEXED)
PG_TABLE = "transcript_index"  # PostgreSQL: (id, interaction_id, doc tsvector) with a GIN index
INDEX_TABLES = (
    FTS_TABLE,
    PG_TABLE,
)  # outside schema.metadata: their definition depends on the database

_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MAX_TERMS = 8  # words in one search: enough for a person, bounded for the database


def tokens(body: str) -> list[str]:
    """Return the index tokens of a message: the one-character words and the bigrams of Chinese
    runs, Latin/digit runs."""
    out: list[str] = []
    for run in _RUN.findall(body.lower()):
        if not _HAN.match(run):
            out.append(run)
            continue
        out.extend(word for word in tokenizer().lcut(run, HMM=False) if len(word) == 1)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def phrases(query: str) -> list[list[str]]:
    """Return what a search asks for: one phrase of tokens per word, every phrase must be found."""
    found = []
    for run in _RUN.findall(query.lower()):
        if _HAN.match(run) and len(run) > 1:
            found.append([run[i : i + 2] for i in range(len(run) - 1)])
        else:
            found.append([run])
    return found[:MAX_TERMS]


def fts5_match(phrase: list[str]) -> str:
    """Return an FTS5 MATCH string for one phrase (tokens hold only letters, digits and Han)."""
    return '"' + " ".join(phrase) + '"'


def tsquery(phrase: list[str]) -> str:
    """Return a PostgreSQL tsquery for one phrase: its tokens next to each other."""
    return " <-> ".join(f"'{token}'" for token in phrase)


def tsvector(token_list: list[str]) -> str:
    """Return a tsvector literal of tokens with their positions (PostgreSQL keeps up to 16383)."""
    return " ".join(f"'{token}':{min(i, 16383)}" for i, token in enumerate(token_list, 1))


def index_message(conn, interaction_id: str, body: str) -> None:
    """Add one message's tokens to the transcript index, in the caller's transaction (the
    migration that made the index)."""
    found = tokens(body)
    if not found:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(
                f"INSERT INTO {PG_TABLE} (interaction_id, doc) "
                "VALUES (:iid, CAST(:doc AS tsvector))"
            ),
            {"iid": interaction_id, "doc": tsvector(found)},
        )
    else:
        conn.execute(
            text(f"INSERT INTO {FTS_TABLE} (words, interaction_id) VALUES (:words, :iid)"),
            {"words": " ".join(found), "iid": interaction_id},
        )


def matching_sql(dialect: str, count: int, table: str) -> tuple[str, list[str]]:
    """Return SQL selecting the ids of conversations holding every one of count phrases in the
    index table (its name as the connection knows it), and its parameter names (:p0, :p1, ...)."""
    names = [f"p{i}" for i in range(count)]
    if dialect == "postgresql":
        parts = [
            f"SELECT interaction_id FROM {table} WHERE doc @@ CAST(:{name} AS tsquery)"
            for name in names
        ]
    else:  # FTS5 names its hidden column after the table, without the schema
        parts = [
            f"SELECT interaction_id FROM {table} WHERE {FTS_TABLE} MATCH :{name}" for name in names
        ]
    return " INTERSECT ".join(parts), names


def phrase_params(dialect: str, found: list[list[str]]) -> dict:
    """Return the bound values for matching_sql's parameters."""
    render = tsquery if dialect == "postgresql" else fts5_match
    return {f"p{i}": render(phrase) for i, phrase in enumerate(found)}


def create_index(conn) -> None:
    """Create the transcript index for the connection's database (used by the migration)."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(
                f"CREATE TABLE {PG_TABLE} (id BIGSERIAL PRIMARY KEY, "
                "interaction_id VARCHAR(32) NOT NULL REFERENCES interactions (id), "
                "doc TSVECTOR NOT NULL)"
            )
        )
        conn.execute(text(f"CREATE INDEX ix_{PG_TABLE}_doc ON {PG_TABLE} USING GIN (doc)"))
        conn.execute(text(f"CREATE INDEX ix_{PG_TABLE}_iid ON {PG_TABLE} (interaction_id)"))
    else:
        conn.execute(
            text(
                f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
                "words, interaction_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 0')"
            )
        )


def drop_index(conn) -> None:
    """Remove the transcript index (the migration's downgrade)."""
    table = PG_TABLE if conn.dialect.name == "postgresql" else FTS_TABLE
    conn.execute(text(f"DROP TABLE {table}"))


def find(store, scope, *, words="", tin="", enterprise="", person="", limit=50) -> list[dict]:
    """Return the newest conversations in scope (reports.Scope: period, centres, agent) matching
    every condition given: TIN, part of the enterprise or person name, every word in the
    messages."""
    facts = report_facts.c
    query = (
        select(
            facts.interaction_id,
            facts.created_at,
            facts.centre_id,
            facts.tin,
            facts.enterprise,
            facts.person_name,
            facts.state,
            facts.score,
            agents.c.display_name.label("agent_name"),
        )
        .select_from(report_facts)
        .outerjoin(agents, agents.c.id == facts.agent_id)
        .where(scope.where())
        .order_by(facts.created_at.desc(), facts.interaction_id)
        .limit(limit)
    )
    if tin:
        query = query.where(facts.tin == tin.strip().upper())
    if enterprise:
        query = query.where(facts.enterprise.contains(enterprise.strip(), autoescape=True))
    if person:
        query = query.where(facts.person_name.contains(person.strip(), autoescape=True))
    found = phrases(words)
    if found and not store.indexer.flush():  # messages stored and not yet indexed: indexed first
        raise ZhengnaError("search_behind")
    with store.engine.connect() as conn, ExitStack() as words_index:
        if found:
            dialect = store.engine.dialect.name
            table = words_index.enter_context(store.indexer.attached(conn))
            sql, _ = matching_sql(dialect, len(found), table)
            ids = text(sql).bindparams(**phrase_params(dialect, found))
            ids_column = ids.columns(column("interaction_id", String))
            query = query.where(facts.interaction_id.in_(ids_column))
        return [dict(row) for row in conn.execute(query).mappings()]
