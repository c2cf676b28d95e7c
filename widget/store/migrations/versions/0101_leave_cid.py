"""leave_messages.cid: a leave-a-message the widget resends with the same client id is stored once

Messages left before this have no cid (NULL): the unique index leaves them alone.

Revision ID: 0101_leave_cid
Revises: 0100_indexed_seq
Create Date: 2026-12-06 10:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0101_leave_cid"
down_revision = "0100_indexed_seq"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("leave_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cid", sa.String(length=64), nullable=True))
        batch_op.create_index("uq_leave_cid", ["site_id", "tin", "sub", "cid"], unique=True)


def downgrade():
    with op.batch_alter_table("leave_messages", schema=None) as batch_op:
        batch_op.drop_index("uq_leave_cid")
        batch_op.drop_column("cid")
