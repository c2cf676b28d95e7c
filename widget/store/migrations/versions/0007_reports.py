"""operations-centre figures: report_facts, rating_reasons, agent_presence, daily rollups, the
transcript index, leave_messages.handled_at

Conversations stored before this migration get their facts from their interactions row (what can be
known of them now); their messages are indexed for search.

Revision ID: 0007_reports
Revises: 0006
Create Date: 2026-12-06 06:00:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import widget.store.schema
from widget import search

revision = "0007_reports"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = widget.store.schema.UTCDateTime(timezone=True)
# the measures of the rollup tables, as they were when this migration was written
ROLLED = (
    "requests", "bot_resolved", "handed_to_human", "abandoned", "served", "answered_30",
    "answered_60", "transfers", "requeues", "calls", "call_s", "rated", "ratings_removed",
    "handled", "wait_sum", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5",
    "wait_0_10s", "wait_10_30s", "wait_30_60s", "wait_60_120s", "wait_120_300s", "wait_300s_plus",
)  # fmt: skip
AGENT_ROLLED = ("served", "handling_s", "handled", "transfers", "rated", "score_sum", "good")


def upgrade():
    op.create_table(
        "report_facts",
        sa.Column("interaction_id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("centre_id", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("tin", sa.String(length=20), nullable=False),
        sa.Column("enterprise", sa.String(length=200), nullable=False),
        sa.Column("person_name", sa.String(length=100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("queued_at", TS, nullable=True),
        sa.Column("accepted_at", TS, nullable=True),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("agent_id", sa.String(length=32), nullable=True),
        sa.Column("wait_s", sa.Integer(), nullable=True),
        sa.Column("handling_s", sa.Integer(), nullable=True),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.Column("requeues", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("call_s", sa.Integer(), nullable=False),
        sa.Column("call_started_at", TS, nullable=True),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("rating_removed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["interaction_id"], ["interactions.id"]),
        sa.PrimaryKeyConstraint("interaction_id"),
    )
    op.create_index("ix_report_facts_centre", "report_facts", ["centre_id", "created_at"])
    op.create_index(
        "ix_report_facts_cover",
        "report_facts",
        [
            "created_at",
            "centre_id",
            "agent_id",
            "state",
            "queued_at",
            "accepted_at",
            "wait_s",
            "handling_s",
            "transfers",
            "requeues",
            "calls",
            "call_s",
            "score",
            "rating_removed",
            "day",
            "hour",
        ],
    )
    op.create_index("ix_report_facts_agent", "report_facts", ["agent_id", "created_at"])
    op.create_index("ix_report_facts_tin", "report_facts", ["tin", "created_at"])
    op.create_table(
        "rating_reasons",
        sa.Column("interaction_id", sa.String(length=32), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["interaction_id"], ["interactions.id"]),
        sa.PrimaryKeyConstraint("interaction_id", "tag"),
    )
    op.create_table(
        "agent_presence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("centre_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_agent_presence_agent", "agent_presence", ["agent_id", "started_at"])
    op.create_index("ix_agent_presence_centre", "agent_presence", ["centre_id", "started_at"])
    _rollup_tables()
    with op.batch_alter_table("leave_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handled_at", TS, nullable=True))
    conn = op.get_bind()
    search.create_index(conn)
    _backfill(conn)


def _rollup_tables():
    measures = [sa.Column(name, sa.Integer(), nullable=False) for name in ROLLED]
    op.create_table(
        "report_hours",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.String(length=32), nullable=False),
        *measures,
        sa.PrimaryKeyConstraint("day", "hour", "centre_id"),
    )
    op.create_table(
        "report_agent_days",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("centre_id", sa.String(length=32), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in AGENT_ROLLED],
        sa.PrimaryKeyConstraint("day", "agent_id", "centre_id"),
    )
    op.create_table(
        "report_reason_days",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("centre_id", sa.String(length=32), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "centre_id", "tag"),
    )
    op.create_table(
        "report_rolled_days",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("rolled_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )


def _backfill(conn):
    """Facts of the conversations stored so far, from their rows; their messages into the index."""
    from widget.store import facts

    rows = conn.execute(sa.text("SELECT * FROM interactions")).mappings().all()
    for row in rows:
        created = _aware(row["created_at"])
        local = created.astimezone(facts.BEIJING)
        queued, connected, ended = (
            _aware(row[k]) for k in ("queued_at", "connected_at", "ended_at")
        )
        conn.execute(
            sa.text(
                "INSERT INTO report_facts (interaction_id, site_id, centre_id, region, tin, "
                "enterprise, person_name, created_at, day, hour, state, queued_at, accepted_at, "
                "ended_at, wait_s, handling_s, transfers, requeues, calls, call_s, messages, "
                "category, score, rating_removed) VALUES (:id, :site, :centre, :region, :tin, "
                ":ent, :person, :created, :day, :hour, :state, :queued, :accepted, :ended, :wait, "
                ":handling, 0, 0, 0, 0, 0, '', NULL, :removed)"
            ).bindparams(
                sa.bindparam("created", type_=TS),
                sa.bindparam("queued", type_=TS),
                sa.bindparam("accepted", type_=TS),
                sa.bindparam("ended", type_=TS),
            ),
            {
                "id": row["id"],
                "site": row["site_id"],
                "centre": row["centre_id"],
                "region": row["region"],
                "tin": row["tin"],
                "ent": row["enterprise"],
                "person": row["person_name"],
                "created": created,
                "day": local.strftime("%Y-%m-%d"),
                "hour": local.hour,
                "state": row["state"],
                "queued": queued,
                "accepted": connected,
                "ended": ended,
                "wait": facts._seconds(queued, connected),
                "handling": facts._seconds(connected, ended),
                "removed": False,
            },
        )
    conn.execute(
        sa.text(
            "UPDATE report_facts SET messages = (SELECT count(*) FROM messages "
            "WHERE messages.interaction_id = report_facts.interaction_id), "
            "score = (SELECT score FROM evaluations "
            "WHERE evaluations.interaction_id = report_facts.interaction_id)"
        )
    )
    for message in conn.execute(sa.text("SELECT interaction_id, body FROM messages")).mappings():
        search.index_message(conn, message["interaction_id"], message["body"] or "")


def _aware(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def downgrade():
    search.drop_index(op.get_bind())
    with op.batch_alter_table("leave_messages", schema=None) as batch_op:
        batch_op.drop_column("handled_at")
    op.drop_index("ix_agent_presence_centre", table_name="agent_presence")
    op.drop_index("ix_agent_presence_agent", table_name="agent_presence")
    op.drop_table("agent_presence")
    for table in ("report_rolled_days", "report_reason_days", "report_agent_days", "report_hours"):
        op.drop_table(table)
    op.drop_table("rating_reasons")
    op.drop_index("ix_report_facts_tin", table_name="report_facts")
    op.drop_index("ix_report_facts_agent", table_name="report_facts")
    op.drop_index("ix_report_facts_cover", table_name="report_facts")
    op.drop_index("ix_report_facts_centre", table_name="report_facts")
    op.drop_table("report_facts")
