"""calls and recordings

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 06:19:58.830520
"""

import sqlalchemy as sa
from alembic import op

import widget.store.schema

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "recordings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("interaction_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file", sa.String(length=300), nullable=False),
        sa.Column("started_at", widget.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("streams", sa.JSON(), nullable=False),
        sa.Column("created_at", widget.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.create_index("ix_recordings_created", ["created_at"], unique=False)
        batch_op.create_index("ix_recordings_interaction", ["interaction_id"], unique=False)

    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("call_id", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_column("call_id")

    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_index("ix_recordings_interaction")
        batch_op.drop_index("ix_recordings_created")

    op.drop_table("recordings")
