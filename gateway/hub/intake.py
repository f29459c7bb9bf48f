"""Patient messages into the Hub (PIT-01, PIT-02, HUB-13, HUB-14, HUB-20, HUB-22).

:func:`route_to_hub` is what "route to Hub" means in storage: it ties the thread to its patient
(or a placeholder profile for an unknown sender), applies the reopen rule of
``domain.hub_rules``, makes the thread a Hub chat and records chat events, all in the caller's
transaction. The dialog manager calls it for every message no open prompt expects;
:class:`HubResponder` is a responder that does only that, for deployments without flows.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.hub_rules import (
    DEFAULT_EVENT_KEYWORDS,
    HubIntake,
    placeholder_patient,
    receive_patient_message,
)
from domain.model import Conversation, Patient, new_id
from domain.org_settings import HubSettings
from domain.storage import tables as t
from domain.storage.repositories import ConversationRepository, PatientRepository
from gateway.hub.chats import ChatStore
from gateway.hub.events import record_events
from gateway.inbound.responder import InboundContext

__all__ = ["HubResponder", "new_temporary_code", "route_to_hub"]

_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def new_temporary_code() -> str:
    """A random 6-character temporary identifier (no look-alike characters)."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


async def route_to_hub(
    conn: AsyncConnection,
    *,
    conversation: Conversation,
    text: str,
    message_id: str | None,
    patients: Sequence[Patient],
    settings: HubSettings,
    now: datetime,
    expected: bool = False,
    reason: str = "patient_message",
    keywords: Sequence[str] = DEFAULT_EVENT_KEYWORDS,
) -> HubIntake:
    """Apply a patient's message to the Hub, in the caller's transaction.

    Args:
        conn: the transaction (the inbound pipeline's).
        conversation: the thread, as stored before this message.
        text: the message text.
        message_id: the stored inbound message's id.
        patients: patients having the sender's address (0: unknown sender, who gets a
            placeholder profile when the chat is routed; 2+: a shared number, left for staff).
        settings: the organisation's Hub settings.
        now: the time of the message.
        expected: True when the message answered an open prompt (never routes or reopens).
        reason: why the chat is in the Hub (``patient_message``, ``bot_handover``...).
        keywords: words that raise ``chat.keyword`` events.

    Returns:
        The outcome of ``domain.hub_rules.receive_patient_message`` with the saved chat.
    """
    chats = ChatStore(conn)
    intake = receive_patient_message(
        conversation, text=text, message_id=message_id, expected=expected,
        in_hub=await chats.is_chat(conversation.id), settings=settings, now=now,
        keywords=keywords,
    )
    updated = intake.conversation
    if intake.routed:
        updated = await _with_patient(conn, updated, patients)
    if updated.facility_id is None:
        updated = replace(updated, facility_id=await _facility_of(conn, updated, patients))
    await ConversationRepository(conn).save(updated)
    if intake.routed:
        await chats.route(conversation_id=updated.id, org_id=updated.org_id, reason=reason,
                          at=now)
    await record_events(conn, updated.org_id, intake.events, now)
    return replace(intake, conversation=updated)


async def _with_patient(
    conn: AsyncConnection, conversation: Conversation, patients: Sequence[Patient]
) -> Conversation:
    if conversation.patient_id is not None:
        return conversation
    known = [p for p in patients if p.org_id == conversation.org_id]
    if len(known) == 1:
        return replace(conversation, patient_id=known[0].id)
    if known:
        return conversation  # a shared number: staff pick the patient
    placeholder = placeholder_patient(
        patient_id=new_id(), org_id=conversation.org_id, channel=conversation.channel,
        address=conversation.patient_address, code=new_temporary_code(),
    )
    await PatientRepository(conn).add(placeholder, conversation.created_at)
    return replace(conversation, patient_id=placeholder.id)


async def _facility_of(
    conn: AsyncConnection, conversation: Conversation, patients: Sequence[Patient]
) -> str | None:
    """The facility a new chat belongs to: its patient's primary facility, else the facility
    whose number the patient wrote to, else none (triage)."""
    for patient in patients:
        if patient.id == conversation.patient_id and patient.primary_facility_id:
            return patient.primary_facility_id
    found = await conn.execute(
        sa.select(t.facilities.c.id).where(
            t.facilities.c.org_id == conversation.org_id,
            t.facilities.c.phone == conversation.careline_address,
        )
    )
    return found.scalar()


class HubResponder:
    """A responder that routes every message no open prompt expects to the Hub and answers
    nothing (or the organisation's automatic reply, once, for a new chat)."""

    async def respond(self, conn: AsyncConnection, inbound: InboundContext) -> list[str]:
        """Route ``inbound`` to the Hub; see ``gateway.inbound.responder.Responder``."""
        prompts = await ConversationRepository(conn).open_prompts(
            inbound.conversation.id, inbound.now
        )
        settings = inbound.org.settings.hub
        intake = await route_to_hub(
            conn, conversation=inbound.conversation, text=inbound.message.body,
            message_id=inbound.message.id, patients=inbound.patients, settings=settings,
            now=inbound.now, expected=bool(prompts),
        )
        first = intake.routed and not intake.reopened and inbound.conversation_created
        return [settings.auto_reply] if first and settings.auto_reply else []
