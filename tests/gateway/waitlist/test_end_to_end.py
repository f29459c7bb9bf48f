"""End to end in the simulator, with every part Careline has: the patient's phone is the
simulator, replies go through the inbound pipeline and the dialog manager, our texts go out
through the outbox dispatcher onto the simulated phones, and staff approve in the Hub API.

1. A patient cancels with "X" → the time opens → offers go out → the first "YES" wins, the
   second is told it is taken → staff approve → booked → the winner's later visit is
   cancelled.
2. A patient replies RESCHEDULE → three options → picks "2" → rebooked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from blockbuster import BlockBuster, blockbuster_ctx

from channels.simulator import SimulatorSender
from dialogs.flows import reminder_prompt
from domain.clock import MovableClock
from domain.model import (
    AppointmentStatus,
    CancelSource,
    Channel,
    OpenSlot,
    Role,
    StaffUser,
    new_id,
)
from domain.storage.repositories import (
    AppointmentRepository,
    ConversationRepository,
    StaffRepository,
)
from gateway.app import create_app
from gateway.auth.credentials import hash_secret, new_api_token
from gateway.auth.store import AuthStore
from gateway.dialog_responder import setup_dialogs
from gateway.dispatcher.worker import Dispatcher
from gateway.hub import setup_hub
from gateway.keys import CLOCK, DB
from gateway.settings import Settings
from gateway.waitlist import setup_waitlist
from gateway.waitlist.keys import WAITLIST_WORKER
from gateway.webhooks import setup_channels
from gateway.webhooks.keys import SIMULATOR_PHONE
from tests.gateway.waitlist.world import SMS_NUMBER, World, make_world, phone_of, prepare

NOW = datetime(2026, 11, 18, 16, 0, tzinfo=UTC)  # Wednesday 10:00 in Chicago


def _schema(app: web.Application) -> None:
    async def tables(app: web.Application) -> AsyncIterator[None]:
        await prepare(app[DB])
        yield

    app.cleanup_ctx.insert(0, tables)


@dataclass
class Simulator:
    client: TestClient
    world: World
    dispatcher: Dispatcher
    token: str

    async def text(self, phone: str, body: str) -> list[str]:
        """Type ``body`` on the simulated phone; our inline answers."""
        response = await self.client.post(f"/simulator/api/phones/{phone}/lines",
                                          json={"text": body, "to": SMS_NUMBER})
        assert response.status == 200, await response.text()
        lines = (await response.json())["lines"]
        return [line["body"] for line in lines if line["direction"] == "to_phone"]

    async def settle(self) -> None:
        """Let the waitlist act on what happened, and the dispatcher send what it queued."""
        await self.client.app[WAITLIST_WORKER].run_events()
        await self.dispatcher.drain()

    async def screen(self, phone: str) -> list[str]:
        """What the phone received from us, oldest first."""
        response = await self.client.get(f"/simulator/api/phones/{phone}/lines")
        lines = (await response.json())["lines"]
        return [line["body"] for line in lines if line["direction"] == "to_phone"]

    async def staff(self, method: str, path: str) -> Any:
        response = await self.client.request(
            method, path, headers={"Authorization": f"Bearer {self.token}"})
        assert response.status == 200, await response.text()
        return await response.json()


@pytest.fixture(autouse=True)
def blockbuster() -> Iterator[BlockBuster]:
    """Fail any test whose code makes a blocking call on the event loop."""
    with blockbuster_ctx() as detector:
        yield detector


@pytest.fixture
async def simulator(aiohttp_client: Callable[..., Awaitable[TestClient]],
                    tmp_path: Path, blockbuster: BlockBuster) -> Simulator:
    blockbuster.deactivate()  # start-up reads migrations and the secret from disk
    try:
        return await _start(aiohttp_client, tmp_path)
    finally:
        blockbuster.activate()


async def _start(aiohttp_client: Callable[..., Awaitable[TestClient]],
                 tmp_path: Path) -> Simulator:
    settings = Settings.from_environ({
        "CARELINE_DATA_DIR": str(tmp_path), "CARELINE_SECRET_KEY": "e2e-secret",
        "CARELINE_PUBLIC_URL": "https://care.example",
    })
    clock = MovableClock(NOW, frozen=True)
    app = create_app(settings, clock=clock, migrate=True, features=[
        _schema, setup_channels, setup_dialogs, setup_hub,
        partial(setup_waitlist, background=False),
    ])
    client = await aiohttp_client(app)
    world = await make_world(app[DB], now=NOW, patients=4)
    world.clock = clock
    sender = SimulatorSender(app[SIMULATOR_PHONE], app[CLOCK])
    dispatcher = Dispatcher(app[DB], {Channel.SMS: sender}, clock=clock)
    admin = StaffUser(id=new_id(), org_id=world.org.id, email="admin@lakeside.example",
                      name="Alex Admin", role=Role.ADMIN, created_at=NOW)
    secret, token = new_api_token(admin, "e2e", NOW, 30)
    async with app[DB].transaction() as conn:
        await StaffRepository(conn).add_user(admin)
        await AuthStore(conn).add_token(token, hash_secret(secret))
    return Simulator(client, world, dispatcher, secret)


async def remind(world: World, patient_index: int, start: datetime) -> str:
    """A booked visit whose reminder went out yesterday and waits for an answer."""
    patient = world.patients[patient_index]
    appointment = await world.appointment(patient, start)

    async def open_prompt(conn: Any) -> None:
        conversation, _ = await ConversationRepository(conn).get_or_create(
            org_id=world.org.id, channel=Channel.SMS, patient_address=phone_of(patient),
            careline_address=SMS_NUMBER, patient_id=patient.id,
            facility_id=world.facility.id, at=world.now - timedelta(days=1))
        await ConversationRepository(conn).add_prompt(reminder_prompt(
            org_id=world.org.id, conversation_id=conversation.id,
            appointment_id=appointment.id, created_at=world.now - timedelta(days=1),
            expires_at=appointment.end))

    await world.run(open_prompt)
    return appointment.id


async def test_cancel_by_x_fills_the_slot_first_yes_wins_staff_approve(
    simulator: Simulator,
) -> None:
    world = simulator.world
    cancelling, late, early = world.patients[0], world.patients[1], world.patients[2]
    cancelled_id = await remind(world, 0, NOW + timedelta(days=1))  # Thu 10:00
    later = {p.id: await world.appointment(p, NOW + timedelta(days=14)) for p in (late, early)}
    for days, patient in ((20, late), (10, early)):
        await world.waiting(patient, appointment=later[patient.id], added_days_ago=days)

    answer = await simulator.text(phone_of(cancelling), "X")
    assert any("has been cancelled" in line for line in answer)
    await simulator.settle()

    offer_text = "an earlier appointment opened up on Thu, Nov 19 at 10:00 AM"
    for patient in (late, early):
        assert [offer_text in line for line in await simulator.screen(phone_of(patient))] == [
            True]
    invitation = await simulator.screen(phone_of(cancelling))
    assert any("join our waitlist" in line for line in invitation)  # WL-13

    assert await simulator.text(phone_of(early), "YES") == []  # answered once we know
    assert await simulator.text(phone_of(late), "yes") == []
    await simulator.settle()
    assert "held for you" in (await simulator.screen(phone_of(early)))[-1]
    assert "someone else just took" in (await simulator.screen(phone_of(late)))[-1]

    pending = await simulator.staff("GET", "/api/waitlist/offers/active")
    (offer,) = pending["waiting_for_approval"]
    assert offer["patient_id"] == early.id
    booked = await simulator.staff("POST", f"/api/waitlist/offers/{offer['id']}/approve")
    assert booked["state"] == "booked"
    await simulator.settle()

    confirmation = (await simulator.screen(phone_of(early)))[-1]
    assert confirmation.startswith("You're booked for Thu, Nov 19 at 10:00 AM")
    appointments = {a.id: a for a in await world.appointments_of(early)}
    new = appointments[booked["appointment_id"]]
    assert new.status is AppointmentStatus.BOOKED and new.start == NOW + timedelta(days=1)
    old = appointments[later[early.id].id]
    assert old.status is AppointmentStatus.CANCELLED
    assert old.cancel_source is CancelSource.WAITLIST_ACCEPTED
    assert (await world.appointments_of(cancelling))[0].id == cancelled_id
    # No double booking: one active visit at that time with that provider.
    async with world.db.read() as conn:
        at_that_time = await AppointmentRepository(conn).between(
            world.org.id, new.start, new.end)
    assert [a.id for a in at_that_time] == [new.id]


async def test_reschedule_three_options_pick_rebooked(simulator: Simulator) -> None:
    world = simulator.world
    patient = world.patients[3]
    original = await remind(world, 3, NOW + timedelta(days=6))
    openings = [
        OpenSlot(id=new_id(), org_id=world.org.id, facility_id=world.facility.id,
                 provider_id=world.provider.id, type_id=world.kind.id,
                 start=NOW + timedelta(days=2, minutes=30 * i), duration_minutes=30,
                 created_at=NOW)
        for i in range(8)
    ]

    async def publish(conn: Any) -> None:
        for slot in openings:
            await AppointmentRepository(conn).add_slot(slot)

    await world.run(publish)

    answer = await simulator.text(phone_of(patient), "RESCHEDULE")
    assert answer == ["Thanks! We'll text you a few new times to choose from shortly."]
    await simulator.settle()
    options = (await simulator.screen(phone_of(patient)))[-1]
    assert options.startswith("Here are the next times we can offer:\n"
                              "1) Fri, Nov 20 at 10:00 AM\n2) Fri, Nov 20 at 11:00 AM\n"
                              "3) Fri, Nov 20 at 12:00 PM\n")

    assert await simulator.text(phone_of(patient), "2") == []
    await simulator.settle()
    done = (await simulator.screen(phone_of(patient)))[-1]
    assert done.startswith("Done! Your appointment is now on Fri, Nov 20 at 11:00 AM")
    mine = {a.id: a for a in await world.appointments_of(patient)}
    assert mine[original].status is AppointmentStatus.CANCELLED
    assert mine[original].cancel_source is CancelSource.RESCHEDULED
    (new,) = [a for a in mine.values() if a.status is AppointmentStatus.BOOKED]
    assert new.start == openings[2].start
