"""Writing in a chat: replies to the patient through the outbox (HUB-03, HUB-05, HUB-16,
HUB-19) and internal notes with @mentions (HUB-11, HUB-12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from domain import hub_rules
from domain.errors import ValidationError
from domain.model import (
    MAX_BODY,
    Conversation,
    MessageKind,
    Note,
    OutboxMessage,
    new_id,
)
from domain.storage.repositories import (
    AppointmentRepository,
    ConversationRepository,
    OutboxRepository,
    PatientRepository,
    PracticeRepository,
    StaffRepository,
)
from gateway.auth.principal import Principal
from gateway.auth.scoping import visible_conversation
from gateway.hub.actions import save_chat
from gateway.hub.notifications import NotificationStore
from gateway.hub.squigglies import render_staff_message, squiggly_context

__all__ = ["NoteResult", "add_note", "send_reply"]


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteResult:
    """A stored note, who was notified, and who was mentioned but may not see the chat."""

    note: Note
    notified_user_ids: tuple[str, ...]
    unreachable_user_ids: tuple[str, ...]


async def add_note(conn: AsyncConnection, principal: Principal, conversation_id: str,
                   body: str, now: datetime) -> NoteResult:
    """Add an internal note; its @mentions notify users and group members who may see the
    chat. Patients never see notes."""
    conversation = await visible_conversation(conn, principal, conversation_id)
    staff = StaffRepository(conn)
    users = await staff.users(principal.org_id)
    groups = await staff.groups(principal.org_id)
    mentions = hub_rules.parse_mentions(body, users, groups.values())
    note = Note(id=new_id(), org_id=principal.org_id, conversation_id=conversation.id,
                author_id=principal.user_id, body=body, created_at=now,
                mentioned_user_ids=mentions.user_ids, mentioned_group_ids=mentions.group_ids)
    await ConversationRepository(conn).add_note(note)
    wanted = mentions.notified_user_ids(users, author_id=principal.user_id)
    by_id = {u.id: u for u in users}
    notified = tuple(
        u for u in wanted
        if hub_rules.visible_to(conversation.facility_id,
                                by_id[u].facility_access(groups), by_id[u].role)
    )
    await NotificationStore(conn).add_mentions(
        org_id=principal.org_id, user_ids=notified, conversation_id=conversation.id,
        note_id=note.id, actor_id=principal.user_id, at=now,
    )
    await save_chat(conn, principal, conversation, conversation, "add_note", now,
                    note_id=note.id, mentioned=len(notified))
    unreachable = tuple(u for u in wanted if u not in notified)
    return NoteResult(note=note, notified_user_ids=notified, unreachable_user_ids=unreachable)


async def send_reply(
    conn: AsyncConnection, principal: Principal, conversation_id: str, *, body: str,
    facility_id: str | None, now: datetime,
) -> tuple[OutboxMessage, Conversation]:
    """Send a message to the chat's patient from a facility.

    The squigglies are filled in now and an outbox row of kind ``staff`` carries the text to
    the patient on the chat's channel; the dispatcher adds it to the chat's messages (with the
    author) once it is sent.

    Raises:
        ValidationError: empty or too long body, a squiggly problem, a missing facility when
            the organisation requires one (HUB-19), or a facility the principal may not use.
    """
    conversation = await visible_conversation(conn, principal, conversation_id)
    practice = PracticeRepository(conn)
    organization = await practice.organization(principal.org_id)
    settings = organization.settings.hub
    facilities = await practice.facilities(principal.org_id)
    if facility_id is None:
        if settings.require_facility:
            raise ValidationError("facility_id", "choose the facility this message is from")
    elif facility_id not in facilities or not principal.sees(facility_id):
        raise ValidationError("facility_id", "no such facility")
    if not body.strip():
        raise ValidationError("body", "is required")
    patient = None
    appointment = None
    if conversation.patient_id is not None:
        patient = await PatientRepository(conn).get(conversation.patient_id)
        upcoming = await AppointmentRepository(conn).for_patient(
            patient.id, start_from=now, active_only=True
        )
        appointment = next((a for a in upcoming if principal.sees(a.facility_id)), None)
    providers = await practice.providers(principal.org_id) if appointment else {}
    context = squiggly_context(
        organization=organization, patient=patient,
        facility=facilities.get(facility_id) if facility_id else None,
        appointment=appointment,
        appointment_facility=facilities.get(appointment.facility_id) if appointment else None,
        provider=providers.get(appointment.provider_id) if appointment else None,
        staff=principal.user,
    )
    text = render_staff_message(body, context)
    if not text or len(text) > MAX_BODY:
        raise ValidationError("body", f"must be 1-{MAX_BODY} characters once filled in")
    outbox = OutboxMessage(
        id=new_id(), org_id=principal.org_id, dedupe_key=f"staff:{new_id()}",
        kind=MessageKind.STAFF, channel=conversation.channel,
        to_address=conversation.patient_address, from_address=conversation.careline_address,
        patient_id=conversation.patient_id, conversation_id=conversation.id,
        facility_id=facility_id, body=text, due_at=now, created_at=now,
        language=patient.preferred_language if patient else "en",
        context={"author_id": principal.user_id},
    )
    await OutboxRepository(conn).add(outbox)
    updated = hub_rules.after_staff_message(conversation, principal.user_id,
                                            ownership=settings.ownership, now=now)
    updated = await save_chat(conn, principal, conversation, updated, "send_message", now,
                              outbox_id=outbox.id, facility_id=facility_id)
    return outbox, updated
