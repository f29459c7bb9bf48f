"""Re-planning on every change keeps exactly the right pending rows: no duplicates, no
orphans; staff actions (send now, block) and the dispatcher's template context."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from domain.clock import MovableClock
from domain.errors import Conflict
from domain.model import ContactKind, ContactPoint, OutboxMessage, OutboxState
from domain.storage import tables as t
from domain.storage.database import Database
from domain.storage.repositories import (
    AppointmentRepository,
    OutboxRepository,
    PatientRepository,
)
from domain.templates import render
from gateway.reminders import ReminderService, template_context
from tests.gateway.reminders.fixtures import (
    APPOINTMENT,
    CREATED,
    PATIENT,
    START,
    appointment,
    day,
    seed,
)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'careline.db'}")
    await database.upgrade()
    await seed(database)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(CREATED, frozen=True)


@pytest.fixture
def service(db: Database, clock: MovableClock) -> ReminderService:
    return ReminderService(db, clock)


async def rows(db: Database) -> list[OutboxMessage]:
    async with db.read() as conn:
        return await OutboxRepository(conn).for_appointment(APPOINTMENT)


def pending(found: list[OutboxMessage]) -> list[str]:
    return sorted(r.context["reminder"]["slot"] for r in found if r.state is OutboxState.PENDING)


async def test_created_twice_writes_each_reminder_once(service: ReminderService,
                                                       db: Database) -> None:
    await service.created(APPOINTMENT)
    await service.created(APPOINTMENT)
    found = await rows(db)
    assert len(found) == 3 and pending(found) == ["c2", "c5", "c7"]


async def test_moving_replaces_the_pending_rows(service: ReminderService, db: Database,
                                                clock: MovableClock) -> None:
    await service.created(APPOINTMENT)
    clock.advance(day(2))
    async with db.transaction() as conn:
        await AppointmentRepository(conn).save(replace(appointment(), start=START + day(7)))
    await service.moved(APPOINTMENT)
    await service.moved(APPOINTMENT)
    found = await rows(db)
    assert pending(found) == ["c2", "c5", "c7"]
    cancelled = [r for r in found if r.state is OutboxState.CANCELLED]
    assert len(cancelled) == 3 and {r.reason for r in cancelled} == {"appointment moved"}
    assert all(r.due_at > START for r in found if r.state is OutboxState.PENDING)


async def test_moving_back_revives_the_first_rows(service: ReminderService, db: Database) -> None:
    await service.created(APPOINTMENT)
    async with db.transaction() as conn:
        await AppointmentRepository(conn).save(replace(appointment(), start=START + day(7)))
    await service.moved(APPOINTMENT)
    async with db.transaction() as conn:
        await AppointmentRepository(conn).save(appointment())
    await service.moved(APPOINTMENT)
    found = await rows(db)
    assert len(found) == 6 and pending(found) == ["c2", "c5", "c7"]


async def test_confirmation_keeps_only_the_final_reminder(service: ReminderService,
                                                          db: Database,
                                                          clock: MovableClock) -> None:
    await service.created(APPOINTMENT)
    clock.set(START - day(6))
    async with db.transaction() as conn:
        await AppointmentRepository(conn).save(appointment().confirm(clock.now()))
    await service.confirmed(APPOINTMENT)
    assert pending(await rows(db)) == ["c2"]


async def test_cancellation_cancels_every_pending_reminder(service: ReminderService,
                                                           db: Database) -> None:
    await service.created(APPOINTMENT)
    async with db.transaction() as conn:
        from domain.model import CancelSource

        await AppointmentRepository(conn).save(appointment().cancel(CREATED, CancelSource.STAFF))
    await service.cancelled(APPOINTMENT)
    found = await rows(db)
    assert pending(found) == [] and {r.reason for r in found} == {"appointment cancelled"}


async def test_contact_change_moves_reminders_to_the_new_address(service: ReminderService,
                                                                 db: Database) -> None:
    await service.created(APPOINTMENT)
    async with db.transaction() as conn:
        patients = PatientRepository(conn)
        patient = await patients.get(PATIENT)
        email = ContactPoint(kind=ContactKind.EMAIL, value="ana@example.org", preferred=True)
        await patients.replace_contacts(replace(patient, contacts=(email,)), CREATED)
    assert await service.contacts_changed(PATIENT) == 1
    live = [r for r in await rows(db) if r.state is OutboxState.PENDING]
    assert {(r.channel.value, r.to_address) for r in live} == {("email", "ana@example.org")}


async def test_blocking_and_unblocking(service: ReminderService, db: Database) -> None:
    await service.created(APPOINTMENT)
    await service.set_blocked(APPOINTMENT, True)
    assert pending(await rows(db)) == []
    timeline = await service.timeline(APPOINTMENT)
    assert {e["status"] for e in timeline["entries"]} == {"cancelled"}
    assert "blocked" in timeline["entries"][0]["reason"]
    with pytest.raises(Conflict):
        await service.send_now(APPOINTMENT)
    await service.set_blocked(APPOINTMENT, False)
    assert pending(await rows(db)) == ["c2", "c5", "c7"]


async def test_send_now_makes_the_next_reminder_due(service: ReminderService, db: Database,
                                                    clock: MovableClock) -> None:
    await service.created(APPOINTMENT)
    row = await service.send_now(APPOINTMENT)
    assert row.due_at == clock.now() and row.context["reminder"]["slot"] == "c7"
    assert len(await rows(db)) == 3


async def test_send_now_writes_a_row_when_none_is_pending(service: ReminderService,
                                                          db: Database) -> None:
    row = await service.send_now(APPOINTMENT)
    assert row.context["reminder"]["kind"] == "send_now" and row.state is OutboxState.PENDING


async def test_next_reminders_lists_the_soonest_first(service: ReminderService) -> None:
    await service.created(APPOINTMENT)
    found = await service.next_reminders("01ORG0000000000000000000AA", limit=2)
    assert [r["kind"] for r in found] == ["cadence", "cadence"]
    assert found[0]["due_at"] < found[1]["due_at"]


async def test_the_dispatcher_renders_a_reminder_row_with_fresh_data(service: ReminderService,
                                                                     db: Database) -> None:
    await service.created(APPOINTMENT)
    async with db.transaction() as conn:
        await conn.execute(t.patients.update().where(t.patients.c.id == PATIENT)
                           .values(first_name="Anabel"))
    row = (await rows(db))[0]
    async with db.read() as conn:
        context = await template_context(conn, row, public_url="https://c.example",
                                         secret_key="k")
    rendered = render(row.template_key or "", row.channel.value, row.language, context)
    assert rendered.body.startswith("Hi Anabel, this is a reminder of your appointment")
    assert "Tue, Mar 10 at 9:30 AM" in rendered.body
    assert "https://c.example/p/detail/" in rendered.body


async def test_no_orphans_after_many_changes(service: ReminderService, db: Database,
                                             clock: MovableClock) -> None:
    await service.created(APPOINTMENT)
    for shift in (1, 2, 3, 1, 0):
        async with db.transaction() as conn:
            await AppointmentRepository(conn).save(replace(appointment(),
                                                           start=START + day(shift)))
        await service.moved(APPOINTMENT)
    async with db.read() as conn:
        count = (await conn.execute(sa.select(sa.func.count()).select_from(t.outbox).where(
            t.outbox.c.state == "pending"))).scalar_one()
    assert count == 3
