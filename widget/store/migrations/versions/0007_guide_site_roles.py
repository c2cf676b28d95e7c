"""site roles: the token roles a site accepts, and the role a taxpayer session was opened with

Revision ID: 0007_guide
Revises: 0006
Create Date: 2026-12-06 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_guide"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("allowed_roles", sa.JSON(), server_default="[]", nullable=False)
        )
    with op.batch_alter_table("taxpayer_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=50), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("taxpayer_sessions", schema=None) as batch_op:
        batch_op.drop_column("role")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("allowed_roles")
