"""media workers: the registry of standalone workers and the worker each call runs on

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import widget.store.schema

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rtc_workers",
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("last_seen", widget.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("url"),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("call_worker", sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_column("call_worker")

    op.drop_table("rtc_workers")
