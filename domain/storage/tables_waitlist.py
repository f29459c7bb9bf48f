"""Tables of the smart waitlist and self-rescheduling: entries, offers, reschedule sessions
and self-schedule links.

They join the core ``metadata`` (``domain/storage/schema.py`` imports this module), so Alembic
sees one schema.
"""

from __future__ import annotations

import sqlalchemy as sa

from domain.storage.tables import ID, metadata
from domain.storage.types import JSONType, UTCDateTime

__all__ = [
    "reschedule_sessions",
    "self_schedule_links",
    "waitlist_entries",
    "waitlist_event_receipts",
    "waitlist_offers",
]


def _org() -> sa.Column[str]:
    return sa.Column("org_id", ID, sa.ForeignKey("organizations.id"), nullable=False, index=True)


waitlist_entries = sa.Table(
    "waitlist_entries",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("patient_id", ID, sa.ForeignKey("patients.id"), nullable=False, index=True),
    sa.Column("facility_id", ID, sa.ForeignKey("facilities.id")),
    sa.Column("provider_id", ID, sa.ForeignKey("providers.id")),
    sa.Column("type_id", ID, sa.ForeignKey("appointment_types.id")),
    sa.Column("appointment_id", ID, sa.ForeignKey("appointments.id")),
    sa.Column("duration_minutes", sa.Integer, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("note", sa.String(500), nullable=False, server_default=""),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("unaccepted_offers", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_offer_at", UTCDateTime),
    sa.Column("last_accepted_at", UTCDateTime),
    sa.Column("removed_at", UTCDateTime),
    sa.Column("removed_reason", sa.String(200)),
    sa.Column("added_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_waitlist_entries_org_status_provider", "org_id", "status", "provider_id"),
)

waitlist_offers = sa.Table(
    "waitlist_offers",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("slot_id", ID, sa.ForeignKey("open_slots.id"), nullable=False, index=True),
    sa.Column("entry_id", ID, sa.ForeignKey("waitlist_entries.id"), nullable=False),
    sa.Column("patient_id", ID, sa.ForeignKey("patients.id"), nullable=False, index=True),
    sa.Column("address", sa.String(254), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("pass_number", sa.Integer, nullable=False, server_default="1"),
    sa.Column("slot_start", UTCDateTime, nullable=False),
    sa.Column("conversation_id", ID),
    sa.Column("prompt_id", ID),
    sa.Column("appointment_id", ID),
    sa.Column("reason", sa.String(200)),
    sa.Column("decided_by", ID),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("send_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("responded_at", UTCDateTime),
    sa.Column("decided_at", UTCDateTime),
    sa.UniqueConstraint(
        "slot_id", "entry_id", "pass_number", name="uq_waitlist_offers_slot_entry_pass"
    ),
    sa.Index("ix_waitlist_offers_org_state_expires", "org_id", "state", "expires_at"),
)

reschedule_sessions = sa.Table(
    "reschedule_sessions",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("appointment_id", ID, sa.ForeignKey("appointments.id"), nullable=False, index=True),
    sa.Column("patient_id", ID, sa.ForeignKey("patients.id"), nullable=False),
    sa.Column("conversation_id", ID),
    sa.Column("prompt_id", ID),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("restarts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("options", JSONType, nullable=False),
    sa.Column("tried", JSONType, nullable=False),
    sa.Column("chosen_slot_id", ID),
    sa.Column("new_appointment_id", ID),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime),
    sa.Index("ix_reschedule_sessions_org_state", "org_id", "state", "expires_at"),
)

self_schedule_links = sa.Table(
    "self_schedule_links",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("appointment_id", ID, sa.ForeignKey("appointments.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("single_use", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime),
    sa.Column("new_appointment_id", ID),
)

waitlist_event_receipts = sa.Table(
    "waitlist_event_receipts",
    metadata,
    # The domain events the waitlist has handled, so that it consumes each exactly once without
    # touching ``domain_events.consumed_at`` (other parts may consume the same events).
    sa.Column(
        "event_id", ID, sa.ForeignKey("domain_events.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("handled_at", UTCDateTime, nullable=False),
    sa.Column("outcome", sa.String(200), nullable=False, server_default="ok"),
)
