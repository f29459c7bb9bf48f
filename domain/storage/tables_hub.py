"""Tables of the Hub: staff sessions and API tokens, which threads are Hub chats, mention
notifications, message shortcuts, secure messages with attachments, and patient sign-ins.

They join the core ``metadata`` (``domain/storage/schema.py`` imports this module), so Alembic
sees one schema.
"""

from __future__ import annotations

import sqlalchemy as sa

from domain.storage.tables import ID, metadata
from domain.storage.types import UTCDateTime

__all__ = [
    "api_tokens",
    "hub_chats",
    "message_shortcuts",
    "notifications",
    "patient_logins",
    "secure_attachments",
    "secure_messages",
    "staff_sessions",
]

HASH = sa.String(64)
"""A hex SHA-256 or HMAC-SHA-256: secrets are stored only as their hash."""


def _org() -> sa.Column[str]:
    return sa.Column("org_id", ID, sa.ForeignKey("organizations.id"), nullable=False, index=True)


def _user(name: str = "user_id", *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(
        name,
        ID,
        sa.ForeignKey("staff_users.id", ondelete="CASCADE"),
        nullable=nullable,
        index=True,
    )


staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("id", HASH, primary_key=True),  # SHA-256 of the session cookie
    _org(),
    _user(),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    _user(),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_hash", HASH, nullable=False, unique=True),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_used_at", UTCDateTime),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("revoked_at", UTCDateTime),
)

hub_chats = sa.Table(
    "hub_chats",
    metadata,
    sa.Column(
        "conversation_id",
        ID,
        sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    _org(),
    sa.Column("reason", sa.String(30), nullable=False),
    sa.Column("routed_at", UTCDateTime, nullable=False),
)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("user_id", ID, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("conversation_id", ID, sa.ForeignKey("conversations.id", ondelete="CASCADE")),
    sa.Column("note_id", ID),
    sa.Column("actor_id", ID),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("read_at", UTCDateTime),
    sa.Index("ix_notifications_user_created", "user_id", "created_at"),
)

message_shortcuts = sa.Table(
    "message_shortcuts",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("shortcut", sa.String(40), nullable=False),
    sa.Column("title", sa.String(100), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_by", ID),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("org_id", "shortcut", name="uq_message_shortcuts_org_shortcut"),
)

secure_messages = sa.Table(
    "secure_messages",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("conversation_id", ID, sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("patient_id", ID, sa.ForeignKey("patients.id"), nullable=False, index=True),
    sa.Column("author_id", ID, nullable=False),
    sa.Column("facility_id", ID),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("link_hash", HASH, nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("code_hash", HASH),
    sa.Column("code_expires_at", UTCDateTime),
    sa.Column("code_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("codes_sent", sa.Integer, nullable=False, server_default="0"),
    sa.Column("access_hash", HASH),
    sa.Column("access_expires_at", UTCDateTime),
    sa.Column("opened_at", UTCDateTime),
)

secure_attachments = sa.Table(
    "secure_attachments",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column(
        "secure_message_id",
        ID,
        sa.ForeignKey("secure_messages.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("filename", sa.String(200), nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

patient_logins = sa.Table(
    "patient_logins",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("patient_id", ID, sa.ForeignKey("patients.id", ondelete="CASCADE"), nullable=False),
    sa.Column("method", sa.String(30), nullable=False),
    sa.Column("success", sa.Boolean, nullable=False),
    sa.Column("channel", sa.String(8)),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_patient_logins_patient_at", "patient_id", "at"),
)
