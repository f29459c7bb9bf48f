"""Conversations (Hub chats), their messages, internal notes, and open prompts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.errors import ValidationError
from domain.model import _validate as v
from domain.model.enums import Channel, ConversationStatus, MessageDirection, MessageStatus

__all__ = ["MAX_BODY", "Conversation", "Message", "Note", "Prompt"]

MAX_BODY = 4000
"""Longest message body Careline stores (an SMS of 25 segments; long emails are truncated with
a note to staff, never dropped)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Conversation:
    """One thread between the clinic and one patient address (number, email or widget session).

    The Hub queue follows from it: open and unassigned → Unassigned; assigned → Mine/Others;
    closed → Closed (HUB-01, HUB-09).
    """

    id: str
    org_id: str
    channel: Channel
    patient_address: str
    """E.164 number, email address, or widget session id."""
    careline_address: str
    """The number/address/site of ours the patient talks to (REM-38: opt-outs are per number)."""
    patient_id: str | None = None
    facility_id: str | None = None
    status: ConversationStatus = ConversationStatus.OPEN
    assignee_id: str | None = None
    group_id: str | None = None
    unread: bool = True
    created_at: datetime
    last_message_at: datetime | None = None
    assigned_at: datetime | None = None
    reassigned_at: datetime | None = None
    closed_at: datetime | None = None
    reopened_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "channel", Channel(self.channel))
        object.__setattr__(self, "status", ConversationStatus(self.status))
        v.aware("conversation.created_at", self.created_at)
        if not self.patient_address:
            raise ValidationError("conversation.patient_address", "is required")


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    id: str
    org_id: str
    conversation_id: str
    direction: MessageDirection
    channel: Channel
    body: str
    status: MessageStatus
    created_at: datetime
    media: tuple[str, ...] = ()
    provider_id: str | None = None
    template_key: str | None = None
    author_id: str | None = None
    """Staff user who wrote it (None for patients and automatic messages)."""
    facility_id: str | None = None
    error_code: str | None = None
    outbox_id: str | None = None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "direction", MessageDirection(self.direction))
        object.__setattr__(self, "channel", Channel(self.channel))
        object.__setattr__(self, "status", MessageStatus(self.status))
        v.aware("message.created_at", self.created_at)
        if not isinstance(self.body, str):
            raise ValidationError("message.body", "must be text")
        if len(self.body) > MAX_BODY:
            raise ValidationError("message.body", f"is longer than {MAX_BODY} characters")
        object.__setattr__(self, "media", tuple(self.media))


@dataclass(frozen=True, slots=True, kw_only=True)
class Note:
    """An internal note on a conversation; patients never see it (HUB-11, HUB-12)."""

    id: str
    org_id: str
    conversation_id: str
    author_id: str
    body: str
    created_at: datetime
    mentioned_user_ids: tuple[str, ...] = ()
    mentioned_group_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "body", v.text("note.body", self.body, max_length=MAX_BODY))
        v.aware("note.created_at", self.created_at)


@dataclass(frozen=True, slots=True, kw_only=True)
class Prompt:
    """Something Careline asked a patient and is waiting for an answer to: a reminder awaiting
    confirmation, a waitlist offer, a list of reschedule options, a feedback or identity question.

    ``flow`` names the flow that owns it and ``state`` its FSM state; ``data`` holds the flow's
    own small state (JSON-safe).
    """

    id: str
    org_id: str
    conversation_id: str
    flow: str
    state: str
    created_at: datetime
    expires_at: datetime | None = None
    appointment_id: str | None = None
    ref_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    closed_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def open_at(self, now: datetime) -> bool:
        return self.closed_at is None and (self.expires_at is None or now < self.expires_at)
