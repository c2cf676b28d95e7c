"""One store over SQLAlchemy Core (SQLite file by default, PostgreSQL by URL), split by aggregate.

`Store` is the one object the app holds. It owns the engine, the group writer and the transcript
index (SQLite: a file and a process of its own, transcripts.py; PostgreSQL: a table the indexer
fills after each commit, indexer.py), and hands out the aggregates, each a small module of its own
tables:

- `store.conversations`: interactions, their events and messages, audit, call log, left messages
  (conversations.py: the concurrency-critical core, every write through the group writer)
- `store.ratings`: ratings, follow-ups of poor ones, appeals (ratings.py)
- `store.forms`: business forms and their versions (forms.py)
- `store.directory`: sites and keys, regions, centres, agents, holidays, taxpayer sessions
  (directory.py)
- `store.knowledge`: KB entries and thesaurus, the bot log, quick replies, form templates
  (knowledge.py)
- `store.media`: attachments, recordings, media workers (media.py)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import make_url, select

from . import migrate
from .base import Conflict, Duplicate, new_id, new_time_id, open_engine
from .checkpoint import WalCheckpoints
from .conversations import Conversations
from .directory import Directory
from .forms import Forms
from .indexer import Indexer
from .knowledge import Knowledge
from .media import Media
from .ratings import Ratings
from .transcripts import TranscriptFile
from .writer import GroupWriter

if TYPE_CHECKING:
    from ..sitekeys import SiteKeyBox

__all__ = ["Conflict", "Duplicate", "Store", "new_id", "new_time_id"]


class Store:
    """Every read and write of durable state, by aggregate; short transactions, no I/O inside
    them."""

    def __init__(
        self,
        url: str,
        sqlite_synchronous: str = "FULL",
        key_box: SiteKeyBox | None = None,
        exit_after_commits: int = 0,
    ) -> None:
        self.url = url
        database = make_url(url).database if url.startswith("sqlite") else None
        # a file's WAL checkpoints in a thread after the group commits, not on the loop
        self.checkpoints = (
            WalCheckpoints(database) if database not in (None, "", ":memory:") else None
        )
        self.engine = open_engine(url, sqlite_synchronous, self.checkpoints is None)
        self.writer = GroupWriter(
            self.engine,
            exit_after_commits=exit_after_commits,
            after_each_commit=self.checkpoints.due if self.checkpoints else None,
        )
        # messages indexed for search after their commit
        self.indexer: Indexer | TranscriptFile = (
            TranscriptFile(self.engine, database)
            if self.engine.dialect.name == "sqlite"
            else Indexer(self.engine)
        )
        self.conversations = Conversations(self.engine, self.writer, self.indexer)
        self.ratings = Ratings(self.engine, self.conversations)
        self.forms = Forms(self.engine, self.conversations)
        self.directory = Directory(self.engine, self.writer, key_box)
        self.knowledge = Knowledge(self.engine)
        self.media = Media(self.engine)

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
        if self.checkpoints is not None:
            self.checkpoints.close()
