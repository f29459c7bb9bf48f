"""End to end: the demo clinic's reminders are planned, the dispatcher sends them to the
simulator at their planned (simulated) times, the patient confirms, and the rest are skipped
per the settings (REM-01, REM-05, REM-23)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from channels.simulator import SimulatorPhone, SimulatorSender
from domain.clock import MovableClock
from domain.model import Appointment, Channel, ContactKind
from domain.storage import tables_channels
from domain.storage.database import Database
from domain.storage.repositories import AppointmentRepository
from gateway.demo_data import DemoData, build_demo, load_demo
from gateway.dispatcher import Dispatcher
from gateway.dispatcher.testing import MemorySender
from gateway.reminders import OrgFacts, ReminderService, TemplateRenderer, replan
from gateway.stores.inprocess.pubsub import InProcessPubSub
from tests.gateway.reminders.fixtures import ensure_template_tables

NOW = datetime(2026, 4, 6, 12, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'careline.db'}")
    await database.upgrade()
    await ensure_template_tables(database)
    async with database.transaction() as conn:
        await conn.run_sync(
            lambda sync: tables_channels.simulator_messages.create(sync, checkfirst=True))
    yield database
    await database.dispose()


def _target(data: DemoData) -> tuple[Appointment, str]:
    """An appointment 9+ days ahead whose patient texts and has no other appointment."""
    counts: dict[str, int] = {}
    for appointment in data.appointments:
        counts[appointment.patient_id] = counts.get(appointment.patient_id, 0) + 1
    patients = {p.id: p for p in data.patients}
    for appointment in data.appointments:
        patient = patients[appointment.patient_id]
        sms = patient.contacts_of(ContactKind.SMS)
        if (appointment.start > NOW + timedelta(days=9) and counts[patient.id] == 1 and sms
                and sms[0].preferred and patient.preferred_language == "en"):
            return appointment, sms[0].value
    raise AssertionError("the demo data has no suitable appointment")


async def test_reminders_reach_the_simulator_and_confirmation_skips_the_rest(
    db: Database,
) -> None:
    clock = MovableClock(NOW, frozen=True)
    data = build_demo(seed=7, now=NOW, today=NOW.date(), patients=500)
    assert await load_demo(db, data, now=NOW)
    target, phone_number = _target(data)
    # Plan a slice of the clinic (every appointment of 40 patients, and the target's) so the
    # dispatcher also has other patients' reminders to send at the same times.
    planned = {p.id for p in data.patients[:40]} | {target.patient_id}
    async with db.transaction() as conn:
        cache = OrgFacts()
        for appointment in data.appointments:
            if appointment.patient_id in planned:
                await replan(conn, appointment.id, now=NOW, reason="demo loaded", cache=cache)
    service = ReminderService(db, clock)
    plan = (await service.timeline(target.id))["entries"]
    times = {e["slot"]: datetime.fromisoformat(e["at"].replace("Z", "+00:00")) for e in plan}
    assert [e["status"] for e in plan] == ["planned", "planned", "planned"]

    phone = SimulatorPhone(db, InProcessPubSub())
    dispatcher = Dispatcher(
        db,
        {Channel.SMS: SimulatorSender(phone, clock),
         Channel.VOICE: SimulatorSender(phone, clock, channel=Channel.VOICE),
         Channel.EMAIL: MemorySender(Channel.EMAIL)},
        clock=clock, renderer=TemplateRenderer(db, public_url="https://careline.example",
                                               secret_key="test"),
    )

    async def screen() -> list[str]:
        return [line.body for line in await phone.history(phone_number)
                if line.direction == "to_phone"]

    clock.set(times["c7"] - timedelta(minutes=1))
    await dispatcher.drain()
    assert await screen() == []  # nothing before its time

    clock.set(times["c7"])
    await dispatcher.drain()
    (first,) = await screen()
    assert first.startswith("Hi ") and "this is a reminder of your appointment" in first
    assert "Reply C to confirm or X to cancel." in first

    # The patient answers "C": the reply flow confirms the appointment and re-plans.
    clock.advance(timedelta(minutes=5))
    async with db.transaction() as conn:
        appointments = AppointmentRepository(conn)
        await appointments.save((await appointments.get(target.id)).confirm(clock.now()))
    await service.confirmed(target.id)

    clock.set(times["c5"] + timedelta(minutes=1))
    await dispatcher.drain()
    assert len(await screen()) == 1  # the 5-day reminder is skipped after confirmation

    clock.set(times["c2"])
    await dispatcher.drain()
    lines = await screen()
    assert len(lines) == 2 and "this is a reminder of your appointment" in lines[1]  # final

    timeline = {e["slot"]: e for e in (await service.timeline(target.id))["entries"]}
    assert timeline["c7"]["status"] == "sent" and timeline["c2"]["status"] == "sent"
    assert timeline["c5"]["status"] == "cancelled"
    assert timeline["c5"]["reason"] == "patient confirmed"
