"""SQLite: the transcript index moves to a file of its own (store/transcripts.py)

The index is derived from the messages: the new file is built from them by the indexing process
(or the first search), so the table in the store is dropped. PostgreSQL keeps its table. The
downgrade gives SQLite an empty table again with every conversation's mark at 0, which the
earlier indexer fills at its start.

Revision ID: 0102_transcripts_file
Revises: 0101_leave_cid
Create Date: 2026-12-07 04:00:00
"""

import sqlalchemy as sa
from alembic import op

from widget import search

revision = "0102_transcripts_file"
down_revision = "0101_leave_cid"
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {search.FTS_TABLE}"))


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        search.create_index(conn)
        conn.execute(sa.text("UPDATE report_facts SET indexed_seq = 0, messages = 0"))
