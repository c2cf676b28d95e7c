"""knowledge base: each site entry's English question, phrasings and answer

Revision ID: 0007_kb_english
Revises: 0006
Create Date: 2026-12-06 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_kb_english"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("kb_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("question_en", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("aliases_en", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("answer_en", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("kb_entries", schema=None) as batch_op:
        batch_op.drop_column("answer_en")
        batch_op.drop_column("aliases_en")
        batch_op.drop_column("question_en")
