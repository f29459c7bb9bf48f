"""What the dispatcher checks and prepares at send time, beyond Do Not Contact."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from domain.clock import MovableClock
from domain.model import (
    Appointment,
    AppointmentStatus,
    Channel,
    ContactKind,
    MessageKind,
    OutboxMessage,
    OutboxState,
    Provider,
)
from domain.rules import DeliveryPolicy
from domain.storage.database import Database
from domain.storage.repositories import (
    AppointmentRepository,
    OutboxRepository,
    PracticeRepository,
)
from gateway.dispatcher import Dispatcher, RenderContext, RenderedMessage, RenderError
from gateway.dispatcher.testing import MemorySender
from tests.gateway.dispatcher.builders import (
    FACILITY_ID,
    ORG_ID,
    T0,
    add,
    add_patients,
    hub_messages,
    organization,
    outbox,
    patient,
    row,
)

FAMILY_PHONE = "+13125550160"


class TemplateRenderer:
    """Renders ``greeting`` templates; anything else is an unknown template."""

    async def render(self, message: OutboxMessage, context: RenderContext) -> RenderedMessage:
        if message.template_key != "greeting":
            raise RenderError(f"unknown template {message.template_key!r}")
        name = context.patient.first_name if context.patient else "there"
        place = context.facility.name if context.facility else "the clinic"
        return RenderedMessage(body=f"Hi {name}, see you at {place}.")


async def test_templates_are_rendered_at_send_time_and_kept(
    db: Database, clock: MovableClock
) -> None:
    avery = patient("Avery", (ContactKind.SMS, FAMILY_PHONE))
    await add_patients(db, avery)
    good = row(to=FAMILY_PHONE, body=None, template_key="greeting", patient_id=avery.id)
    bad = row(to=FAMILY_PHONE, body=None, template_key="missing", patient_id=avery.id)
    await add(db, [good, bad])
    sender = MemorySender()
    await Dispatcher(db, {Channel.SMS: sender}, clock=clock, renderer=TemplateRenderer()).drain()
    assert [m.body for m in sender.sent] == ["Hi Avery, see you at Lakeside Clinic."]
    stored = await outbox(db)
    assert stored[good.id].body == "Hi Avery, see you at Lakeside Clinic."
    assert stored[bad.id].state is OutboxState.FAILED
    assert stored[bad.id].reason == "render_failed: unknown template 'missing'"
    [message] = await hub_messages(db)
    assert message.body == "Hi Avery, see you at Lakeside Clinic."


async def test_without_a_renderer_a_template_row_fails_with_the_reason(
    db: Database, clock: MovableClock
) -> None:
    templated = row(1, body=None, template_key="reminder.standard")
    await add(db, [templated])
    await Dispatcher(db, {Channel.SMS: MemorySender()}, clock=clock).drain()
    stored = (await outbox(db))[templated.id]
    assert stored.state is OutboxState.FAILED
    assert "no template renderer" in (stored.reason or "")


async def test_a_family_sharing_a_phone_gets_one_reminder_per_first_name(
    db: Database, clock: MovableClock
) -> None:
    # The same person twice in the EHR, and a sibling, all on one phone (REM-13).
    avery, avery_again = (patient("Avery", (ContactKind.SMS, FAMILY_PHONE)) for _ in range(2))
    jordan = patient("Jordan", (ContactKind.SMS, FAMILY_PHONE))
    await add_patients(db, avery, avery_again, jordan)
    rows = [
        row(to=FAMILY_PHONE, kind=MessageKind.REMINDER, template_key="reminder.standard",
            body=f"Reminder for {p.first_name}", patient_id=p.id,
            due_at=T0 - timedelta(seconds=3 - n))  # claimed in this order
        for n, p in enumerate((avery, avery_again, jordan))
    ]
    await add(db, rows)
    sender = MemorySender()
    await Dispatcher(db, {Channel.SMS: sender}, clock=clock).drain()
    assert sorted(m.body for m in sender.sent) == ["Reminder for Avery", "Reminder for Jordan"]
    states = [(await outbox(db))[r.id] for r in rows]
    assert [s.state for s in states] == [OutboxState.SENT, OutboxState.BLOCKED, OutboxState.SENT]
    assert (states[1].reason or "").startswith("blackout:")
    # A later batch sees the sent message too.
    again = row(to=FAMILY_PHONE, kind=MessageKind.REMINDER, template_key="reminder.standard",
                body="Reminder for Avery", patient_id=avery_again.id)
    await add(db, [again])
    await Dispatcher(db, {Channel.SMS: sender}, clock=clock).drain()
    assert (await outbox(db))[again.id].state is OutboxState.BLOCKED


async def test_a_reminder_for_a_cancelled_appointment_is_not_sent(
    db: Database, clock: MovableClock
) -> None:
    avery = patient("Avery", (ContactKind.SMS, FAMILY_PHONE))
    await add_patients(db, avery)
    provider = Provider(id="01PROVIDER0000000000000000", org_id=ORG_ID, name="Dr. Quimby")
    visit = Appointment(
        id="01APPT00000000000000000000", org_id=ORG_ID, patient_id=avery.id,
        facility_id=FACILITY_ID, provider_id=provider.id, type_id=None,
        start=T0 + timedelta(days=2), duration_minutes=30,
        status=AppointmentStatus.CANCELLED, created_at=T0, updated_at=T0,
    )
    async with db.transaction() as conn:
        await PracticeRepository(conn).add_provider(provider)
        await AppointmentRepository(conn).add(visit)
    reminder = row(to=FAMILY_PHONE, kind=MessageKind.REMINDER, appointment_id=visit.id,
                   patient_id=avery.id)
    await add(db, [reminder])
    sender = MemorySender()
    await Dispatcher(db, {Channel.SMS: sender}, clock=clock).drain()
    assert sender.sent == []
    assert (await outbox(db))[reminder.id].reason == (
        "appointment_inactive: the appointment is cancelled"
    )


async def test_content_policy_blocks_a_promotional_broadcast(
    db: Database, clock: MovableClock
) -> None:
    promo = row(1, kind=MessageKind.BROADCAST, body="Big SALE: 20% off whitening this week!")
    await add(db, [promo])
    sender = MemorySender()
    await Dispatcher(db, {Channel.SMS: sender}, clock=clock).drain()
    assert sender.sent == []
    assert ((await outbox(db))[promo.id].reason or "").startswith("content_promotional:")


async def test_widget_replies_skip_phone_rules(db: Database, clock: MovableClock) -> None:
    night = MovableClock(T0 + timedelta(hours=17), frozen=True)  # 03:00 in Chicago
    reply = row(to="widget-session-42", channel=Channel.WIDGET, kind=MessageKind.STAFF,
                due_at=night.now(), body="We are here to help.")
    await add(db, [reply])
    sender = MemorySender(Channel.WIDGET)
    await Dispatcher(db, {Channel.WIDGET: sender}, clock=night).drain()
    assert [m.to_address for m in sender.sent] == ["widget-session-42"]


async def test_a_row_of_an_unknown_organisation_fails(db: Database, clock: MovableClock) -> None:
    orphan = replace(row(1, facility_id=None), org_id="01NOSUCHORG000000000000000")
    async with db.engine.connect() as conn:
        # The pragma works only outside a transaction: say it on the driver's connection.
        sqlite = (await conn.get_raw_connection()).driver_connection
        assert sqlite is not None
        await sqlite.execute("PRAGMA foreign_keys=OFF")
        try:
            async with conn.begin():
                await OutboxRepository(conn).add(orphan)
        finally:
            await sqlite.execute("PRAGMA foreign_keys=ON")
    sender = MemorySender()
    await Dispatcher(db, {Channel.SMS: sender}, clock=clock).drain()
    stored = (await outbox(db))[orphan.id]
    assert sender.sent == [] and stored.state is OutboxState.FAILED


async def test_the_organisations_delivery_settings_apply_at_send_time(
    db: Database, clock: MovableClock
) -> None:
    listed = "+13125550190"
    settings = replace(
        organization().settings,
        delivery=DeliveryPolicy(limited_contacts_only=True, limited_contacts=frozenset({listed})),
    )
    async with db.transaction() as conn:
        await PracticeRepository(conn).save_org_settings(ORG_ID, settings)
    allowed, other = row(to=listed), row(to="+13125550191")
    await add(db, [allowed, other])
    sender = MemorySender()
    await Dispatcher(db, {Channel.SMS: sender}, clock=clock).drain()
    assert [m.to_address for m in sender.sent] == [listed]
    assert ((await outbox(db))[other.id].reason or "").startswith("not_in_limited_contacts:")
