"""report_facts.indexed_seq: messages are counted and indexed for search after their commit

Every event stored so far was counted and indexed in its own transaction, so each conversation's
mark starts at its seq.

Revision ID: 0100_indexed_seq
Revises: 0099_merge
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0100_indexed_seq"
down_revision = "0099_merge"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report_facts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("indexed_seq", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE report_facts SET indexed_seq = "
        "(SELECT seq FROM interactions WHERE interactions.id = report_facts.interaction_id)"
    )


def downgrade():
    with op.batch_alter_table("report_facts", schema=None) as batch_op:
        batch_op.drop_column("indexed_seq")
