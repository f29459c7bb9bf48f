"""The relational schema (SQLAlchemy Core). Alembic migrations are generated from it and a test
checks that they stay in step."""

from __future__ import annotations

import sqlalchemy as sa

from domain.storage.types import JSONType, UTCDateTime

__all__ = ["metadata"]

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = sa.String(26)


def _id() -> sa.Column[str]:
    return sa.Column("id", ID, primary_key=True)


def _org() -> sa.Column[str]:
    return sa.Column("org_id", ID, sa.ForeignKey("organizations.id"), nullable=False, index=True)


def _flags() -> list[sa.Column[bool]]:
    return [
        sa.Column("reminders_enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("reschedule_enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("waitlist_enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    ]


organizations = sa.Table(
    "organizations",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("phone", sa.String(20)),
    sa.Column("public_key", sa.String(64), nullable=False, unique=True),
    sa.Column("country", sa.String(2), nullable=False, server_default="US"),
    sa.Column("settings", JSONType, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

facilities = sa.Table(
    "facilities",
    metadata,
    _id(),
    _org(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("phone", sa.String(20)),
    sa.Column("address", sa.String(500), nullable=False, server_default=""),
    sa.Column("special_instructions", sa.Text, nullable=False, server_default=""),
    *_flags(),
)

providers = sa.Table(
    "providers",
    metadata,
    _id(),
    _org(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("title", sa.String(60), nullable=False, server_default=""),
    sa.Column("special_instructions", sa.Text, nullable=False, server_default=""),
    *_flags(),
)

appointment_types = sa.Table(
    "appointment_types",
    metadata,
    _id(),
    _org(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("duration_minutes", sa.Integer, nullable=False),
    sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("special_instructions", sa.Text, nullable=False, server_default=""),
    *_flags(),
)

patients = sa.Table(
    "patients",
    metadata,
    _id(),
    _org(),
    sa.Column("first_name", sa.String(100), nullable=False),
    sa.Column("last_name", sa.String(100), nullable=False),
    sa.Column("date_of_birth", sa.Date),
    sa.Column("mrn", sa.String(64)),
    sa.Column("preferred_language", sa.String(16), nullable=False, server_default="en"),
    sa.Column("primary_facility_id", ID, sa.ForeignKey("facilities.id")),
    sa.Column("placeholder", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("org_id", "mrn", name="uq_patients_org_mrn"),
    sa.Index("ix_patients_org_name", "org_id", "last_name", "first_name"),
)

contact_points = sa.Table(
    "contact_points",
    metadata,
    _id(),
    _org(),
    sa.Column("patient_id", ID, sa.ForeignKey("patients.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("value", sa.String(254), nullable=False),
    sa.Column("label", sa.String(16), nullable=False, server_default="mobile"),
    sa.Column("validity", sa.String(16), nullable=False, server_default="unknown"),
    sa.Column("validated_at", UTCDateTime),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("preferred", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("patient_id", "kind", "value", name="uq_contact_points_patient_kind_value"),
    sa.Index("ix_contact_points_org_value", "org_id", "value"),
)

dnc_entries = sa.Table(
    "dnc_entries",
    metadata,
    _id(),
    _org(),
    sa.Column("address", sa.String(254), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("careline_number", sa.String(254)),
    sa.Column("note", sa.String(500), nullable=False, server_default=""),
    sa.Column("added_by", ID),
    sa.Column("patient_id", ID),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # One entry per address, source and Careline number: a patient may opt out from two of our
    # numbers, and each needs its own START (REM-38). NULLs count as equal in add_dnc.
    sa.UniqueConstraint(
        "org_id", "address", "source", "careline_number", name="uq_dnc_entries_org_address_source"
    ),
)

appointments = sa.Table(
    "appointments",
    metadata,
    _id(),
    _org(),
    sa.Column("patient_id", ID, sa.ForeignKey("patients.id"), nullable=False),
    sa.Column("facility_id", ID, sa.ForeignKey("facilities.id"), nullable=False),
    sa.Column("provider_id", ID, sa.ForeignKey("providers.id"), nullable=False),
    sa.Column("type_id", ID, sa.ForeignKey("appointment_types.id")),
    sa.Column("start", UTCDateTime, nullable=False),
    sa.Column("duration_minutes", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("confirmation", sa.String(16), nullable=False, server_default="unconfirmed"),
    sa.Column("confirmed_at", UTCDateTime),
    sa.Column("cancelled_at", UTCDateTime),
    sa.Column("cancel_source", sa.String(20)),
    sa.Column("no_show_fee_notice", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("reminders_blocked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("double_booked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("needs_follow_up", sa.String(200)),
    sa.Column("ehr_id", sa.String(64)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_appointments_org_start", "org_id", "start"),
    sa.Index("ix_appointments_patient_start", "patient_id", "start"),
)

open_slots = sa.Table(
    "open_slots",
    metadata,
    _id(),
    _org(),
    sa.Column("facility_id", ID, sa.ForeignKey("facilities.id"), nullable=False),
    sa.Column("provider_id", ID, sa.ForeignKey("providers.id"), nullable=False),
    sa.Column("type_id", ID, sa.ForeignKey("appointment_types.id")),
    sa.Column("start", UTCDateTime, nullable=False),
    sa.Column("duration_minutes", sa.Integer, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("cancelled_appointment_id", ID),
    sa.Column("double_booked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_open_slots_org_state_start", "org_id", "state", "start"),
)

conversations = sa.Table(
    "conversations",
    metadata,
    _id(),
    _org(),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("patient_address", sa.String(254), nullable=False),
    sa.Column("careline_address", sa.String(254), nullable=False),
    sa.Column("patient_id", ID, sa.ForeignKey("patients.id")),
    sa.Column("facility_id", ID, sa.ForeignKey("facilities.id")),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("assignee_id", ID),
    sa.Column("group_id", ID),
    sa.Column("unread", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_message_at", UTCDateTime),
    sa.Column("assigned_at", UTCDateTime),
    sa.Column("reassigned_at", UTCDateTime),
    sa.Column("closed_at", UTCDateTime),
    sa.Column("reopened_at", UTCDateTime),
    sa.UniqueConstraint(
        "org_id", "channel", "patient_address", "careline_address", name="uq_conversations_thread"
    ),
    sa.Index("ix_conversations_queue", "org_id", "status", "assignee_id", "last_message_at"),
)

messages = sa.Table(
    "messages",
    metadata,
    _id(),
    _org(),
    sa.Column("conversation_id", ID, sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("direction", sa.String(10), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("media", JSONType, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("provider_id", sa.String(255)),
    sa.Column("template_key", sa.String(100)),
    sa.Column("author_id", ID),
    sa.Column("facility_id", ID),
    sa.Column("error_code", sa.String(20)),
    sa.Column("outbox_id", ID),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("delivered_at", UTCDateTime),
    # Exactly once: a provider's message id is stored once per channel and direction.
    sa.UniqueConstraint("channel", "direction", "provider_id", name="uq_messages_provider_id"),
    sa.Index("ix_messages_conversation_created", "conversation_id", "created_at"),
    sa.Index("ix_messages_org_created", "org_id", "created_at"),
    sa.Index("ix_messages_outbox_id", "outbox_id"),
)

notes = sa.Table(
    "notes",
    metadata,
    _id(),
    _org(),
    sa.Column("conversation_id", ID, sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("author_id", ID, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("mentioned_user_ids", JSONType, nullable=False),
    sa.Column("mentioned_group_ids", JSONType, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

prompts = sa.Table(
    "prompts",
    metadata,
    _id(),
    _org(),
    sa.Column("conversation_id", ID, sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("flow", sa.String(40), nullable=False),
    sa.Column("state", sa.String(40), nullable=False),
    sa.Column("appointment_id", ID),
    sa.Column("ref_id", ID),
    sa.Column("data", JSONType, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("closed_at", UTCDateTime),
    sa.Index("ix_prompts_conversation_open", "conversation_id", "closed_at"),
)

groups = sa.Table(
    "groups",
    metadata,
    _id(),
    _org(),
    sa.Column("name", sa.String(100), nullable=False),
)

group_facilities = sa.Table(
    "group_facilities",
    metadata,
    sa.Column("group_id", ID, sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("facility_id", ID, sa.ForeignKey("facilities.id"), primary_key=True),
)

staff_users = sa.Table(
    "staff_users",
    metadata,
    _id(),
    _org(),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("password_hash", sa.String(255)),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

user_groups = sa.Table(
    "user_groups",
    metadata,
    sa.Column("user_id", ID, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("group_id", ID, sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
)

# The outbox takes millions of pending reminder rows in bulk (EHR imports, re-plans), so it
# keeps no index a pending row does not need: ``org_id`` alone is served by the leading column
# of ``ix_outbox_org_to``; rows are found by ``sent_at`` only once sent and by ``retry_of`` only
# when they are retries, so those indexes are partial (a query must state ``IS NOT NULL`` or
# compare the column for SQLite to use them).
outbox = sa.Table(
    "outbox",
    metadata,
    _id(),
    sa.Column("org_id", ID, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("dedupe_key", sa.String(200), nullable=False, unique=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("to_address", sa.String(254), nullable=False),
    sa.Column("from_address", sa.String(254)),
    sa.Column("patient_id", ID),
    sa.Column("appointment_id", ID),
    sa.Column("conversation_id", ID),
    sa.Column("facility_id", ID),
    sa.Column("template_key", sa.String(100)),
    sa.Column("language", sa.String(16), nullable=False, server_default="en"),
    sa.Column("body", sa.Text),
    sa.Column("context", JSONType, nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("lease_owner", sa.String(64)),
    sa.Column("lease_expires_at", UTCDateTime),
    sa.Column("reason", sa.String(500)),
    sa.Column("provider_id", sa.String(255)),
    sa.Column("retry_of", ID),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    # The claim orders by (due_at, id): with id in the index no claim sorts the pending rows.
    sa.Index("ix_outbox_state_due", "state", "due_at", "id"),
    sa.Index("ix_outbox_appointment", "appointment_id"),
    sa.Index(
        "ix_outbox_org_sent", "org_id", "sent_at",
        sqlite_where=sa.text("sent_at IS NOT NULL"),
        postgresql_where=sa.text("sent_at IS NOT NULL"),
    ),
    sa.Index(
        "ix_outbox_retry_of", "retry_of",
        sqlite_where=sa.text("retry_of IS NOT NULL"),
        postgresql_where=sa.text("retry_of IS NOT NULL"),
    ),
    sa.Index("ix_outbox_org_to", "org_id", "to_address"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    _id(),
    _org(),
    sa.Column("actor_id", ID),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("entity", sa.String(40), nullable=False),
    sa.Column("entity_id", sa.String(64)),
    sa.Column("detail", JSONType, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_audit_log_org_at", "org_id", "at"),
)

domain_events = sa.Table(
    "domain_events",
    metadata,
    _id(),
    _org(),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("payload", JSONType, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("consumed_at", UTCDateTime),
    sa.Index("ix_domain_events_pending", "consumed_at", "created_at"),
)
