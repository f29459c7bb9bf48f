"""Tables of the channel gateway: the widget's frame backlog, voice call scripts, and the
simulator's phone log.

They hang on the shared ``metadata`` so that Alembic sees them through ``schema.py``.
"""

from __future__ import annotations

import sqlalchemy as sa

from domain.storage.tables import ID, metadata
from domain.storage.types import JSONType, UTCDateTime

__all__ = ["simulator_messages", "voice_scripts", "widget_frames"]

widget_frames = sa.Table(
    "widget_frames",
    metadata,
    # One row per server frame of a widget session, numbered 1, 2, 3... so that a client that
    # reconnects gets exactly the frames it missed (a bounded backlog: old rows are pruned).
    sa.Column("session_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("org_id", ID),
    sa.Column("frame", JSONType, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

voice_scripts = sa.Table(
    "voice_scripts",
    metadata,
    # What an outbound call says: the voice webhook reads it when Twilio asks for TwiML.
    sa.Column("id", ID, primary_key=True),
    sa.Column("org_id", ID, nullable=True),
    sa.Column("to_address", sa.String(32), nullable=False),
    sa.Column("from_address", sa.String(32), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("language", sa.String(16), nullable=False, server_default="en"),
    sa.Column("outbox_key", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_voice_scripts_outbox_key", "outbox_key"),
)

simulator_messages = sa.Table(
    "simulator_messages",
    metadata,
    # The simulated phone's screen: what a demo patient sent and received.
    sa.Column("id", ID, primary_key=True),
    sa.Column("phone", sa.String(254), nullable=False),
    sa.Column("careline_address", sa.String(254), nullable=False),
    sa.Column("direction", sa.String(10), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("provider_id", sa.String(255)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_simulator_messages_phone_created", "phone", "created_at"),
)
