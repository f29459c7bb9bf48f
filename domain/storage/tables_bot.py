"""Tables of the website chat bot: flow definitions and their versions, reworded system
messages, bot sessions, one-time codes and feedback.

They hang on the shared ``metadata`` so that Alembic sees them through ``schema.py``.
"""

from __future__ import annotations

import sqlalchemy as sa

from domain.storage.tables import ID, metadata
from domain.storage.types import JSONType, UTCDateTime

__all__ = [
    "bot_feedback",
    "bot_flow_versions",
    "bot_flows",
    "bot_otp_challenges",
    "bot_sessions",
    "bot_texts",
]


def _org() -> sa.Column[str]:
    return sa.Column("org_id", ID, sa.ForeignKey("organizations.id"), nullable=False, index=True)


bot_flows = sa.Table(
    "bot_flows",
    metadata,
    # A user-created chat flow (BOT-06); its definition lives in versions, never overwritten.
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("key", sa.String(40), nullable=False),
    sa.Column("title", sa.String(60), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Column("current_version", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("archived_at", UTCDateTime),
    sa.UniqueConstraint("org_id", "key", name="uq_bot_flows_org_key"),
)

bot_flow_versions = sa.Table(
    "bot_flow_versions",
    metadata,
    # Every saved definition of a flow, numbered 1, 2, 3...; the flow points at its current one.
    sa.Column("flow_id", ID, sa.ForeignKey("bot_flows.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    _org(),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("note", sa.String(200), nullable=False, server_default=""),
    sa.Column("created_by", ID),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

bot_texts = sa.Table(
    "bot_texts",
    metadata,
    # System messages staff reworded (BOT-07), by key ("session.still_there", "end.menu"...).
    sa.Column("org_id", ID, sa.ForeignKey("organizations.id"), primary_key=True),
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("updated_by", ID),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

bot_sessions = sa.Table(
    "bot_sessions",
    metadata,
    # The bot's side of one widget conversation: the flow state and the inactivity timer.
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("conversation_id", ID, sa.ForeignKey("conversations.id", ondelete="CASCADE"),
              nullable=False, unique=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("state", JSONType, nullable=False),
    sa.Column("patient_id", ID, sa.ForeignKey("patients.id")),
    sa.Column("verified", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("last_activity_at", UTCDateTime, nullable=False),
    sa.Column("prompted_at", UTCDateTime),
    sa.Column("next_check_at", UTCDateTime),
    sa.Column("ended_at", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_bot_sessions_next_check_at", "next_check_at"),
)

bot_otp_challenges = sa.Table(
    "bot_otp_challenges",
    metadata,
    # A one-time code sent to a patient's contact on file; only its keyed hash is kept.
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("bot_session_id", ID, sa.ForeignKey("bot_sessions.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("patient_id", ID, sa.ForeignKey("patients.id"), nullable=False),
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("destination", sa.String(254), nullable=False),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("outbox_id", ID),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("verified_at", UTCDateTime),
)

bot_feedback = sa.Table(
    "bot_feedback",
    metadata,
    # BOT-13: how visitors rated their chat with the bot.
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("conversation_id", ID, sa.ForeignKey("conversations.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("rating", sa.Integer),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_bot_feedback_org_created", "org_id", "created_at"),
)
