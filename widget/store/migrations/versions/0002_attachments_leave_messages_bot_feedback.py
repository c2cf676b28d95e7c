"""attachments, leave messages, bot feedback

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 05:52:32.741884
"""

import sqlalchemy as sa
from alembic import op

import widget.store.schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "leave_messages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("centre_id", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("tin", sa.String(length=20), nullable=False),
        sa.Column("sub", sa.String(length=128), nullable=False),
        sa.Column("person_name", sa.String(length=100), nullable=False),
        sa.Column("enterprise", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", widget.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("leave_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_leave_centre", ["centre_id", "status", "created_at"], unique=False
        )

    op.create_table(
        "attachments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("interaction_id", sa.String(length=32), nullable=False),
        sa.Column("uploader_role", sa.String(length=16), nullable=False),
        sa.Column("uploader_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", widget.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "bot_feedback",
        sa.Column("interaction_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kb_id", sa.String(length=64), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("value", sa.String(length=8), nullable=False),
        sa.Column("created_at", widget.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
        ),
        sa.PrimaryKeyConstraint("interaction_id", "seq"),
    )


def downgrade():
    op.drop_table("bot_feedback")
    op.drop_table("attachments")
    with op.batch_alter_table("leave_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_leave_centre")

    op.drop_table("leave_messages")
