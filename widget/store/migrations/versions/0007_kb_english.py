"""knowledge base: each site entry's English question, phrasings and answer; a site's thesaurus
pairs

Revision ID: 0007_kb_english
Revises: 0006
Create Date: 2026-12-06 06:00:00
"""

import sqlalchemy as sa
from alembic import op

import widget.store.schema

revision = "0007_kb_english"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kb_thesaurus",
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("variant", sa.String(length=64), nullable=False),
        sa.Column("canonical", sa.String(length=64), nullable=False),
        sa.Column("created_at", widget.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("site_id", "variant"),
    )
    with op.batch_alter_table("kb_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("question_en", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("aliases_en", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("answer_en", sa.Text(), nullable=False, server_default=""))


def downgrade():
    op.drop_table("kb_thesaurus")
    with op.batch_alter_table("kb_entries", schema=None) as batch_op:
        batch_op.drop_column("answer_en")
        batch_op.drop_column("aliases_en")
        batch_op.drop_column("question_en")
