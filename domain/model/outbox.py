"""The outbox: every outbound message is a row with a due time and a state (DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.errors import ValidationError
from domain.model import _validate as v
from domain.model.enums import Channel, MessageKind, OutboxState

__all__ = ["OutboxMessage"]


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxMessage:
    """A planned or sent message.

    ``dedupe_key`` makes planning idempotent: re-planning an appointment writes the same keys, so
    no duplicate and no orphan rows. ``body`` is None until rendered at send time when the row is
    built from ``template_key`` + ``context``.
    """

    id: str
    org_id: str
    dedupe_key: str
    kind: MessageKind
    channel: Channel
    to_address: str
    due_at: datetime
    created_at: datetime
    state: OutboxState = OutboxState.PENDING
    from_address: str | None = None
    patient_id: str | None = None
    appointment_id: str | None = None
    conversation_id: str | None = None
    facility_id: str | None = None
    template_key: str | None = None
    language: str = "en"
    body: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    reason: str | None = None
    provider_id: str | None = None
    sent_at: datetime | None = None
    retry_of: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", MessageKind(self.kind))
        object.__setattr__(self, "channel", Channel(self.channel))
        object.__setattr__(self, "state", OutboxState(self.state))
        v.aware("outbox.due_at", self.due_at)
        v.aware("outbox.created_at", self.created_at)
        if not self.dedupe_key:
            raise ValidationError("outbox.dedupe_key", "is required")
        if not self.to_address:
            raise ValidationError("outbox.to_address", "is required")
        if self.body is None and self.template_key is None:
            raise ValidationError("outbox.body", "a body or a template is required")
