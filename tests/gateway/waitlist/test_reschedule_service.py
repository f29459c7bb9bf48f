"""Reschedule by text against the stored clinic: options (RSC-01), a pick is booked and the
original cancelled as rescheduled (RSC-04, RSC-06), taken picks restart at most three times
(RSC-02), no options (RSC-03), booking failure (RSC-04), switches (RSC-05), links (RSC-07,
RSC-08), expiry (RSC-11) and the second check (RSC-13)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.model import AppointmentStatus, CancelSource, SlotState
from domain.org_settings import OrgSettings, RescheduleSettings
from domain.reschedule import SessionState
from domain.storage import tables as t
from domain.storage.repositories import AppointmentRepository
from domain.waitlist import BookingFailed, BookingRequest
from gateway.waitlist import reschedule
from gateway.waitlist.deps import WaitlistDeps
from gateway.waitlist.events import consume_events
from gateway.waitlist.reschedule_store import RescheduleSession, RescheduleStore
from gateway.waitlist.schedule import EmbeddedSchedule
from tests.gateway.waitlist.openings import start, with_openings
from tests.gateway.waitlist.world import World


async def use(world: World, **options: Any) -> None:
    await world.set_settings(OrgSettings(reschedule=RescheduleSettings(**options)))


async def choose(world: World, session: RescheduleSession, slot_id: str) -> SessionState:
    return await world.run(lambda c: reschedule.choose(c, world.deps, session.id, slot_id,
                                                       world.now))


async def take(world: World, slot_id: str) -> None:
    await world.run(lambda c: AppointmentRepository(c).take_slot(
        slot_id, expected_states=[SlotState.OPEN], to=SlotState.BOOKED))


async def session_of(world: World, session: RescheduleSession) -> RescheduleSession:
    return await world.run(lambda c: RescheduleStore(c).get(session.id))


async def test_three_options_an_hour_apart_then_the_pick_is_booked(world: World) -> None:
    appointment, slots = await with_openings(world, every_minutes=20, openings=12)
    session = await start(world, appointment)
    assert session.state is SessionState.OPTIONS_SENT
    assert session.options == [slots[0].id, slots[3].id, slots[6].id]
    (text,) = await world.texts(world.patients[0])
    assert text.startswith("Here are the next times we can offer:\n1) Fri, Nov 20 at 9:00 AM\n"
                           "2) Fri, Nov 20 at 10:00 AM\n3) Fri, Nov 20 at 11:00 AM\n")
    (prompt,) = await world.prompts(world.patients[0], "reschedule")
    assert prompt.expires_at == world.now + timedelta(minutes=120)
    assert await choose(world, session, slots[3].id) is SessionState.BOOKED
    appointments = {a.id: a for a in await world.appointments_of(world.patients[0])}
    old = appointments.pop(appointment.id)
    assert old.status is AppointmentStatus.CANCELLED  # RSC-04/06: off the schedule...
    assert old.cancel_source is CancelSource.RESCHEDULED  # ...and marked rescheduled
    (new,) = appointments.values()
    assert new.start == slots[3].start and new.status is AppointmentStatus.BOOKED
    assert (await session_of(world, session)).new_appointment_id == new.id
    assert (await world.slot(slots[3].id)).state == SlotState.BOOKED
    booked = (await world.texts(world.patients[0]))[-1]
    assert booked.startswith("Done! Your appointment is now on Fri, Nov 20 at 10:00 AM")
    assert (await world.slot_for(old)) is not None  # the old time is offered to the waitlist


async def test_a_taken_pick_restarts_three_times_then_gives_up(world: World) -> None:
    appointment, _slots = await with_openings(world, openings=12)
    session = await start(world, appointment)
    for restart in range(1, 4):
        current = await session_of(world, session)
        await take(world, current.options[0])
        assert await choose(world, current, current.options[0]) is SessionState.OPTIONS_SENT
        after = await session_of(world, session)
        assert after.restarts == restart
        assert current.options[0] not in after.options
        assert (await world.texts(world.patients[0]))[-1].startswith(
            "Sorry, that time was just taken. Here are other times:")
    current = await session_of(world, session)
    await take(world, current.options[0])
    assert await choose(world, current, current.options[0]) is SessionState.GAVE_UP
    last = (await world.texts(world.patients[0]))[-1]
    assert "no matching appointments are available" in last
    assert "is unchanged" in last and "+13125550100" in last
    assert (await world.appointments_of(world.patients[0]))[0].status is AppointmentStatus.BOOKED
    assert len(await world.prompts(world.patients[0], "reschedule")) == 4


async def test_no_matching_openings(world: World) -> None:
    appointment, _ = await with_openings(world, openings=0)
    session = await start(world, appointment)
    assert session.state is SessionState.NO_OPTIONS
    (text,) = await world.texts(world.patients[0])
    assert "no open times" in text and "+13125550100" in text  # RSC-03: call the facility


class RefusingSchedule(EmbeddedSchedule):
    async def book(self, request: BookingRequest) -> str:
        await super().book(request)
        raise BookingFailed(request.slot_id, "EHR unavailable")


async def test_a_refused_booking_leaves_the_original_unchanged(world: World) -> None:
    world.deps = WaitlistDeps(schedule=RefusingSchedule)
    appointment, slots = await with_openings(world)
    session = await start(world, appointment)
    assert await choose(world, session, slots[0].id) is SessionState.FAILED
    (kept,) = await world.appointments_of(world.patients[0])
    assert kept.id == appointment.id and kept.status is AppointmentStatus.BOOKED
    assert (await world.slot(slots[0].id)).state == SlotState.OPEN
    assert "couldn't confirm the new time" in (await world.texts(world.patients[0]))[-1]


@pytest.mark.parametrize("table", ["facilities", "providers", "appointment_types"])
async def test_switched_off_resources_are_not_rescheduled_by_text(world: World,
                                                                  table: str) -> None:
    appointment, _ = await with_openings(world)
    resource = {"facilities": world.facility.id, "providers": world.provider.id,
                "appointment_types": world.kind.id}[table]
    tab = getattr(t, table)
    await world.run(lambda c: c.execute(tab.update().where(tab.c.id == resource)
                                        .values(reschedule_enabled=False)))
    session = await start(world, appointment)
    assert session.state is SessionState.UNAVAILABLE
    assert "isn't available" in (await world.texts(world.patients[0]))[0]


async def test_keep_and_expiry(world: World) -> None:
    appointment, _ = await with_openings(world)
    session = await start(world, appointment)
    assert await world.run(lambda c: reschedule.keep(c, session.id, world.now)) is (
        SessionState.KEPT)
    other = await world.appointment(world.patients[1], world.now + timedelta(days=6))
    second = await start(world, other)
    world.clock.advance(timedelta(minutes=120))
    assert await world.run(lambda c: reschedule.expire_sessions(c, world.now)) == 1
    assert (await session_of(world, second)).state is SessionState.EXPIRED
    assert await choose(world, second, second.options[0]) is SessionState.EXPIRED


async def test_a_second_request_while_options_wait_is_ignored(world: World) -> None:
    appointment, _ = await with_openings(world)
    await start(world, appointment)
    again = await world.run(lambda c: reschedule.start(c, world.deps, world.org, appointment.id,
                                                       world.now))
    assert again is None
    assert len(await world.texts(world.patients[0])) == 1


async def test_rescheduled_through_the_requested_event(world: World) -> None:
    appointment, slots = await with_openings(world)
    await world.emit("reschedule.requested", {"appointment_id": appointment.id,
                                              "patient_id": world.patients[0].id})
    await consume_events(world.db, world.deps, world.clock)
    (prompt,) = await world.prompts(world.patients[0], "reschedule")
    await world.emit("reschedule.chosen", {"session_id": prompt.ref_id,
                                           "slot_id": slots[1].id})
    await consume_events(world.db, world.deps, world.clock)
    assert {a.start for a in await world.appointments_of(world.patients[0])
            if a.status is AppointmentStatus.BOOKED} == {slots[1].start}
    assert set((await world.receipts()).values()) == {"options_sent", "booked"}
