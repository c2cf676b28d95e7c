"""Table definitions for SQLAlchemy Core; migrations in migrations/ build exactly these."""

from datetime import UTC, datetime

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

metadata = MetaData()


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return (
            value.astimezone(UTC)
            if dialect.name != "sqlite"
            else value.astimezone(UTC).replace(tzinfo=None)
        )

    def process_result_value(self, value, dialect):
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
)

site_keys = Table(
    "site_keys",
    metadata,
    Column("site_id", String(32), ForeignKey("sites.id"), primary_key=True),
    Column("kid", String(64), primary_key=True),
    Column("secret", String(200), nullable=False),
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
    Index("ix_leave_centre", "centre_id", "status", "created_at"),
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
