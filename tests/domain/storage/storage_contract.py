"""Storage behaviour every database must show. Run against SQLite (tests/domain/storage) and
PostgreSQL (tests/integration) by importing these tests next to a ``db`` fixture."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from domain.model import (
    Channel,
    Message,
    MessageDirection,
    MessageStatus,
    OpenSlot,
    SlotState,
    new_id,
)
from domain.storage.database import Database
from domain.storage.repositories import (
    AppointmentRepository,
    ConversationRepository,
    PatientRepository,
    PracticeRepository,
)
from domain.storage.schema import metadata
from gateway.demo_data import build_demo, load_demo

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


async def test_migrations_match_the_schema(db: Database) -> None:
    def diff(conn: sa.Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []
    assert await db.current_revision() is not None


async def test_demo_data_round_trips(db: Database) -> None:
    data = build_demo(seed=3, patients=60, now=NOW)
    assert await load_demo(db, data, now=NOW)
    assert not await load_demo(db, data, now=NOW), "must refuse a database that has data"
    async with db.read() as conn:
        org = (await PracticeRepository(conn).organizations())[0]
        assert org.settings == data.organization.settings
        facilities = await PracticeRepository(conn).facilities(org.id)
        assert {f.timezone for f in facilities.values()} == {
            "America/New_York",
            "America/Chicago",
            "America/Denver",
        }
        patient = data.patients[0]
        stored = await PatientRepository(conn).get(patient.id)
        assert stored == patient
        by_number = await PatientRepository(conn).find_by_address(org.id, patient.contacts[0].value)
        assert patient.id in [p.id for p in by_number]
        first = data.appointments[0]
        assert await AppointmentRepository(conn).get(first.id) == first
        assert await AppointmentRepository(conn).count(org.id) == len(data.appointments)


async def test_datetimes_come_back_aware_in_utc(db: Database) -> None:
    data = build_demo(seed=4, patients=5, now=NOW)
    await load_demo(db, data, now=NOW)
    async with db.read() as conn:
        appointment = await AppointmentRepository(conn).get(data.appointments[0].id)
    assert appointment.start.tzinfo is not None
    assert appointment.start.utcoffset() == timedelta(0)
    assert appointment.start == data.appointments[0].start


async def test_provider_message_id_is_stored_once(db: Database) -> None:
    data = build_demo(seed=5, patients=5, now=NOW)
    await load_demo(db, data, now=NOW)
    org_id = data.organization.id
    async with db.transaction() as conn:
        conversation, created = await ConversationRepository(conn).get_or_create(
            org_id=org_id,
            channel=Channel.SMS,
            patient_address="+13125550142",
            careline_address="+18885550123",
            patient_id=None,
            facility_id=None,
            at=NOW,
        )
        assert created
    message = Message(
        id=new_id(),
        org_id=org_id,
        conversation_id=conversation.id,
        direction=MessageDirection.INBOUND,
        channel=Channel.SMS,
        body="C",
        status=MessageStatus.RECEIVED,
        provider_id="SM" + "1" * 32,
        created_at=NOW,
    )
    async with db.transaction() as conn:
        repo = ConversationRepository(conn)
        assert await repo.add_message(message)
        # The same provider id again (a webhook retried by the provider) is not stored twice.
        assert not await repo.add_message(replace(message, id=new_id()))
    async with db.read() as conn:
        assert len(await ConversationRepository(conn).messages(conversation.id)) == 1


async def test_exactly_one_concurrent_taker_wins_a_slot(db: Database) -> None:
    data = build_demo(seed=6, patients=5, now=NOW)
    await load_demo(db, data, now=NOW)
    slot = OpenSlot(
        id=new_id(),
        org_id=data.organization.id,
        facility_id=data.facilities[0].id,
        provider_id=data.providers[0].id,
        type_id=None,
        start=NOW + timedelta(days=1),
        duration_minutes=30,
        created_at=NOW,
    )
    async with db.transaction() as conn:
        await AppointmentRepository(conn).add_slot(slot)

    async def take() -> bool:
        async with db.transaction() as conn:
            return await AppointmentRepository(conn).take_slot(
                slot.id, expected_states=[SlotState.OPEN], to=SlotState.BOOKED
            )

    results = await asyncio.gather(*(take() for _ in range(20)))
    assert results.count(True) == 1


async def test_opt_outs_are_kept_per_careline_number(db: Database) -> None:
    from domain.model import DncEntry, DncSource

    data = build_demo(seed=8, patients=5, now=NOW)
    await load_demo(db, data, now=NOW)
    org_id = data.organization.id

    def entry(number: str) -> DncEntry:
        return DncEntry(org_id=org_id, address="+13125550142", created_at=NOW,
                        source=DncSource.PATIENT_OPT_OUT, careline_number=number)

    async with db.transaction() as conn:
        repo = PatientRepository(conn)
        assert await repo.add_dnc(entry("+18885550123"))
        assert await repo.add_dnc(entry("+18885550124"))
        assert not await repo.add_dnc(entry("+18885550123"))
        # START to the first number lifts only the opt-out made from it (REM-38).
        removed = await repo.remove_dnc(org_id, "+13125550142", "patient_opt_out",
                                        careline_number="+18885550123")
        assert removed == 1
        remaining = await repo.dnc_entries(org_id, ["+13125550142"])
    assert [e.careline_number for e in remaining] == ["+18885550124"]
