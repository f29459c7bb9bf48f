"""Careline's domain model: plain, validated values. No I/O here."""

from domain.model.appointment import ACTIVE_STATUSES, Appointment, OpenSlot, SlotState
from domain.model.conversation import MAX_BODY, Conversation, Message, Note, Prompt
from domain.model.enums import (
    AppointmentStatus,
    CancelSource,
    Channel,
    ConfirmationState,
    ContactKind,
    ContactValidity,
    ConversationStatus,
    DncSource,
    MessageDirection,
    MessageKind,
    MessageStatus,
    OutboxState,
    Role,
)
from domain.model.ids import new_id
from domain.model.organization import Organization
from domain.model.outbox import OutboxMessage
from domain.model.patient import ContactPoint, DncEntry, Patient, normalise_address
from domain.model.practice import AppointmentType, Facility, Provider, ResourceFlags
from domain.model.staff import Group, StaffUser

__all__ = [
    "ACTIVE_STATUSES",
    "MAX_BODY",
    "Appointment",
    "AppointmentStatus",
    "AppointmentType",
    "CancelSource",
    "Channel",
    "ConfirmationState",
    "ContactKind",
    "ContactPoint",
    "ContactValidity",
    "Conversation",
    "ConversationStatus",
    "DncEntry",
    "DncSource",
    "Facility",
    "Group",
    "Message",
    "MessageDirection",
    "MessageKind",
    "MessageStatus",
    "Note",
    "OpenSlot",
    "Organization",
    "OutboxMessage",
    "OutboxState",
    "Patient",
    "Prompt",
    "Provider",
    "ResourceFlags",
    "Role",
    "SlotState",
    "StaffUser",
    "new_id",
    "normalise_address",
]
