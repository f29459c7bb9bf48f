"""Tables of an organisation's templates: overrides of the stock texts with their version
history (REM-14, REM-16), partials (REM-15) and the message library (REM-17)."""

from __future__ import annotations

import sqlalchemy as sa

from domain.storage.tables import metadata
from domain.storage.types import UTCDateTime

__all__ = ["message_library", "message_template_versions", "message_templates", "template_partials"]

_ID = sa.String(26)


def _org() -> sa.Column[str]:
    return sa.Column("org_id", _ID, sa.ForeignKey("organizations.id"), nullable=False)


message_templates = sa.Table(
    "message_templates",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    _org(),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("format", sa.String(8), nullable=False),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("subject", sa.String(300)),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_by", _ID),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("org_id", "key", "format", "language", name="uq_message_templates_format"),
)
"""The current text of each overridden template format and language (one row each)."""

message_template_versions = sa.Table(
    "message_template_versions",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    _org(),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("format", sa.String(8), nullable=False),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("subject", sa.String(300)),
    sa.Column("note", sa.String(200), nullable=False, server_default=""),
    sa.Column("created_by", _ID),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint(
        "org_id", "key", "format", "language", "version", name="uq_message_template_versions"
    ),
)
"""Every saved text, version 0 being the stock text the first edit replaced (REM-16)."""

template_partials = sa.Table(
    "template_partials",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    _org(),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("updated_by", _ID),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("org_id", "name", "language", name="uq_template_partials_name"),
)

message_library = sa.Table(
    "message_library",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    _org(),
    sa.Column("title", sa.String(100), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("language", sa.String(16), nullable=False, server_default="en"),
    sa.Column("created_by", _ID),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_message_library_org_title", "org_id", "title"),
)
"""Saved message shortcuts staff use in broadcasts and the Hub (REM-17)."""
