"""A stored clinic for the waitlist tests: one organisation with a facility in Chicago, two
providers, one appointment type, patients with mobile numbers, and helpers to read what the
services wrote. Works on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

import domain.storage.tables_waitlist as tw
from domain.clock import MovableClock
from domain.model import (
    Appointment,
    AppointmentType,
    CancelSource,
    ContactKind,
    ContactPoint,
    Facility,
    OpenSlot,
    Organization,
    OutboxMessage,
    Patient,
    Prompt,
    Provider,
    new_id,
)
from domain.org_settings import MessagingSettings, OrgSettings
from domain.storage import tables as t
from domain.storage.database import Database
from domain.storage.repositories import (
    AppointmentRepository,
    ConversationRepository,
    PatientRepository,
    PracticeRepository,
)
from domain.storage.repositories._mapping import from_row
from domain.waitlist import EntrySource, Offer, WaitlistEntry
from gateway.waitlist.deps import WaitlistDeps
from gateway.waitlist.membership import add_entry
from gateway.waitlist.store import WaitlistStore

T = TypeVar("T")

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
"""Wednesday 18 November 2026, 09:00 in Chicago."""
SMS_NUMBER = "+18885550199"
FACILITY_PHONE = "+13125550100"


def phone(index: int) -> str:
    return f"+1312555{index + 101:04d}" if index < 99 else f"+1212555{index - 99 + 100:04d}"


async def prepare(db: Database) -> None:
    """Migrate, then create the tables of parts not in the migrations yet (ours included)."""
    for module in sorted(Path(tw.__file__).parent.glob("tables_*.py")):
        importlib.import_module(f"domain.storage.{module.stem}")
    await db.upgrade()
    async with db.transaction() as conn:
        await conn.run_sync(lambda sync: t.metadata.create_all(sync, checkfirst=True))


@dataclass
class World:
    db: Database
    clock: MovableClock
    org: Organization
    facility: Facility
    provider: Provider
    other_provider: Provider
    kind: AppointmentType
    patients: list[Patient]
    deps: WaitlistDeps = field(default_factory=WaitlistDeps)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    async def run(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        async with self.db.transaction() as conn:
            return await work(conn)

    async def set_settings(self, settings: OrgSettings) -> None:
        self.org = Organization(id=self.org.id, name=self.org.name, phone=self.org.phone,
                                public_key=self.org.public_key, settings=settings)
        await self.run(lambda c: PracticeRepository(c).save_org_settings(self.org.id, settings))

    async def appointment(self, patient: Patient, start: datetime, **fields: Any) -> Appointment:
        values: dict[str, Any] = {
            "id": new_id(), "org_id": self.org.id, "patient_id": patient.id,
            "facility_id": self.facility.id, "provider_id": self.provider.id,
            "type_id": self.kind.id, "start": start, "duration_minutes": 30,
            "created_at": self.now - timedelta(days=30), "updated_at": self.now,
        }
        values.update(fields)
        appointment = Appointment(**values)
        await self.run(lambda c: AppointmentRepository(c).add(appointment))
        return appointment

    async def cancel(self, appointment: Appointment,
                     source: CancelSource = CancelSource.PATIENT) -> Appointment:
        cancelled = appointment.cancel(self.now, source)
        await self.run(lambda c: AppointmentRepository(c).save(cancelled))
        return cancelled

    async def emit(self, kind: str, payload: dict[str, Any]) -> None:
        await self.run(lambda c: c.execute(t.domain_events.insert().values(
            id=new_id(), org_id=self.org.id, kind=kind, payload=payload, created_at=self.now)))

    async def waiting(self, patient: Patient, *, appointment: Appointment | None = None,
                      added_days_ago: float = 10, **fields: Any) -> WaitlistEntry:
        """Put ``patient`` on the list (through the service), added some days ago."""
        added = self.now - timedelta(days=added_days_ago)

        async def add(conn: AsyncConnection) -> WaitlistEntry:
            entry = await add_entry(
                conn, self.org, patient_id=patient.id, now=added,
                appointment_id=appointment.id if appointment else None,
                source=fields.pop("source", EntrySource.STAFF), **fields,
            )
            return entry

        return await self.run(add)

    async def slot(self, slot_id: str) -> OpenSlot:
        return await self.run(lambda c: AppointmentRepository(c).slot(slot_id))

    async def slot_for(self, appointment: Appointment) -> OpenSlot | None:
        async with self.db.read() as conn:
            row = (await conn.execute(sa.select(t.open_slots).where(
                t.open_slots.c.cancelled_appointment_id == appointment.id))).mappings().first()
        return None if row is None else from_row(OpenSlot, dict(row))

    async def offers(self, slot_id: str) -> list[Offer]:
        return await self.run(lambda c: WaitlistStore(c).offers_for_slot(slot_id))

    async def entry(self, entry_id: str) -> WaitlistEntry:
        return await self.run(lambda c: WaitlistStore(c).entry(self.org.id, entry_id))

    async def outbox(self, *, to: str | None = None, key: str | None = None
                     ) -> list[OutboxMessage]:
        """Queued messages, oldest first; ``key`` filters on the catalogue key."""
        async with self.db.read() as conn:
            query = sa.select(t.outbox).order_by(t.outbox.c.created_at, t.outbox.c.id)
            if to is not None:
                query = query.where(t.outbox.c.to_address == to)
            rows = (await conn.execute(query)).mappings().all()
        found = [from_row(OutboxMessage, dict(r)) for r in rows]
        return [m for m in found if key is None or m.context.get("template_key") == key]

    async def texts(self, patient: Patient) -> list[str]:
        return [m.body or "" for m in await self.outbox(to=phone_of(patient))]

    async def prompts(self, patient: Patient, flow: str) -> list[Prompt]:
        async with self.db.read() as conn:
            rows = (await conn.execute(sa.select(t.prompts).where(
                t.prompts.c.flow == flow).order_by(t.prompts.c.created_at))).mappings().all()
            conversations = ConversationRepository(conn)
            found = []
            for row in rows:
                prompt = from_row(Prompt, dict(row))
                conversation = await conversations.get(prompt.conversation_id)
                if conversation.patient_id == patient.id:
                    found.append(prompt)
        return found

    async def appointments_of(self, patient: Patient) -> list[Appointment]:
        return await self.run(lambda c: AppointmentRepository(c).for_patient(patient.id))

    async def receipts(self) -> dict[str, str]:
        async with self.db.read() as conn:
            rows = (await conn.execute(sa.select(
                tw.waitlist_event_receipts.c.event_id, tw.waitlist_event_receipts.c.outcome)))
            return {event_id: outcome for event_id, outcome in rows.all()}


def phone_of(patient: Patient) -> str:
    return patient.contacts_of(ContactKind.SMS)[0].value


async def make_world(db: Database, *, settings: OrgSettings | None = None, patients: int = 6,
                     now: datetime = NOW, language: str = "en") -> World:
    """Store the clinic in ``db`` (already prepared) with a frozen clock at ``now``."""
    clock = MovableClock(now, frozen=True)
    base = settings or OrgSettings()
    org_id = new_id()
    org = Organization(
        id=org_id, name="Lakeside Health", phone="+13125550199",
        public_key=f"lakeside-{org_id.lower()}",
        settings=replace(base, messaging=MessagingSettings(sms_number=SMS_NUMBER)),
    )
    facility = Facility(id=new_id(), org_id=org.id, name="Lakeside Clinic",
                        timezone="America/Chicago", phone=FACILITY_PHONE)
    provider = Provider(id=new_id(), org_id=org.id, name="Dr. Ada Stone")
    other = Provider(id=new_id(), org_id=org.id, name="Dr. Ben Okafor")
    kind = AppointmentType(id=new_id(), org_id=org.id, name="Check-up")
    people = [
        Patient(id=new_id(), org_id=org.id, first_name=f"Pat{i}", last_name="Tester",
                mrn=f"MRN-{org_id[-6:]}-{i}", preferred_language=language,
                primary_facility_id=facility.id,
                contacts=(ContactPoint(kind=ContactKind.SMS, value=phone(i), preferred=True),))
        for i in range(patients)
    ]
    async with db.transaction() as conn:
        practice = PracticeRepository(conn)
        await practice.add_organization(org, now)
        await practice.add_facility(facility)
        await practice.add_provider(provider)
        await practice.add_provider(other)
        await practice.add_type(kind)
        await PatientRepository(conn).add_many(people, now)
    return World(db, clock, org, facility, provider, other, kind, people)
