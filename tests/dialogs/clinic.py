"""A stored clinic for the dialog tests that use a database: one facility, provider, type and
patient, a booked appointment, and a reminder awaiting the patient's answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

import domain.storage.tables_hub  # noqa: F401 - registers the Hub tables on the metadata
from dialogs.flows import reminder_prompt
from domain.model import (
    Appointment,
    AppointmentType,
    Channel,
    ContactKind,
    ContactPoint,
    Conversation,
    Facility,
    Message,
    MessageDirection,
    MessageStatus,
    OpenSlot,
    Organization,
    Patient,
    Prompt,
    Provider,
    new_id,
)
from domain.org_settings import MessagingSettings, OrgSettings, ReplySettings
from domain.storage import tables as t
from domain.storage.database import Database
from domain.storage.repositories import (
    AppointmentRepository,
    ConversationRepository,
    PatientRepository,
    PracticeRepository,
)

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
SMS_NUMBER = "+18885550199"
PATIENT_PHONE = "+12125550123"
FACILITY_PHONE = "+13125550142"


async def prepare(db: Database) -> None:
    """Migrate, then create the tables of parts whose migrations are not written yet."""
    await db.upgrade()
    async with db.transaction() as conn:
        await conn.run_sync(lambda sync: t.metadata.create_all(sync, checkfirst=True))


@dataclass
class Clinic:
    org: Organization
    facility: Facility
    patient: Patient
    appointment: Appointment
    conversation: Conversation
    prompt: Prompt
    slots: list[OpenSlot] = field(default_factory=list)


def clinic_org(**replies: Any) -> Organization:
    settings = OrgSettings(
        replies=ReplySettings(**replies),
        messaging=MessagingSettings(sms_number=SMS_NUMBER),
    )
    org_id = new_id()
    return Organization(id=org_id, name="Riverside Family Practice", phone="+12125550100",
                        public_key=f"riverside-{org_id.lower()}", settings=settings)


async def seed(
    db: Database, *, now: datetime = NOW, organization: Organization | None = None,
    start: datetime | None = None, reminder: bool = True,
) -> Clinic:
    """Store the clinic; the reminder (and its prompt) went out a day before ``now``."""
    org = organization or clinic_org()
    facility = Facility(id=new_id(), org_id=org.id, name="Riverside", timezone="America/New_York",
                        phone=FACILITY_PHONE)
    provider = Provider(id=new_id(), org_id=org.id, name="Dr. Rowan Hollis")
    kind = AppointmentType(id=new_id(), org_id=org.id, name="Follow-up")
    patient = Patient(
        id=new_id(), org_id=org.id, first_name="Quinn", last_name="Ellery",
        primary_facility_id=facility.id,
        contacts=(ContactPoint(kind=ContactKind.SMS, value=PATIENT_PHONE, preferred=True),),
    )
    appointment = Appointment(
        id=new_id(), org_id=org.id, patient_id=patient.id, facility_id=facility.id,
        provider_id=provider.id, type_id=kind.id, start=start or now + timedelta(days=2),
        duration_minutes=30, created_at=now - timedelta(days=30),
        updated_at=now - timedelta(days=30),
    )
    slots = [
        OpenSlot(id=new_id(), org_id=org.id, facility_id=facility.id, provider_id=provider.id,
                 type_id=kind.id, start=now + timedelta(days=3, hours=h), duration_minutes=30,
                 created_at=now)
        for h in (1, 2)
    ]
    async with db.transaction() as conn:
        practice = PracticeRepository(conn)
        await practice.add_organization(org, now)
        await practice.add_facility(facility)
        await practice.add_provider(provider)
        await practice.add_type(kind)
        await PatientRepository(conn).add(patient, now)
        repo = AppointmentRepository(conn)
        await repo.add(appointment)
        for slot in slots:
            await repo.add_slot(slot)
        conversations = ConversationRepository(conn)
        conversation, _ = await conversations.get_or_create(
            org_id=org.id, channel=Channel.SMS, patient_address=PATIENT_PHONE,
            careline_address=SMS_NUMBER, patient_id=patient.id, facility_id=facility.id,
            at=now - timedelta(days=1),
        )
        prompt = reminder_prompt(
            org_id=org.id, conversation_id=conversation.id, appointment_id=appointment.id,
            created_at=now - timedelta(days=1), expires_at=appointment.end,
        )
        if reminder:
            await conversations.add_message(Message(
                id=new_id(), org_id=org.id, conversation_id=conversation.id,
                direction=MessageDirection.OUTBOUND, channel=Channel.SMS,
                body="Reminder: your visit is on Thursday. Reply C to confirm or 2 to cancel.",
                status=MessageStatus.DELIVERED, created_at=now - timedelta(days=1),
                template_key="reminder",
            ))
            await conversations.add_prompt(prompt)
    return Clinic(org, facility, patient, appointment, conversation, prompt, slots)


async def events(db: Database, kind: str | None = None) -> list[dict[str, Any]]:
    """Stored domain events (kind and payload), oldest first."""
    async with db.read() as conn:
        query = sa.select(t.domain_events).order_by(t.domain_events.c.created_at,
                                                      t.domain_events.c.id)
        if kind is not None:
            query = query.where(t.domain_events.c.kind == kind)
        rows = (await conn.execute(query)).mappings().all()
    return [{"kind": r["kind"], "payload": r["payload"]} for r in rows]
