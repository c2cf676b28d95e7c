"""Table definitions for SQLAlchemy Core; migrations in migrations/ build exactly these."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect

metadata = MetaData()


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return (
            value.astimezone(UTC)
            if dialect.name != "sqlite"
            else value.astimezone(UTC).replace(tzinfo=None)
        )

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], Any] | None:
        """On SQLite, the text SQLAlchemy's DATETIME stores, made by isoformat (in C) rather
        than its %-formatting (3 % of the server's time at 1,500 messages a second)."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            naive = self.process_bind_param(value, dialect)  # UTC, naive; a naive one refused
            # YYYY-MM-DD HH:MM:SS.ffffff, SQLAlchemy's storage format
            return None if naive is None else naive.isoformat(" ", "microseconds")

        return process

    def process_result_value(
        self, value: datetime | str | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


sites = Table(
    "sites",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("allowed_origins", JSON, nullable=False),
    Column("token_lifetime", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("kb_version", Integer, nullable=False, server_default="0"),  # bumped on every KB edit
    # the token `role` values whose holders may use the widget here (widget/roles.py); empty: anyone
    Column("allowed_roles", JSON, nullable=False, server_default="[]"),
)

site_keys = Table(
    "site_keys",
    metadata,
    Column("site_id", String(32), ForeignKey("sites.id"), primary_key=True),
    Column("kid", String(64), primary_key=True),
    Column("secret", String(500), nullable=False),  # encrypted at rest (widget.sitekeys)
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

centres = Table(
    "centres",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("schedule", JSON, nullable=False),
    Column("queue_timeout", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

regions = Table(
    "regions",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("site_id", String(32), ForeignKey("sites.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("centre_id", String(32), ForeignKey("centres.id"), nullable=False),
    Column("smart_service", Boolean, nullable=False),
)

agents = Table(
    "agents",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("display_name", String(100), nullable=False),
    Column("centre_id", String(32), ForeignKey("centres.id"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("max_concurrent", Integer, nullable=False),
    Column("presence", String(16), nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # bumped by logout and by changing role, centre, password or disabled: older cookies end
    Column("session_version", Integer, nullable=False, server_default="0"),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("login_blocked_until", UTCDateTime, nullable=True),
)

taxpayer_sessions = Table(
    "taxpayer_sessions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("site_id", String(32), nullable=False),
    Column("tin", String(20), nullable=False),
    Column("sub", String(128), nullable=False),
    Column("name", String(100), nullable=False),
    Column("enterprise", String(200), nullable=False),
    Column("region", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column(
        "role", String(50), nullable=False, server_default=""
    ),  # the token's, checked on resume too
)

interactions = Table(
    "interactions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("site_id", String(32), nullable=False),
    Column("tin", String(20), nullable=False),
    Column("sub", String(128), nullable=False),
    Column("person_name", String(100), nullable=False),
    Column("enterprise", String(200), nullable=False),
    Column("region", String(16), nullable=False),
    Column("centre_id", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("call_state", String(16), nullable=False),
    Column("agent_id", String(32), nullable=True),
    Column("ended_by", String(16), nullable=True),
    Column("seq", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("queued_at", UTCDateTime, nullable=True),
    Column("connected_at", UTCDateTime, nullable=True),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("last_activity_at", UTCDateTime, nullable=True),
    Column("agent_left_at", UTCDateTime, nullable=True),
    Column("call_requested_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=True),
    Column("updated_by_role", String(16), nullable=True),
    Column("updated_by", String(128), nullable=True),
    Column("taxpayer_read_seq", Integer, nullable=False),
    Column("agent_read_seq", Integer, nullable=False),
    Column("idle_warned_at", UTCDateTime, nullable=True),
    Column("call_id", String(32), nullable=True),  # the current or last call of this interaction
    Column(
        "call_worker", String(300), nullable=True
    ),  # the media worker (its URL) that carries that call
    Index("ix_interactions_person", "site_id", "tin", "sub", "created_at"),
    Index("ix_interactions_queue", "centre_id", "state", "queued_at"),
    Index("ix_interactions_agent", "agent_id", "state"),
)

events = Table(
    "events",
    metadata,
    Column("interaction_id", String(32), ForeignKey("interactions.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("type", String(32), nullable=False),
    Column("actor_role", String(16), nullable=False),
    Column("actor_id", String(128), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

messages = Table(
    "messages",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("interaction_id", String(32), ForeignKey("interactions.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("cid", String(64), nullable=True),
    Column("sender_role", String(16), nullable=False),
    Column("sender_id", String(128), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("body", Text, nullable=False),
    Column("attachment_id", String(32), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("interaction_id", "sender_role", "sender_id", "cid", name="uq_messages_cid"),
    Index("ix_messages_interaction", "interaction_id", "seq"),
)

call_events = Table(
    "call_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("interaction_id", String(32), ForeignKey("interactions.id"), nullable=False),
    Column("event", String(32), nullable=False),
    Column("call_state", String(16), nullable=False),
    Column("actor_role", String(16), nullable=False),
    Column("actor_id", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

evaluations = Table(
    "evaluations",
    metadata,
    Column("interaction_id", String(32), ForeignKey("interactions.id"), primary_key=True),
    Column("score", Integer, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("comment", Text, nullable=False),
    Column("agent_id", String(32), nullable=True),
    Column("centre_id", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("removed_at", UTCDateTime, nullable=True),  # an appeal removed it from the figures
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("actor_role", String(16), nullable=False),
    Column("actor_id", String(128), nullable=False),
    Column("action", String(32), nullable=False),
    Column("interaction_id", String(32), nullable=True),
    Column("detail", JSON, nullable=False),
    Index("ix_audit_interaction", "interaction_id"),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("interaction_id", String(32), ForeignKey("interactions.id"), nullable=False),
    Column("uploader_role", String(16), nullable=False),
    Column("uploader_id", String(128), nullable=False),
    Column("name", String(200), nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),  # first sent in a message; None: an orphan
)

leave_messages = Table(
    "leave_messages",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("site_id", String(32), nullable=False),
    Column("centre_id", String(32), nullable=False),
    Column("region", String(16), nullable=False),
    Column("tin", String(20), nullable=False),
    Column("sub", String(128), nullable=False),
    Column("person_name", String(100), nullable=False),
    Column("enterprise", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("contact", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("handled_at", UTCDateTime, nullable=True),  # when it was first marked handled
    Column("cid", String(64), nullable=True),  # the widget's client id: a resend is stored once
    Index("ix_leave_centre", "centre_id", "status", "created_at"),
    Index("uq_leave_cid", "site_id", "tin", "sub", "cid", unique=True),
)

bot_log = Table(
    "bot_log",
    metadata,
    Column("interaction_id", String(32), ForeignKey("interactions.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),  # the bot answer's event
    Column("site_id", String(32), nullable=False),
    Column("question", Text, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("kb_id", String(64), nullable=True),
    Column("score", Integer, nullable=False),  # thousandths, so it sorts and sums in any database
    Column("picked_kb_id", String(64), nullable=True),
    Column("feedback", String(8), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_bot_log_site", "site_id", "created_at"),
)

kb_entries = Table(
    "kb_entries",
    metadata,
    Column("site_id", String(32), ForeignKey("sites.id"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("category", String(64), nullable=False),
    Column("question", Text, nullable=False),
    Column("aliases", JSON, nullable=False),
    Column("similar", JSON, nullable=False),
    Column("answer", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(128), nullable=False),
    Column("question_en", Text, nullable=False, server_default=""),
    Column("aliases_en", JSON, nullable=False, server_default="[]"),
    Column("answer_en", Text, nullable=False, server_default=""),
)

kb_thesaurus = (
    Table(  # a site's own word pairs on top of the shipped thesaurus (widget/bot/thesaurus.py)
        "kb_thesaurus",
        metadata,
        Column("site_id", String(32), ForeignKey("sites.id"), primary_key=True),
        Column("variant", String(64), primary_key=True),
        Column("canonical", String(64), nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("created_by", String(128), nullable=False),
    )
)

quick_replies = Table(
    "quick_replies",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("centre_id", String(32), ForeignKey("centres.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_quick_replies_centre", "centre_id", "position"),
)

holiday_years = Table(
    "holiday_years",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("data", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

recordings = Table(
    "recordings",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("call_id", String(32), nullable=False),
    Column("interaction_id", String(32), ForeignKey("interactions.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # taxpayer | agent | screen
    Column("file", String(300), nullable=False),
    Column("started_at", UTCDateTime, nullable=True),
    Column("duration", Integer, nullable=False),  # milliseconds
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("streams", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_recordings_interaction", "interaction_id"),
    Index("ix_recordings_created", "created_at"),
)

rtc_workers = (
    Table(  # media workers that announced themselves (python -m rtc --register), by their URL
        "rtc_workers",
        metadata,
        Column("url", String(300), primary_key=True),
        Column("mode", String(16), nullable=False),
        Column("calls", Integer, nullable=False),  # the calls it held at its last heartbeat
        Column("last_seen", UTCDateTime, nullable=False),
    )
)

# A centre's 业务办理服务确认单 templates: the business and the materials it needs.
form_templates = Table(
    "form_templates",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("centre_id", String(32), ForeignKey("centres.id"), nullable=False),
    Column("title", String(100), nullable=False),
    Column("items", JSON, nullable=False),  # the materials' names, in order
    Column("position", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(128), nullable=False),
    Index("ix_form_templates_centre", "centre_id", "position"),
)

forms = Table(  # one 业务办理服务确认单 sent in a conversation; every step is also an event of it
    "forms",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("interaction_id", String(32), ForeignKey("interactions.id"), nullable=False),
    Column("centre_id", String(32), nullable=False),
    Column("template_id", String(32), nullable=True),
    Column("title", String(100), nullable=False),
    Column("items", JSON, nullable=False),  # [{id, name, files: [attachment view]}]
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=False),  # why it was last returned
    Column("result", Text, nullable=False),  # what was done, once done
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("cid", String(64), nullable=False),  # the request id: a resend stores nothing new
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by_role", String(16), nullable=False),
    Column("updated_by", String(128), nullable=False),
    UniqueConstraint("interaction_id", "created_by", "cid", name="uq_forms_cid"),
    Index("ix_forms_interaction", "interaction_id"),
)

followups = Table(  # 差评回访: one per poor rating, for the centre's supervisors
    "followups",
    metadata,
    Column("interaction_id", String(32), ForeignKey("interactions.id"), primary_key=True),
    Column("centre_id", String(32), nullable=False),
    Column("agent_id", String(32), nullable=True),
    Column("score", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # open | closed (overdue is open past due_at)
    Column("due_at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("closed_by", String(32), nullable=True),
    Index("ix_followups_centre", "centre_id", "status", "due_at"),
)

appeals = Table(  # 申诉复核: an agent's appeal of a rating, one per rating
    "appeals",
    metadata,
    Column("interaction_id", String(32), ForeignKey("interactions.id"), primary_key=True),
    Column("centre_id", String(32), nullable=False),
    Column("agent_id", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),  # open | kept | removed
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("decided_by", String(32), nullable=True),
    Index("ix_appeals_centre", "centre_id", "status", "created_at"),
)

# -- operations-centre figures (docs/ARCHITECTURE.md: widget/reports.py) ------------------------
# One row per conversation, kept up to date in the same transaction as every change to it, so that
# reports are SQL over indexed columns and never load conversations.
report_facts = Table(
    "report_facts",
    metadata,
    Column("interaction_id", String(32), ForeignKey("interactions.id"), primary_key=True),
    Column("site_id", String(32), nullable=False),
    Column("centre_id", String(32), nullable=False),
    Column("region", String(16), nullable=False),
    Column("tin", String(20), nullable=False),
    Column("enterprise", String(200), nullable=False),
    Column("person_name", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("day", String(10), nullable=False),  # Beijing date of created_at, YYYY-MM-DD
    Column("hour", Integer, nullable=False),  # Beijing hour of created_at, 0-23
    Column("state", String(16), nullable=False),
    Column("queued_at", UTCDateTime, nullable=True),  # first time queued for a person
    Column("accepted_at", UTCDateTime, nullable=True),  # first time accepted by an agent
    Column("ended_at", UTCDateTime, nullable=True),
    Column("agent_id", String(32), nullable=True),  # the last agent who served it
    Column("wait_s", Integer, nullable=True),  # first queued -> first accepted
    Column("handling_s", Integer, nullable=True),  # first accepted -> ended
    Column("transfers", Integer, nullable=False),
    Column("requeues", Integer, nullable=False),  # back to the queue because the agent was lost
    Column("calls", Integer, nullable=False),
    Column("call_s", Integer, nullable=False),
    Column("call_started_at", UTCDateTime, nullable=True),  # the active call's start
    Column("messages", Integer, nullable=False),
    # events up to this seq are counted in messages and indexed for search (store/indexer.py)
    Column("indexed_seq", Integer, nullable=False, server_default="0"),
    Column("category", String(64), nullable=False),  # the agent's wrap-up category
    Column("score", Integer, nullable=True),  # the 好差评 rating, 1-5
    Column("rating_removed", Boolean, nullable=False),  # removed on appeal: not counted
    Index("ix_report_facts_centre", "centre_id", "created_at"),
    Index(  # every column a report reads, in time order: a range is read from this index alone
        "ix_report_facts_cover",
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
    ),
    Index("ix_report_facts_agent", "agent_id", "created_at"),
    Index("ix_report_facts_tin", "tin", "created_at"),
)

rating_reasons = Table(  # the reasons (tags) of each rating, one row each, for their distribution
    "rating_reasons",
    metadata,
    Column("interaction_id", String(32), ForeignKey("interactions.id"), primary_key=True),
    Column("tag", String(64), primary_key=True),
)

agent_presence = Table(  # each stretch of an agent's console being online or away (暂离)
    "agent_presence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("agent_id", String(32), nullable=False),
    Column("centre_id", String(32), nullable=False),
    Column("status", String(16), nullable=False),  # online | away
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),  # open while it lasts
    Index("ix_agent_presence_agent", "agent_id", "started_at"),
    Index("ix_agent_presence_centre", "centre_id", "started_at"),
)

# Daily rollups of report_facts for days that are over (widget/store/rollups.py): a month's report
# sums a few thousand of these rows instead of reading every conversation. A day is rolled up on
# first use and again after any of its conversations changes (report_rolled_days loses the day in
# that transaction).
_ROLLED_MEASURES = (
    "requests", "bot_resolved", "handed_to_human", "abandoned", "served", "answered_30",
    "answered_60", "transfers", "requeues", "calls", "call_s", "rated", "ratings_removed",
    "handled", "wait_sum", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5",
    "wait_0_10s", "wait_10_30s", "wait_30_60s", "wait_60_120s", "wait_120_300s", "wait_300s_plus",
)  # fmt: skip
report_hours = Table(
    "report_hours",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("hour", Integer, primary_key=True),
    Column("centre_id", String(32), primary_key=True),
    *[Column(name, Integer, nullable=False) for name in _ROLLED_MEASURES],
)

report_agent_days = Table(
    "report_agent_days",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("agent_id", String(32), primary_key=True),
    Column("centre_id", String(32), primary_key=True),
    *[
        Column(name, Integer, nullable=False)
        for name in ("served", "handling_s", "handled", "transfers", "rated", "score_sum", "good")
    ],
)

report_reason_days = Table(
    "report_reason_days",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("centre_id", String(32), primary_key=True),
    Column("tag", String(64), primary_key=True),
    Column("count", Integer, nullable=False),
)

report_rolled_days = Table(  # the days whose rollups are up to date
    "report_rolled_days",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("rolled_at", UTCDateTime, nullable=False),
)
