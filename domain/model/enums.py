"""Enumerations shared across the model. Values are the strings stored and shown in the API."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AppointmentStatus",
    "CancelSource",
    "Channel",
    "ConfirmationState",
    "ContactKind",
    "ContactValidity",
    "ConversationStatus",
    "DncSource",
    "MessageDirection",
    "MessageKind",
    "MessageStatus",
    "OutboxState",
    "Role",
]


class Channel(StrEnum):
    SMS = "sms"
    VOICE = "voice"
    EMAIL = "email"
    WIDGET = "widget"
    SIMULATOR = "simulator"


class ContactKind(StrEnum):
    """How a contact point is used: a number can be for texts or for calls, or an email."""

    SMS = "sms"
    VOICE = "voice"
    EMAIL = "email"


class ContactValidity(StrEnum):
    UNKNOWN = "unknown"
    VALID = "valid"
    INVALID = "invalid"
    LANDLINE = "landline"


class DncSource(StrEnum):
    """Who put an address on the do-not-contact list (REM-36, REM-39, REM-78)."""

    PATIENT_OPT_OUT = "patient_opt_out"
    STAFF = "staff"
    EHR = "ehr"
    CARRIER = "carrier"


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    STAFF = "staff"


class AppointmentStatus(StrEnum):
    """FHIR R4 Appointment.status values."""

    PROPOSED = "proposed"
    PENDING = "pending"
    BOOKED = "booked"
    ARRIVED = "arrived"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"
    ENTERED_IN_ERROR = "entered-in-error"
    CHECKED_IN = "checked-in"
    WAITLIST = "waitlist"


class ConfirmationState(StrEnum):
    UNCONFIRMED = "unconfirmed"
    CONFIRMED = "confirmed"


class CancelSource(StrEnum):
    PATIENT = "patient"
    STAFF = "staff"
    EHR = "ehr"
    RESCHEDULED = "rescheduled"
    WAITLIST_ACCEPTED = "waitlist_accepted"


class ConversationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class MessageDirection(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageStatus(StrEnum):
    RECEIVED = "received"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"


class MessageKind(StrEnum):
    """Why a message is sent; delivery rules differ by kind."""

    REMINDER = "reminder"
    WAITLIST = "waitlist"
    RESCHEDULE = "reschedule"
    BROADCAST = "broadcast"
    CUSTOM = "custom"
    STAFF = "staff"
    TRANSACTIONAL = "transactional"
    SECURE_LINK = "secure_link"


class OutboxState(StrEnum):
    """Life of an outbox row. Terminal: sent, failed, blocked, cancelled. ``unknown`` waits for
    reconciliation (a crash after the provider may have accepted it)."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"
