"""End to end: the demo clinic's reminders are planned, the dispatcher sends them to the
simulator at their planned (simulated) times, the patient texts "C" on the simulated phone
(through the simulator API, the inbound pipeline and the dialog manager), and the rest are
skipped per the reminder settings (REM-01, REM-05, REM-23)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from channels.simulator import SimulatorSender
from domain.clock import MovableClock
from domain.model import Appointment, Channel, ContactKind
from domain.org_settings import ReminderSettings
from domain.storage import tables_channels
from domain.storage.repositories import AppointmentRepository, ConversationRepository
from gateway.app import create_app
from gateway.demo_data import DemoData, build_demo, load_demo
from gateway.dialog_responder import setup_dialogs
from gateway.dispatcher import Dispatcher
from gateway.dispatcher.testing import MemorySender
from gateway.inbound.addresses import sms_number_of
from gateway.keys import DB
from gateway.reminders import OrgFacts, ReminderService, TemplateRenderer, replan, setup_reminders
from gateway.settings import Settings
from gateway.webhooks import setup_channels
from gateway.webhooks.keys import SIMULATOR_PHONE
from tests.gateway.reminders.fixtures import ensure_template_tables

NOW = datetime(2026, 4, 6, 12, 0, tzinfo=UTC)  # a Monday

Client = TestClient[web.Request, web.Application]


def _schema(app: web.Application) -> None:
    async def tables(app: web.Application) -> AsyncIterator[None]:
        await ensure_template_tables(app[DB])
        async with app[DB].transaction() as conn:
            await conn.run_sync(
                lambda sync: tables_channels.simulator_messages.create(sync, checkfirst=True))
        yield

    app.cleanup_ctx.append(tables)


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


async def test_reminders_reach_the_simulator_and_a_texted_c_skips_the_rest(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
    tmp_path: Path,
) -> None:
    clock = MovableClock(NOW, frozen=True)
    settings = Settings.from_environ({"CARELINE_DATA_DIR": str(tmp_path),
                                      "CARELINE_SECRET_KEY": "e2e-secret"})
    app = create_app(settings, clock=clock, migrate=True,
                     features=[_schema, setup_channels, setup_dialogs, setup_reminders])
    client = await aiohttp_client(app)
    db = app[DB]
    data = build_demo(seed=7, now=NOW, today=NOW.date(), patients=500)
    assert await load_demo(db, data, now=NOW)
    target, phone_number = _target(data)
    assert ReminderSettings().skip_after_confirmation == "all_but_final"
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

    phone = app[SIMULATOR_PHONE]
    dispatcher = Dispatcher(
        db,
        {Channel.SMS: SimulatorSender(phone, clock),
         Channel.VOICE: SimulatorSender(phone, clock, channel=Channel.VOICE),
         Channel.EMAIL: MemorySender(Channel.EMAIL)},
        clock=clock, renderer=TemplateRenderer(db, public_url="https://careline.example",
                                               secret_key="test"),
    )

    async def screen() -> list[str]:
        response = await client.get(f"/simulator/api/phones/{phone_number}/lines")
        assert response.status == 200
        return [line["body"] for line in (await response.json())["lines"]
                if line["direction"] == "to_phone"]

    clock.set(times["c7"] - timedelta(minutes=1))
    await dispatcher.drain()
    assert await screen() == []  # nothing before its time

    clock.set(times["c7"])
    await dispatcher.drain()
    (first,) = await screen()
    assert first.startswith("Hi ") and "this is a reminder of your appointment" in first
    assert "Reply C to confirm or X to cancel." in first
    await _await_answer(db, data, target, phone_number, clock.now())

    # The patient texts "C" on the simulated phone: the pipeline, the reply flow, the
    # confirmation and the re-planning all happen in the webhook's transaction.
    clock.advance(timedelta(minutes=5))
    sent = await client.post(f"/simulator/api/phones/{phone_number}/lines",
                             json={"text": "C", "to": sms_number_of(data.organization)})
    assert sent.status == 200, await sent.text()
    answers = [line["body"] for line in (await sent.json())["lines"]
               if line["direction"] == "to_phone"]
    assert any("confirmed" in answer for answer in answers), answers
    async with db.read() as conn:
        assert (await AppointmentRepository(conn).get(target.id)).confirmed
    timeline = {e["slot"]: e for e in (await service.timeline(target.id))["entries"]}
    assert timeline["c5"]["status"] == "cancelled"  # skipped at once, not at send time
    assert timeline["c5"]["reason"] == "patient confirmed"
    assert timeline["c2"]["status"] == "planned"  # all but the final one

    clock.set(times["c5"] + timedelta(minutes=1))
    await dispatcher.drain()
    on_screen = len(await screen())  # the reminder and our answer to "C"
    assert on_screen == 1 + len(answers)

    clock.set(times["c2"])
    await dispatcher.drain()
    lines = await screen()
    assert len(lines) == on_screen + 1
    assert "this is a reminder of your appointment" in lines[-1]  # the final one

    timeline = {e["slot"]: e for e in (await service.timeline(target.id))["entries"]}
    assert timeline["c7"]["status"] == "sent" and timeline["c2"]["status"] == "sent"
    assert timeline["c5"]["status"] == "cancelled"


async def _await_answer(db: Any, data: DemoData, target: Appointment, phone_number: str,
                        now: datetime) -> None:
    """Sending the reminder opened the prompt the reply flow reads (the dispatcher does it)."""
    async with db.read() as conn:
        conversations = ConversationRepository(conn)
        conversation = await conversations.find(
            data.organization.id, Channel.SMS, phone_number, sms_number_of(data.organization))
        assert conversation is not None
        prompts = await conversations.open_prompts(conversation.id, now)
    assert [(p.flow, p.appointment_id) for p in prompts] == [("reminder", target.id)]
