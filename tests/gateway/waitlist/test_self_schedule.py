"""Self-schedule links instead of a list (RSC-07, RSC-08): the page behind the signed link
shows open times and books one, once; and RSC-13's second check."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from aiohttp.test_utils import TestClient

from domain.model import AppointmentStatus, CancelSource
from domain.org_settings import OrgSettings, RescheduleSettings
from domain.reschedule import SessionState
from domain.storage import tables as t
from gateway.app import create_app
from gateway.settings import Settings
from gateway.waitlist import reschedule, setup_waitlist
from gateway.waitlist.deps import WaitlistDeps
from gateway.waitlist.keys import WAITLIST_DEPS
from gateway.waitlist.schedule import EmbeddedSchedule
from tests.gateway.waitlist.openings import start, with_openings
from tests.gateway.waitlist.world import World

Client = Callable[..., Awaitable[TestClient]]


async def app_client(world: World, aiohttp_client: Client) -> TestClient:
    settings = Settings.from_environ({
        "CARELINE_DATABASE_URL": world.db.url, "CARELINE_DATA_DIR": "var-unused",
        "CARELINE_SECRET_KEY": "test-secret", "CARELINE_PUBLIC_URL": "https://care.example",
    })
    app = create_app(settings, clock=world.clock,
                     features=[partial(setup_waitlist, background=False)])
    world.deps = app[WAITLIST_DEPS]
    return await aiohttp_client(app)


async def linked(world: World, aiohttp_client: Client) -> tuple[TestClient, str, Any, Any]:
    await world.set_settings(OrgSettings(reschedule=RescheduleSettings(send_link_instead=True)))
    client = await app_client(world, aiohttp_client)
    appointment, slots = await with_openings(world)
    session = await start(world, appointment)
    assert session.state is SessionState.LINK_SENT
    (text,) = await world.texts(world.patients[0])
    found = re.search(r"https://care\.example(/p/self-schedule/\S+)", text)
    assert found, text
    assert "works once" in text
    return client, found.group(1), appointment, slots


async def test_the_link_shows_times_and_books_one_once(world: World,
                                                       aiohttp_client: Client) -> None:
    client, path, appointment, slots = await linked(world, aiohttp_client)
    page = await client.get(path)
    assert page.status == 200
    html = await page.text()
    assert "Fri, Nov 20 at 9:00 AM" in html and f'value="{slots[0].id}"' in html
    token = path.split("?t=")[1]
    booked = await client.post(path.split("?")[0], data={"t": token, "slot_id": slots[2].id})
    assert booked.status == 200
    assert "Your appointment is now on Fri, Nov 20 at 11:00 AM" in await booked.text()
    mine = {a.id: a for a in await world.appointments_of(world.patients[0])}
    assert mine[appointment.id].cancel_source is CancelSource.RESCHEDULED
    assert any(a.start == slots[2].start and a.status is AppointmentStatus.BOOKED
               for a in mine.values())
    again = await client.post(path.split("?")[0], data={"t": token, "slot_id": slots[3].id})
    assert again.status == 410
    assert (await client.get(path)).status == 410


async def test_a_tampered_or_expired_link_does_not_work(world: World,
                                                        aiohttp_client: Client) -> None:
    client, path, _, _ = await linked(world, aiohttp_client)
    assert (await client.get(path[:-2] + "xx")).status == 410
    assert (await client.get(path.split("?")[0])).status == 410
    world.clock.advance(timedelta(hours=72, seconds=1))
    assert (await client.get(path)).status == 410


async def test_a_bad_form_is_refused_clearly(world: World, aiohttp_client: Client) -> None:
    client, path, _, _ = await linked(world, aiohttp_client)
    token = path.split("?t=")[1]
    base = path.split("?")[0]
    assert (await client.post(base, data={"t": token})).status == 422
    assert (await client.post(base, data={"t": token, "slot_id": "NOPE"})).status == 409


class ForgetfulSchedule(EmbeddedSchedule):
    """Claims to cancel but leaves the appointment on the schedule."""

    async def cancel(self, appointment_id: str, source: CancelSource, at: datetime) -> None:
        return None


async def test_the_second_check_flags_an_original_left_on_the_schedule(world: World) -> None:
    await world.set_settings(OrgSettings(reschedule=RescheduleSettings(verify_removal=True)))
    world.deps = WaitlistDeps(schedule=ForgetfulSchedule)
    appointment, slots = await with_openings(world)
    session = await start(world, appointment)
    state = await world.run(lambda c: reschedule.choose(c, world.deps, session.id, slots[0].id,
                                                        world.now))
    assert state is SessionState.BOOKED
    async with world.db.read() as conn:
        follow_up = (await conn.execute(
            t.appointments.select().where(t.appointments.c.id == appointment.id)
        )).mappings().one()["needs_follow_up"]
    assert follow_up and "still on the schedule" in follow_up
