"""A small clinic in a fresh SQLite database, for the reminder gateway tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from domain.model import (
    Appointment,
    AppointmentType,
    ContactKind,
    ContactPoint,
    Facility,
    Organization,
    Patient,
    Provider,
)
from domain.storage import tables_templates
from domain.storage.database import Database
from domain.storage.repositories import (
    AppointmentRepository,
    PatientRepository,
    PracticeRepository,
)

ORG = "01ORG0000000000000000000AA"
FACILITY = "01FAC0000000000000000000AA"
PROVIDER = "01PRV0000000000000000000AA"
TYPE = "01TYP0000000000000000000AA"
PATIENT = "01PAT0000000000000000000AA"
APPOINTMENT = "01APT0000000000000000000AA"
PHONE = "+12025550143"
CREATED = datetime(2026, 2, 1, 15, 0, tzinfo=UTC)
START = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)  # Tue 09:30 in Chicago


async def ensure_template_tables(db: Database) -> None:
    """Create the template tables when the migration does not have them yet."""
    tables = [tables_templates.message_templates, tables_templates.message_template_versions,
              tables_templates.template_partials, tables_templates.message_library]
    async with db.transaction() as conn:
        for table in tables:
            await conn.run_sync(partial(table.create, checkfirst=True))


async def seed(db: Database) -> None:
    """One organisation, facility (Chicago), provider, type, patient (SMS) and appointment."""
    async with db.transaction() as conn:
        practice = PracticeRepository(conn)
        await practice.add_organization(Organization(
            id=ORG, name="Riverbend Health", phone="+18885550100",
            public_key="test-riverbend"), CREATED)
        await practice.add_facility(Facility(
            id=FACILITY, org_id=ORG, name="Lakeside Clinic", timezone="America/Chicago",
            phone="+13125550100", address="250 Shore Drive",
            special_instructions="Please bring your insurance card."))
        await practice.add_provider(Provider(id=PROVIDER, org_id=ORG, name="Dr. Imani Brooks"))
        await practice.add_type(AppointmentType(id=TYPE, org_id=ORG, name="Follow-up"))
        await PatientRepository(conn).add(Patient(
            id=PATIENT, org_id=ORG, first_name="Ana", last_name="Ruiz",
            preferred_language="en",
            contacts=(ContactPoint(kind=ContactKind.SMS, value=PHONE, preferred=True),)),
            CREATED)
        await AppointmentRepository(conn).add(appointment())


def appointment(start: datetime = START, ident: str = APPOINTMENT) -> Appointment:
    return Appointment(id=ident, org_id=ORG, patient_id=PATIENT, facility_id=FACILITY,
                       provider_id=PROVIDER, type_id=TYPE, start=start, duration_minutes=30,
                       created_at=CREATED, updated_at=CREATED)


def day(n: int) -> timedelta:
    return timedelta(days=n)
