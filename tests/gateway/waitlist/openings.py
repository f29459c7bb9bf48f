"""Openings to reschedule into, and starting a reschedule session, for the RSC tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.model import Appointment, OpenSlot, new_id
from domain.storage.repositories import AppointmentRepository
from gateway.waitlist import reschedule
from gateway.waitlist.reschedule_store import RescheduleSession
from tests.gateway.waitlist.world import World


async def with_openings(world: World, *, openings: int = 6, every_minutes: int = 60,
                **slot_fields: Any) -> tuple[Appointment, list[OpenSlot]]:
    appointment = await world.appointment(world.patients[0], world.now + timedelta(days=7))
    slots = [
        OpenSlot(id=new_id(), org_id=world.org.id, facility_id=world.facility.id,
                 provider_id=world.provider.id, type_id=world.kind.id,
                 start=world.now + timedelta(days=2, minutes=every_minutes * i),
                 duration_minutes=30, created_at=world.now, **slot_fields)
        for i in range(openings)
    ]

    async def add(conn: Any) -> None:
        for slot in slots:
            await AppointmentRepository(conn).add_slot(slot)

    await world.run(add)
    return appointment, slots


async def start(world: World, appointment: Appointment) -> RescheduleSession:
    session = await world.run(lambda c: reschedule.start(c, world.deps, world.org,
                                                         appointment.id, world.now))
    assert session is not None
    return session
