"""business forms and their templates, follow-ups of poor ratings, appeals of ratings

Revision ID: 0007_forms
Revises: 0006
Create Date: 2026-12-06 06:00:00
"""

import sqlalchemy as sa
from alembic import op

import widget.store.schema

revision = "0007_forms"
down_revision = "0006"
branch_labels = None
depends_on = None

_TIME = widget.store.schema.UTCDateTime(timezone=True)


def upgrade():
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removed_at", _TIME, nullable=True))
    op.create_table(
        "form_templates",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("centre_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("form_templates", schema=None) as batch_op:
        batch_op.create_index("ix_form_templates_centre", ["centre_id", "position"], unique=False)
    op.create_table(
        "forms",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("interaction_id", sa.String(length=32), nullable=False),
        sa.Column("centre_id", sa.String(length=32), nullable=False),
        sa.Column("template_id", sa.String(length=32), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("cid", sa.String(length=64), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("updated_by_role", sa.String(length=16), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["interaction_id"], ["interactions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("interaction_id", "created_by", "cid", name="uq_forms_cid"),
    )
    with op.batch_alter_table("forms", schema=None) as batch_op:
        batch_op.create_index("ix_forms_interaction", ["interaction_id"], unique=False)
    op.create_table(
        "followups",
        sa.Column("interaction_id", sa.String(length=32), nullable=False),
        sa.Column("centre_id", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", _TIME, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("closed_at", _TIME, nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["interaction_id"], ["interactions.id"]),
        sa.PrimaryKeyConstraint("interaction_id"),
    )
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_followups_centre", ["centre_id", "status", "due_at"], unique=False
        )
    op.create_table(
        "appeals",
        sa.Column("interaction_id", sa.String(length=32), nullable=False),
        sa.Column("centre_id", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("decided_at", _TIME, nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["interaction_id"], ["interactions.id"]),
        sa.PrimaryKeyConstraint("interaction_id"),
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_appeals_centre", ["centre_id", "status", "created_at"], unique=False
        )


def downgrade():
    for table, index in (
        ("appeals", "ix_appeals_centre"),
        ("followups", "ix_followups_centre"),
        ("forms", "ix_forms_interaction"),
        ("form_templates", "ix_form_templates_centre"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(index)
        op.drop_table(table)
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
