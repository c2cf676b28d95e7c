"""security: session versions and failed-login backoff of accounts, orphan uploads, room for
encrypted site keys

Revision ID: 0007_sec
Revises: 0006
Create Date: 2026-12-06 06:15:00
"""

import sqlalchemy as sa
from alembic import op

import widget.store.schema

revision = "0007_sec"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column(
                "login_blocked_until",
                widget.store.schema.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("used_at", widget.store.schema.UTCDateTime(timezone=True), nullable=True)
        )
    # every file uploaded before this revision counts as used: none is removed as an orphan
    op.execute("UPDATE attachments SET used_at = created_at")
    with op.batch_alter_table("site_keys", schema=None) as batch_op:
        batch_op.alter_column(
            "secret", existing_type=sa.String(length=200), type_=sa.String(length=500)
        )


def downgrade():
    with op.batch_alter_table("site_keys", schema=None) as batch_op:
        batch_op.alter_column(
            "secret", existing_type=sa.String(length=500), type_=sa.String(length=200)
        )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_column("used_at")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("login_blocked_until")
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("session_version")
