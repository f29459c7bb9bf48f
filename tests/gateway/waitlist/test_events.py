"""The event consumer: each event handled exactly once, even by several workers at once, and
a failing event never blocks the others."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from domain.model import new_id
from domain.storage import tables as t
from domain.waitlist import OfferState
from gateway.waitlist.events import consume_events
from gateway.waitlist.worker import WaitlistWorker
from tests.gateway.waitlist.world import World, make_world


async def test_concurrent_workers_handle_each_event_once(db: object) -> None:
    world = await make_world(db, patients=21)  # type: ignore[arg-type]
    for patient in world.patients[1:]:
        await world.waiting(patient)
    cancelled = await world.cancel(await world.appointment(world.patients[0],
                                                           world.now + timedelta(days=1)))
    await world.emit("appointment.cancelled", {"appointment_id": cancelled.id})
    await consume_events(world.db, world.deps, world.clock)
    slot = await world.slot_for(cancelled)
    assert slot is not None
    offers = await world.offers(slot.id)
    assert len(offers) == 20
    for offer in offers:
        await world.emit("waitlist.accepted", {"offer_id": offer.id})
    handled = await asyncio.gather(*(consume_events(world.db, world.deps, world.clock)
                                     for _ in range(4)))
    assert sum(handled) == 20
    states = [o.state for o in await world.offers(slot.id)]
    assert states.count(OfferState.ACCEPTED) == 1
    assert states.count(OfferState.TAKEN) == 19
    assert len(await world.outbox(key="waitlist.taken")) == 19
    assert len(await world.outbox(key="waitlist.pending")) == 1
    assert await consume_events(world.db, world.deps, world.clock) == 0


async def test_a_bad_event_is_recorded_and_the_next_one_still_runs(world: World) -> None:
    await world.emit("waitlist.accepted", {"offer_id": "NO-SUCH-OFFER"})
    await world.emit("waitlist.accepted", {})
    patient = world.patients[1]
    await world.emit("waitlist.leave_requested", {"patient_id": patient.id})
    assert await consume_events(world.db, world.deps, world.clock) == 3
    outcomes = sorted((await world.receipts()).values())
    assert outcomes == ["0", "incomplete", "refused: waitlist offer 'NO-SUCH-OFFER' not found"]


async def test_events_of_other_kinds_and_old_events_are_left_alone(world: World) -> None:
    await world.emit("appointment.confirmed", {"appointment_id": "X"})
    async with world.db.transaction() as conn:
        await conn.execute(t.domain_events.insert().values(
            id=new_id(), org_id=world.org.id, kind="waitlist.leave_requested",
            payload={"patient_id": world.patients[0].id},
            created_at=world.now - timedelta(days=3)))
    assert await consume_events(world.db, world.deps, world.clock) == 0


async def test_the_worker_runs_events_and_sweeps(world: World) -> None:
    worker = WaitlistWorker(world.db, world.deps, world.clock, event_interval=0.01,
                            sweep_interval=0.01)
    await world.emit("waitlist.leave_requested", {"patient_id": world.patients[0].id})
    worker.start()
    try:
        for _ in range(200):
            if await world.receipts():
                break
            await asyncio.sleep(0.01)
    finally:
        await worker.stop()
    assert list((await world.receipts()).values()) == ["0"]
    events, report = await worker.run_once()
    assert events == 0 and report.errors == []
