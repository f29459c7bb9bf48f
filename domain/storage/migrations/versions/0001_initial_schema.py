"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 07:36:02.042305
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401 - used by rendered JSONB columns
from sqlalchemy.dialects import postgresql

from domain.storage import types as careline_types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), server_default="US", nullable=False),
        sa.Column(
            "settings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("public_key", name=op.f("uq_organizations_public_key")),
    )
    op.create_table(
        "simulator_messages",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("phone", sa.String(length=254), nullable=False),
        sa.Column("careline_address", sa.String(length=254), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("provider_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_simulator_messages")),
    )
    op.create_index(
        "ix_simulator_messages_phone_created",
        "simulator_messages",
        ["phone", "created_at"],
        unique=False,
    )
    op.create_table(
        "voice_scripts",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=True),
        sa.Column("to_address", sa.String(length=32), nullable=False),
        sa.Column("from_address", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), server_default="en", nullable=False),
        sa.Column("outbox_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_scripts")),
    )
    op.create_index("ix_voice_scripts_outbox_key", "voice_scripts", ["outbox_key"], unique=False)
    op.create_table(
        "widget_frames",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=True),
        sa.Column(
            "frame",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "seq", name=op.f("pk_widget_frames")),
    )
    op.create_table(
        "appointment_types",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("hidden", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("special_instructions", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "reminders_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False
        ),
        sa.Column(
            "reschedule_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False
        ),
        sa.Column("waitlist_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_appointment_types_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_types")),
    )
    op.create_index(
        op.f("ix_appointment_types_org_id"), "appointment_types", ["org_id"], unique=False
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("actor_id", sa.String(length=26), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_audit_log_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_org_at", "audit_log", ["org_id", "at"], unique=False)
    op.create_index(op.f("ix_audit_log_org_id"), "audit_log", ["org_id"], unique=False)
    op.create_table(
        "bot_flows",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_bot_flows_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_flows")),
        sa.UniqueConstraint("org_id", "key", name="uq_bot_flows_org_key"),
    )
    op.create_index(op.f("ix_bot_flows_org_id"), "bot_flows", ["org_id"], unique=False)
    op.create_table(
        "bot_texts",
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=26), nullable=True),
        sa.Column("updated_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_bot_texts_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("org_id", "key", name=op.f("pk_bot_texts")),
    )
    op.create_table(
        "dnc_entries",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("careline_number", sa.String(length=254), nullable=True),
        sa.Column("note", sa.String(length=500), server_default="", nullable=False),
        sa.Column("added_by", sa.String(length=26), nullable=True),
        sa.Column("patient_id", sa.String(length=26), nullable=True),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_dnc_entries_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dnc_entries")),
        sa.UniqueConstraint(
            "org_id",
            "address",
            "source",
            "careline_number",
            name="uq_dnc_entries_org_address_source",
        ),
    )
    op.create_index(op.f("ix_dnc_entries_org_id"), "dnc_entries", ["org_id"], unique=False)
    op.create_table(
        "domain_events",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_domain_events_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domain_events")),
    )
    op.create_index(op.f("ix_domain_events_org_id"), "domain_events", ["org_id"], unique=False)
    op.create_index(
        "ix_domain_events_pending", "domain_events", ["consumed_at", "created_at"], unique=False
    )
    op.create_table(
        "facilities",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("address", sa.String(length=500), server_default="", nullable=False),
        sa.Column("special_instructions", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "reminders_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False
        ),
        sa.Column(
            "reschedule_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False
        ),
        sa.Column("waitlist_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_facilities_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilities")),
    )
    op.create_index(op.f("ix_facilities_org_id"), "facilities", ["org_id"], unique=False)
    op.create_table(
        "groups",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_groups_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
    )
    op.create_index(op.f("ix_groups_org_id"), "groups", ["org_id"], unique=False)
    op.create_table(
        "message_library",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), server_default="en", nullable=False),
        sa.Column("created_by", sa.String(length=26), nullable=True),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_message_library_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_library")),
    )
    op.create_index(
        "ix_message_library_org_title", "message_library", ["org_id", "title"], unique=False
    )
    op.create_table(
        "message_shortcuts",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("shortcut", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=26), nullable=True),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_message_shortcuts_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_shortcuts")),
        sa.UniqueConstraint("org_id", "shortcut", name="uq_message_shortcuts_org_shortcut"),
    )
    op.create_index(
        op.f("ix_message_shortcuts_org_id"), "message_shortcuts", ["org_id"], unique=False
    )
    op.create_table(
        "message_template_versions",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("note", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_by", sa.String(length=26), nullable=True),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_message_template_versions_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_template_versions")),
        sa.UniqueConstraint(
            "org_id", "key", "format", "language", "version", name="uq_message_template_versions"
        ),
    )
    op.create_table(
        "message_templates",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=26), nullable=True),
        sa.Column("updated_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_message_templates_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint(
            "org_id", "key", "format", "language", name="uq_message_templates_format"
        ),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("from_address", sa.String(length=254), nullable=True),
        sa.Column("patient_id", sa.String(length=26), nullable=True),
        sa.Column("appointment_id", sa.String(length=26), nullable=True),
        sa.Column("conversation_id", sa.String(length=26), nullable=True),
        sa.Column("facility_id", sa.String(length=26), nullable=True),
        sa.Column("template_key", sa.String(length=100), nullable=True),
        sa.Column("language", sa.String(length=16), server_default="en", nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column(
            "context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("due_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("provider_id", sa.String(length=255), nullable=True),
        sa.Column("retry_of", sa.String(length=26), nullable=True),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_outbox_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    op.create_index("ix_outbox_appointment", "outbox", ["appointment_id"], unique=False)
    op.create_index(
        "ix_outbox_org_sent",
        "outbox",
        ["org_id", "sent_at"],
        unique=False,
        sqlite_where=sa.text("sent_at IS NOT NULL"),
        postgresql_where=sa.text("sent_at IS NOT NULL"),
    )
    op.create_index("ix_outbox_org_to", "outbox", ["org_id", "to_address"], unique=False)
    op.create_index(
        "ix_outbox_retry_of",
        "outbox",
        ["retry_of"],
        unique=False,
        sqlite_where=sa.text("retry_of IS NOT NULL"),
        postgresql_where=sa.text("retry_of IS NOT NULL"),
    )
    op.create_index("ix_outbox_state_due", "outbox", ["state", "due_at", "id"], unique=False)
    op.create_table(
        "providers",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=60), server_default="", nullable=False),
        sa.Column("special_instructions", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "reminders_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False
        ),
        sa.Column(
            "reschedule_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False
        ),
        sa.Column("waitlist_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_providers_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_providers")),
    )
    op.create_index(op.f("ix_providers_org_id"), "providers", ["org_id"], unique=False)
    op.create_table(
        "staff_users",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_staff_users_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_users_email")),
    )
    op.create_index(op.f("ix_staff_users_org_id"), "staff_users", ["org_id"], unique=False)
    op.create_table(
        "template_partials",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=26), nullable=True),
        sa.Column("updated_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_template_partials_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_partials")),
        sa.UniqueConstraint("org_id", "name", "language", name="uq_template_partials_name"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_api_tokens_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_users.id"],
            name=op.f("fk_api_tokens_user_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_org_id"), "api_tokens", ["org_id"], unique=False)
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)
    op.create_table(
        "bot_flow_versions",
        sa.Column("flow_id", sa.String(length=26), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_by", sa.String(length=26), nullable=True),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_id"],
            ["bot_flows.id"],
            name=op.f("fk_bot_flow_versions_flow_id_bot_flows"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_bot_flow_versions_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("flow_id", "version", name=op.f("pk_bot_flow_versions")),
    )
    op.create_index(
        op.f("ix_bot_flow_versions_org_id"), "bot_flow_versions", ["org_id"], unique=False
    )
    op.create_table(
        "group_facilities",
        sa.Column("group_id", sa.String(length=26), nullable=False),
        sa.Column("facility_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_group_facilities_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_facilities_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "facility_id", name=op.f("pk_group_facilities")),
    )
    op.create_table(
        "open_slots",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("facility_id", sa.String(length=26), nullable=False),
        sa.Column("provider_id", sa.String(length=26), nullable=False),
        sa.Column("type_id", sa.String(length=26), nullable=True),
        sa.Column("start", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("cancelled_appointment_id", sa.String(length=26), nullable=True),
        sa.Column("double_booked", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_open_slots_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_open_slots_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_open_slots_provider_id_providers")
        ),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["appointment_types.id"],
            name=op.f("fk_open_slots_type_id_appointment_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_slots")),
    )
    op.create_index(op.f("ix_open_slots_org_id"), "open_slots", ["org_id"], unique=False)
    op.create_index(
        "ix_open_slots_org_state_start", "open_slots", ["org_id", "state", "start"], unique=False
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("mrn", sa.String(length=64), nullable=True),
        sa.Column("preferred_language", sa.String(length=16), server_default="en", nullable=False),
        sa.Column("primary_facility_id", sa.String(length=26), nullable=True),
        sa.Column("placeholder", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_patients_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["primary_facility_id"],
            ["facilities.id"],
            name=op.f("fk_patients_primary_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("org_id", "mrn", name="uq_patients_org_mrn"),
    )
    op.create_index(op.f("ix_patients_org_id"), "patients", ["org_id"], unique=False)
    op.create_index(
        "ix_patients_org_name", "patients", ["org_id", "last_name", "first_name"], unique=False
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_staff_sessions_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_users.id"],
            name=op.f("fk_staff_sessions_user_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
    )
    op.create_index(op.f("ix_staff_sessions_org_id"), "staff_sessions", ["org_id"], unique=False)
    op.create_index(op.f("ix_staff_sessions_user_id"), "staff_sessions", ["user_id"], unique=False)
    op.create_table(
        "user_groups",
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("group_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_user_groups_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_users.id"],
            name=op.f("fk_user_groups_user_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "group_id", name=op.f("pk_user_groups")),
    )
    op.create_table(
        "waitlist_event_receipts",
        sa.Column("event_id", sa.String(length=26), nullable=False),
        sa.Column("handled_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=200), server_default="ok", nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["domain_events.id"],
            name=op.f("fk_waitlist_event_receipts_event_id_domain_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_waitlist_event_receipts")),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("patient_id", sa.String(length=26), nullable=False),
        sa.Column("facility_id", sa.String(length=26), nullable=False),
        sa.Column("provider_id", sa.String(length=26), nullable=False),
        sa.Column("type_id", sa.String(length=26), nullable=True),
        sa.Column("start", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "confirmation", sa.String(length=16), server_default="unconfirmed", nullable=False
        ),
        sa.Column("confirmed_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancel_source", sa.String(length=20), nullable=True),
        sa.Column(
            "no_show_fee_notice", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column(
            "reminders_blocked", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("double_booked", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("needs_follow_up", sa.String(length=200), nullable=True),
        sa.Column("ehr_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_appointments_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_appointments_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_appointments_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_appointments_provider_id_providers")
        ),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["appointment_types.id"],
            name=op.f("fk_appointments_type_id_appointment_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
    )
    op.create_index(op.f("ix_appointments_org_id"), "appointments", ["org_id"], unique=False)
    op.create_index("ix_appointments_org_start", "appointments", ["org_id", "start"], unique=False)
    op.create_index(
        "ix_appointments_patient_start", "appointments", ["patient_id", "start"], unique=False
    )
    op.create_table(
        "contact_points",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("patient_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=254), nullable=False),
        sa.Column("label", sa.String(length=16), server_default="mobile", nullable=False),
        sa.Column("validity", sa.String(length=16), server_default="unknown", nullable=False),
        sa.Column("validated_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("preferred", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_contact_points_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_contact_points_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_points")),
        sa.UniqueConstraint(
            "patient_id", "kind", "value", name="uq_contact_points_patient_kind_value"
        ),
    )
    op.create_index(op.f("ix_contact_points_org_id"), "contact_points", ["org_id"], unique=False)
    op.create_index(
        "ix_contact_points_org_value", "contact_points", ["org_id", "value"], unique=False
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("patient_address", sa.String(length=254), nullable=False),
        sa.Column("careline_address", sa.String(length=254), nullable=False),
        sa.Column("patient_id", sa.String(length=26), nullable=True),
        sa.Column("facility_id", sa.String(length=26), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("assignee_id", sa.String(length=26), nullable=True),
        sa.Column("group_id", sa.String(length=26), nullable=True),
        sa.Column("unread", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("assigned_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reassigned_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reopened_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_conversations_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_conversations_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_conversations_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint(
            "org_id",
            "channel",
            "patient_address",
            "careline_address",
            name="uq_conversations_thread",
        ),
    )
    op.create_index(op.f("ix_conversations_org_id"), "conversations", ["org_id"], unique=False)
    op.create_index(
        "ix_conversations_queue",
        "conversations",
        ["org_id", "status", "assignee_id", "last_message_at"],
        unique=False,
    )
    op.create_table(
        "patient_logins",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("patient_id", sa.String(length=26), nullable=False),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=True),
        sa.Column("at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_patient_logins_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_patient_logins_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_logins")),
    )
    op.create_index(op.f("ix_patient_logins_org_id"), "patient_logins", ["org_id"], unique=False)
    op.create_index(
        "ix_patient_logins_patient_at", "patient_logins", ["patient_id", "at"], unique=False
    )
    op.create_table(
        "bot_feedback",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("conversation_id", sa.String(length=26), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_bot_feedback_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_bot_feedback_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_feedback")),
    )
    op.create_index(
        "ix_bot_feedback_org_created", "bot_feedback", ["org_id", "created_at"], unique=False
    )
    op.create_index(op.f("ix_bot_feedback_org_id"), "bot_feedback", ["org_id"], unique=False)
    op.create_table(
        "bot_sessions",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("conversation_id", sa.String(length=26), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column(
            "state",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("patient_id", sa.String(length=26), nullable=True),
        sa.Column("verified", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("last_activity_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("prompted_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_check_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_bot_sessions_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_bot_sessions_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_bot_sessions_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_sessions")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_bot_sessions_conversation_id")),
    )
    op.create_index(
        "ix_bot_sessions_next_check_at", "bot_sessions", ["next_check_at"], unique=False
    )
    op.create_index(op.f("ix_bot_sessions_org_id"), "bot_sessions", ["org_id"], unique=False)
    op.create_table(
        "hub_chats",
        sa.Column("conversation_id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("routed_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_hub_chats_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_hub_chats_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_hub_chats")),
    )
    op.create_index(op.f("ix_hub_chats_org_id"), "hub_chats", ["org_id"], unique=False)
    op.create_table(
        "messages",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("conversation_id", sa.String(length=26), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "media",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.String(length=255), nullable=True),
        sa.Column("template_key", sa.String(length=100), nullable=True),
        sa.Column("author_id", sa.String(length=26), nullable=True),
        sa.Column("facility_id", sa.String(length=26), nullable=True),
        sa.Column("error_code", sa.String(length=20), nullable=True),
        sa.Column("outbox_id", sa.String(length=26), nullable=True),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_messages_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_messages_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("channel", "direction", "provider_id", name="uq_messages_provider_id"),
    )
    op.create_index(
        "ix_messages_conversation_created",
        "messages",
        ["conversation_id", "created_at"],
        unique=False,
    )
    op.create_index("ix_messages_org_created", "messages", ["org_id", "created_at"], unique=False)
    op.create_index(op.f("ix_messages_org_id"), "messages", ["org_id"], unique=False)
    op.create_index("ix_messages_outbox_id", "messages", ["outbox_id"], unique=False)
    op.create_table(
        "notes",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("conversation_id", sa.String(length=26), nullable=False),
        sa.Column("author_id", sa.String(length=26), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "mentioned_user_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "mentioned_group_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_notes_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_notes_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    op.create_index(op.f("ix_notes_org_id"), "notes", ["org_id"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("conversation_id", sa.String(length=26), nullable=True),
        sa.Column("note_id", sa.String(length=26), nullable=True),
        sa.Column("actor_id", sa.String(length=26), nullable=True),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_notifications_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_notifications_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_users.id"],
            name=op.f("fk_notifications_user_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_org_id"), "notifications", ["org_id"], unique=False)
    op.create_index(
        "ix_notifications_user_created", "notifications", ["user_id", "created_at"], unique=False
    )
    op.create_table(
        "prompts",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("conversation_id", sa.String(length=26), nullable=False),
        sa.Column("flow", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("appointment_id", sa.String(length=26), nullable=True),
        sa.Column("ref_id", sa.String(length=26), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_prompts_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_prompts_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompts")),
    )
    op.create_index(
        "ix_prompts_conversation_open", "prompts", ["conversation_id", "closed_at"], unique=False
    )
    op.create_index(op.f("ix_prompts_org_id"), "prompts", ["org_id"], unique=False)
    op.create_table(
        "reschedule_sessions",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("appointment_id", sa.String(length=26), nullable=False),
        sa.Column("patient_id", sa.String(length=26), nullable=False),
        sa.Column("conversation_id", sa.String(length=26), nullable=True),
        sa.Column("prompt_id", sa.String(length=26), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("restarts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "options",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "tried",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("chosen_slot_id", sa.String(length=26), nullable=True),
        sa.Column("new_appointment_id", sa.String(length=26), nullable=True),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_reschedule_sessions_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_reschedule_sessions_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_reschedule_sessions_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reschedule_sessions")),
    )
    op.create_index(
        op.f("ix_reschedule_sessions_appointment_id"),
        "reschedule_sessions",
        ["appointment_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_reschedule_sessions_org_id"), "reschedule_sessions", ["org_id"], unique=False
    )
    op.create_index(
        "ix_reschedule_sessions_org_state",
        "reschedule_sessions",
        ["org_id", "state", "expires_at"],
        unique=False,
    )
    op.create_table(
        "secure_messages",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("conversation_id", sa.String(length=26), nullable=False),
        sa.Column("patient_id", sa.String(length=26), nullable=False),
        sa.Column("author_id", sa.String(length=26), nullable=False),
        sa.Column("facility_id", sa.String(length=26), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_expires_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("code_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("codes_sent", sa.Integer(), server_default="0", nullable=False),
        sa.Column("access_hash", sa.String(length=64), nullable=True),
        sa.Column("access_expires_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opened_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_secure_messages_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_secure_messages_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_secure_messages_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_secure_messages")),
        sa.UniqueConstraint("link_hash", name=op.f("uq_secure_messages_link_hash")),
    )
    op.create_index(op.f("ix_secure_messages_org_id"), "secure_messages", ["org_id"], unique=False)
    op.create_index(
        op.f("ix_secure_messages_patient_id"), "secure_messages", ["patient_id"], unique=False
    )
    op.create_table(
        "self_schedule_links",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("appointment_id", sa.String(length=26), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("single_use", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("new_appointment_id", sa.String(length=26), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_self_schedule_links_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_self_schedule_links_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_schedule_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_self_schedule_links_token_hash")),
    )
    op.create_index(
        op.f("ix_self_schedule_links_appointment_id"),
        "self_schedule_links",
        ["appointment_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_self_schedule_links_org_id"), "self_schedule_links", ["org_id"], unique=False
    )
    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("patient_id", sa.String(length=26), nullable=False),
        sa.Column("facility_id", sa.String(length=26), nullable=True),
        sa.Column("provider_id", sa.String(length=26), nullable=True),
        sa.Column("type_id", sa.String(length=26), nullable=True),
        sa.Column("appointment_id", sa.String(length=26), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), server_default="", nullable=False),
        sa.Column("expires_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unaccepted_offers", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_offer_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_accepted_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_reason", sa.String(length=200), nullable=True),
        sa.Column("added_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_waitlist_entries_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_waitlist_entries_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_waitlist_entries_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_waitlist_entries_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_waitlist_entries_provider_id_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["appointment_types.id"],
            name=op.f("fk_waitlist_entries_type_id_appointment_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
    )
    op.create_index(
        op.f("ix_waitlist_entries_org_id"), "waitlist_entries", ["org_id"], unique=False
    )
    op.create_index(
        "ix_waitlist_entries_org_status_provider",
        "waitlist_entries",
        ["org_id", "status", "provider_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_waitlist_entries_patient_id"), "waitlist_entries", ["patient_id"], unique=False
    )
    op.create_table(
        "bot_otp_challenges",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("bot_session_id", sa.String(length=26), nullable=False),
        sa.Column("patient_id", sa.String(length=26), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("destination", sa.String(length=254), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("outbox_id", sa.String(length=26), nullable=True),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verified_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["bot_session_id"],
            ["bot_sessions.id"],
            name=op.f("fk_bot_otp_challenges_bot_session_id_bot_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_bot_otp_challenges_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_bot_otp_challenges_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_otp_challenges")),
    )
    op.create_index(
        op.f("ix_bot_otp_challenges_bot_session_id"),
        "bot_otp_challenges",
        ["bot_session_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_bot_otp_challenges_org_id"), "bot_otp_challenges", ["org_id"], unique=False
    )
    op.create_table(
        "secure_attachments",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("secure_message_id", sa.String(length=26), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_secure_attachments_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["secure_message_id"],
            ["secure_messages.id"],
            name=op.f("fk_secure_attachments_secure_message_id_secure_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_secure_attachments")),
    )
    op.create_index(
        op.f("ix_secure_attachments_org_id"), "secure_attachments", ["org_id"], unique=False
    )
    op.create_index(
        op.f("ix_secure_attachments_secure_message_id"),
        "secure_attachments",
        ["secure_message_id"],
        unique=False,
    )
    op.create_table(
        "waitlist_offers",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("slot_id", sa.String(length=26), nullable=False),
        sa.Column("entry_id", sa.String(length=26), nullable=False),
        sa.Column("patient_id", sa.String(length=26), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("pass_number", sa.Integer(), server_default="1", nullable=False),
        sa.Column("slot_start", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("conversation_id", sa.String(length=26), nullable=True),
        sa.Column("prompt_id", sa.String(length=26), nullable=True),
        sa.Column("appointment_id", sa.String(length=26), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("decided_by", sa.String(length=26), nullable=True),
        sa.Column("created_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("send_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", careline_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("responded_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", careline_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["waitlist_entries.id"],
            name=op.f("fk_waitlist_offers_entry_id_waitlist_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_waitlist_offers_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_waitlist_offers_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["open_slots.id"], name=op.f("fk_waitlist_offers_slot_id_open_slots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_offers")),
        sa.UniqueConstraint(
            "slot_id", "entry_id", "pass_number", name="uq_waitlist_offers_slot_entry_pass"
        ),
    )
    op.create_index(op.f("ix_waitlist_offers_org_id"), "waitlist_offers", ["org_id"], unique=False)
    op.create_index(
        "ix_waitlist_offers_org_state_expires",
        "waitlist_offers",
        ["org_id", "state", "expires_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_waitlist_offers_patient_id"), "waitlist_offers", ["patient_id"], unique=False
    )
    op.create_index(
        op.f("ix_waitlist_offers_slot_id"), "waitlist_offers", ["slot_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_waitlist_offers_slot_id"), table_name="waitlist_offers")
    op.drop_index(op.f("ix_waitlist_offers_patient_id"), table_name="waitlist_offers")
    op.drop_index("ix_waitlist_offers_org_state_expires", table_name="waitlist_offers")
    op.drop_index(op.f("ix_waitlist_offers_org_id"), table_name="waitlist_offers")
    op.drop_table("waitlist_offers")
    op.drop_index(op.f("ix_secure_attachments_secure_message_id"), table_name="secure_attachments")
    op.drop_index(op.f("ix_secure_attachments_org_id"), table_name="secure_attachments")
    op.drop_table("secure_attachments")
    op.drop_index(op.f("ix_bot_otp_challenges_org_id"), table_name="bot_otp_challenges")
    op.drop_index(op.f("ix_bot_otp_challenges_bot_session_id"), table_name="bot_otp_challenges")
    op.drop_table("bot_otp_challenges")
    op.drop_index(op.f("ix_waitlist_entries_patient_id"), table_name="waitlist_entries")
    op.drop_index("ix_waitlist_entries_org_status_provider", table_name="waitlist_entries")
    op.drop_index(op.f("ix_waitlist_entries_org_id"), table_name="waitlist_entries")
    op.drop_table("waitlist_entries")
    op.drop_index(op.f("ix_self_schedule_links_org_id"), table_name="self_schedule_links")
    op.drop_index(op.f("ix_self_schedule_links_appointment_id"), table_name="self_schedule_links")
    op.drop_table("self_schedule_links")
    op.drop_index(op.f("ix_secure_messages_patient_id"), table_name="secure_messages")
    op.drop_index(op.f("ix_secure_messages_org_id"), table_name="secure_messages")
    op.drop_table("secure_messages")
    op.drop_index("ix_reschedule_sessions_org_state", table_name="reschedule_sessions")
    op.drop_index(op.f("ix_reschedule_sessions_org_id"), table_name="reschedule_sessions")
    op.drop_index(op.f("ix_reschedule_sessions_appointment_id"), table_name="reschedule_sessions")
    op.drop_table("reschedule_sessions")
    op.drop_index(op.f("ix_prompts_org_id"), table_name="prompts")
    op.drop_index("ix_prompts_conversation_open", table_name="prompts")
    op.drop_table("prompts")
    op.drop_index("ix_notifications_user_created", table_name="notifications")
    op.drop_index(op.f("ix_notifications_org_id"), table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(op.f("ix_notes_org_id"), table_name="notes")
    op.drop_table("notes")
    op.drop_index("ix_messages_outbox_id", table_name="messages")
    op.drop_index(op.f("ix_messages_org_id"), table_name="messages")
    op.drop_index("ix_messages_org_created", table_name="messages")
    op.drop_index("ix_messages_conversation_created", table_name="messages")
    op.drop_table("messages")
    op.drop_index(op.f("ix_hub_chats_org_id"), table_name="hub_chats")
    op.drop_table("hub_chats")
    op.drop_index(op.f("ix_bot_sessions_org_id"), table_name="bot_sessions")
    op.drop_index("ix_bot_sessions_next_check_at", table_name="bot_sessions")
    op.drop_table("bot_sessions")
    op.drop_index(op.f("ix_bot_feedback_org_id"), table_name="bot_feedback")
    op.drop_index("ix_bot_feedback_org_created", table_name="bot_feedback")
    op.drop_table("bot_feedback")
    op.drop_index("ix_patient_logins_patient_at", table_name="patient_logins")
    op.drop_index(op.f("ix_patient_logins_org_id"), table_name="patient_logins")
    op.drop_table("patient_logins")
    op.drop_index("ix_conversations_queue", table_name="conversations")
    op.drop_index(op.f("ix_conversations_org_id"), table_name="conversations")
    op.drop_table("conversations")
    op.drop_index("ix_contact_points_org_value", table_name="contact_points")
    op.drop_index(op.f("ix_contact_points_org_id"), table_name="contact_points")
    op.drop_table("contact_points")
    op.drop_index("ix_appointments_patient_start", table_name="appointments")
    op.drop_index("ix_appointments_org_start", table_name="appointments")
    op.drop_index(op.f("ix_appointments_org_id"), table_name="appointments")
    op.drop_table("appointments")
    op.drop_table("waitlist_event_receipts")
    op.drop_table("user_groups")
    op.drop_index(op.f("ix_staff_sessions_user_id"), table_name="staff_sessions")
    op.drop_index(op.f("ix_staff_sessions_org_id"), table_name="staff_sessions")
    op.drop_table("staff_sessions")
    op.drop_index("ix_patients_org_name", table_name="patients")
    op.drop_index(op.f("ix_patients_org_id"), table_name="patients")
    op.drop_table("patients")
    op.drop_index("ix_open_slots_org_state_start", table_name="open_slots")
    op.drop_index(op.f("ix_open_slots_org_id"), table_name="open_slots")
    op.drop_table("open_slots")
    op.drop_table("group_facilities")
    op.drop_index(op.f("ix_bot_flow_versions_org_id"), table_name="bot_flow_versions")
    op.drop_table("bot_flow_versions")
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")
    op.drop_index(op.f("ix_api_tokens_org_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("template_partials")
    op.drop_index(op.f("ix_staff_users_org_id"), table_name="staff_users")
    op.drop_table("staff_users")
    op.drop_index(op.f("ix_providers_org_id"), table_name="providers")
    op.drop_table("providers")
    op.drop_index("ix_outbox_state_due", table_name="outbox")
    op.drop_index(
        "ix_outbox_retry_of",
        table_name="outbox",
        sqlite_where=sa.text("retry_of IS NOT NULL"),
        postgresql_where=sa.text("retry_of IS NOT NULL"),
    )
    op.drop_index("ix_outbox_org_to", table_name="outbox")
    op.drop_index(
        "ix_outbox_org_sent",
        table_name="outbox",
        sqlite_where=sa.text("sent_at IS NOT NULL"),
        postgresql_where=sa.text("sent_at IS NOT NULL"),
    )
    op.drop_index("ix_outbox_appointment", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("message_templates")
    op.drop_table("message_template_versions")
    op.drop_index(op.f("ix_message_shortcuts_org_id"), table_name="message_shortcuts")
    op.drop_table("message_shortcuts")
    op.drop_index("ix_message_library_org_title", table_name="message_library")
    op.drop_table("message_library")
    op.drop_index(op.f("ix_groups_org_id"), table_name="groups")
    op.drop_table("groups")
    op.drop_index(op.f("ix_facilities_org_id"), table_name="facilities")
    op.drop_table("facilities")
    op.drop_index("ix_domain_events_pending", table_name="domain_events")
    op.drop_index(op.f("ix_domain_events_org_id"), table_name="domain_events")
    op.drop_table("domain_events")
    op.drop_index(op.f("ix_dnc_entries_org_id"), table_name="dnc_entries")
    op.drop_table("dnc_entries")
    op.drop_table("bot_texts")
    op.drop_index(op.f("ix_bot_flows_org_id"), table_name="bot_flows")
    op.drop_table("bot_flows")
    op.drop_index(op.f("ix_audit_log_org_id"), table_name="audit_log")
    op.drop_index("ix_audit_log_org_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_appointment_types_org_id"), table_name="appointment_types")
    op.drop_table("appointment_types")
    op.drop_table("widget_frames")
    op.drop_index("ix_voice_scripts_outbox_key", table_name="voice_scripts")
    op.drop_table("voice_scripts")
    op.drop_index("ix_simulator_messages_phone_created", table_name="simulator_messages")
    op.drop_table("simulator_messages")
    op.drop_table("organizations")
