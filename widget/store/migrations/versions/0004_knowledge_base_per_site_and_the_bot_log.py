"""knowledge base per site and the bot log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 06:12:02.912092
"""

import sqlalchemy as sa
from alembic import op

import widget.store.schema

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bot_log",
        sa.Column("interaction_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("kb_id", sa.String(length=64), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("picked_kb_id", sa.String(length=64), nullable=True),
        sa.Column("feedback", sa.String(length=8), nullable=True),
        sa.Column("created_at", widget.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
        ),
        sa.PrimaryKeyConstraint("interaction_id", "seq"),
    )
    with op.batch_alter_table("bot_log", schema=None) as batch_op:
        batch_op.create_index("ix_bot_log_site", ["site_id", "created_at"], unique=False)

    op.create_table(
        "kb_entries",
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("similar", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("updated_at", widget.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
        ),
        sa.PrimaryKeyConstraint("site_id", "id"),
    )
    op.drop_table("bot_feedback")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kb_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("kb_version")

    op.create_table(
        "bot_feedback",
        sa.Column("interaction_id", sa.VARCHAR(length=32), nullable=False),
        sa.Column("seq", sa.INTEGER(), nullable=False),
        sa.Column("kb_id", sa.VARCHAR(length=64), nullable=True),
        sa.Column("question", sa.TEXT(), nullable=False),
        sa.Column("value", sa.VARCHAR(length=8), nullable=False),
        sa.Column("created_at", sa.DATETIME(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
        ),
        sa.PrimaryKeyConstraint("interaction_id", "seq"),
    )
    op.drop_table("kb_entries")
    with op.batch_alter_table("bot_log", schema=None) as batch_op:
        batch_op.drop_index("ix_bot_log_site")

    op.drop_table("bot_log")
