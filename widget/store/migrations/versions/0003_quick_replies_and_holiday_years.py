"""quick replies and holiday years

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 05:58:08.028030
"""

import sqlalchemy as sa
from alembic import op

import widget.store.schema

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "holiday_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", widget.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    op.create_table(
        "quick_replies",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("centre_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", widget.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["centres.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("quick_replies", schema=None) as batch_op:
        batch_op.create_index("ix_quick_replies_centre", ["centre_id", "position"], unique=False)


def downgrade():
    with op.batch_alter_table("quick_replies", schema=None) as batch_op:
        batch_op.drop_index("ix_quick_replies_centre")

    op.drop_table("quick_replies")
    op.drop_table("holiday_years")
