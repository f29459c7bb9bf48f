"""Texting a patient from the waitlist and reschedule services: an outbox row (the dispatcher
sends it under every delivery rule) on the patient's SMS conversation, plus the open prompt
that routes their answer back to our flows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import (
    Channel,
    ContactKind,
    Conversation,
    MessageKind,
    Organization,
    OutboxMessage,
    Patient,
    Prompt,
    new_id,
)
from domain.storage.repositories import ConversationRepository, OutboxRepository
from gateway.inbound.addresses import sms_number_of

__all__ = ["Text", "patient_address", "send_text", "thread_of"]


def patient_address(patient: Patient) -> str | None:
    """The number offers go to: the patient's preferred reachable SMS contact."""
    for contact in patient.contacts_of(ContactKind.SMS):
        if contact.reachable:
            return contact.value
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Text:
    """One message to one patient."""

    body: str
    key: str
    """Catalogue key (stored in the row's context as ``template_key`` for the Hub)."""
    kind: MessageKind
    dedupe_key: str
    due_at: datetime
    facility_id: str | None = None
    appointment_id: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


async def thread_of(
    conn: AsyncConnection, org: Organization, patient: Patient, now: datetime
) -> Conversation | None:
    """The patient's SMS conversation with the organisation (created if new); None when the
    patient has no number to text."""
    address = patient_address(patient)
    if address is None:
        return None
    conversation, _ = await ConversationRepository(conn).get_or_create(
        org_id=org.id, channel=Channel.SMS, patient_address=address,
        careline_address=sms_number_of(org), patient_id=patient.id,
        facility_id=patient.primary_facility_id, at=now,
    )
    return conversation


async def send_text(
    conn: AsyncConnection,
    conversation: Conversation,
    patient: Patient,
    text: Text,
    *,
    now: datetime,
    prompt: Prompt | None = None,
) -> bool:
    """Queue ``text`` on ``conversation`` and store ``prompt`` with it.

    Returns:
        False when a row with the same dedupe key was queued before (nothing is written).
    """
    row = OutboxMessage(
        id=new_id(), org_id=conversation.org_id, dedupe_key=text.dedupe_key, kind=text.kind,
        channel=conversation.channel, to_address=conversation.patient_address,
        from_address=conversation.careline_address, patient_id=patient.id,
        appointment_id=text.appointment_id, conversation_id=conversation.id,
        facility_id=text.facility_id, language=patient.preferred_language, body=text.body,
        context={"template_key": text.key, **text.context}, due_at=text.due_at, created_at=now,
    )
    if not await OutboxRepository(conn).add(row):
        return False
    if prompt is not None:
        await ConversationRepository(conn).add_prompt(prompt)
    return True
