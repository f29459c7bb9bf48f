"""Every offering option against the stored clinic, with a movable clock: one at a time
(WL-05), expiry and removal (WL-09, WL-17), send window (WL-19, WL-22), lead time (WL-21),
double booking (WL-08), switches, the second pass (WL-32), offers by hand (WL-04) and a
schedule that refuses the booking."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.model import Appointment, CancelSource, OpenSlot, ResourceFlags, SlotState
from domain.org_settings import OrgSettings, WaitlistSettings
from domain.storage import tables as t
from domain.waitlist import BookingFailed, BookingRequest, EntryStatus, OfferState
from gateway.waitlist import answers
from gateway.waitlist.deps import WaitlistDeps
from gateway.waitlist.offers import offer_slot
from gateway.waitlist.schedule import EmbeddedSchedule
from gateway.waitlist.slots import open_for_cancellation, publish_slot
from gateway.waitlist.sweeps import sweep
from tests.gateway.waitlist.world import World, make_world


async def use(world: World, **waitlist: Any) -> None:
    await world.set_settings(OrgSettings(waitlist=WaitlistSettings(**waitlist)))


async def opening(world: World, *, hours: float = 25, **fields: Any) -> OpenSlot:
    """Patient 0 cancels a visit ``hours`` from now; its slot opens and is offered."""
    appointment = await world.appointment(world.patients[0],
                                          world.now + timedelta(hours=hours), **fields)
    cancelled = await world.cancel(appointment)

    async def run(conn: Any) -> OpenSlot:
        slot = await open_for_cancellation(conn, cancelled, world.now)
        assert slot is not None
        await offer_slot(conn, world.org, slot, world.now)
        return slot

    return await world.run(run)


async def wait_all(world: World, count: int = 3) -> list[str]:
    return [(await world.waiting(p, added_days_ago=20 - i)).id
            for i, p in enumerate(world.patients[1:1 + count], start=1)]


async def test_one_at_a_time_asks_the_next_after_a_no_or_no_answer(world: World) -> None:
    await use(world, offer_mode="one_at_a_time")
    first, second, third = await wait_all(world)
    slot = await opening(world)
    (offer,) = await world.offers(slot.id)
    assert offer.entry_id == first  # longest waiting (WL-26)
    async with world.db.transaction() as conn:
        assert await answers.decline(conn, offer.id, world.now)
    assert [o.entry_id for o in await world.offers(slot.id)][-1] == second
    world.clock.advance(timedelta(minutes=30))
    report = await sweep(world.db, world.clock)
    assert report.expired_offers == 1
    offers = await world.offers(slot.id)
    assert [o.state for o in offers] == [OfferState.DECLINED, OfferState.EXPIRED,
                                         OfferState.OFFERED]
    assert offers[-1].entry_id == third


async def test_most_recent_first(world: World) -> None:
    await use(world, offer_mode="one_at_a_time", priority="most_recent")
    entries = await wait_all(world)
    slot = await opening(world)
    assert [o.entry_id for o in await world.offers(slot.id)] == [entries[-1]]


async def test_unanswered_offers_count_and_remove_at_the_limit(world: World) -> None:
    await use(world, max_unaccepted_offers=2, proximity_minutes=None)
    (entry_id,) = await wait_all(world, 1)
    for hours in (30, 50):
        slot = await opening(world, hours=hours)
        assert len(await world.offers(slot.id)) == 1
        world.clock.advance(timedelta(minutes=31))
        await sweep(world.db, world.clock)
    entry = await world.entry(entry_id)
    assert entry.unaccepted_offers == 2
    assert entry.status is EntryStatus.INCOMPLETE  # WL-17
    slot = await opening(world, hours=70)
    assert await world.offers(slot.id) == []


@pytest.mark.parametrize(
    ("settings", "now_local", "expected_local"),
    [
        ({}, datetime(2026, 11, 18, 22), datetime(2026, 11, 19, 8)),  # working hours
        ({"weekends": False}, datetime(2026, 11, 21, 9), datetime(2026, 11, 23, 8)),
        ({"send_mode": "after_business_hours"}, datetime(2026, 11, 18, 10),
         datetime(2026, 11, 18, 17)),
        ({"send_mode": "fixed_time", "weekday_time": time(9, 30)}, datetime(2026, 11, 19, 8),
         datetime(2026, 11, 19, 9, 30)),
    ],
)
async def test_offers_wait_for_the_send_window(world: World, settings: dict[str, Any],
                                               now_local: datetime,
                                               expected_local: datetime) -> None:
    zone = world.facility.timezone
    world.clock.set(now_local.replace(tzinfo=ZoneInfo(zone)))
    await use(world, **settings)
    await wait_all(world, 1)
    slot = await opening(world, hours=72)
    (offer,) = await world.offers(slot.id)
    expected = expected_local.replace(tzinfo=ZoneInfo(zone))
    assert offer.send_at == expected
    assert offer.expires_at == expected + timedelta(minutes=30)  # time to answer starts then
    (text,) = await world.outbox(key="waitlist.offer")
    assert text.due_at == expected


@pytest.mark.parametrize(("hours", "settings", "offered"), [
    (1.9, {}, False),  # WL-21: under 120 minutes ahead
    (2.1, {}, True),
    (1.5, {"min_lead_minutes": 60}, True),
    (24 * 31, {}, False),  # beyond 30 days
    (24 * 31, {"max_days_ahead": 40}, True),
])
async def test_lead_time(world: World, hours: float, settings: dict[str, Any],
                         offered: bool) -> None:
    await use(world, **settings)
    await wait_all(world, 1)
    slot = await opening(world, hours=hours)
    assert bool(await world.offers(slot.id)) is offered


@pytest.mark.parametrize(("refill", "offered"), [(True, True), (False, False)])
async def test_double_booked_slots(world: World, refill: bool, offered: bool) -> None:
    await use(world, refill_double_booked=refill)
    await wait_all(world, 1)
    slot = await opening(world, double_booked=True)
    assert slot.double_booked
    assert bool(await world.offers(slot.id)) is offered


async def test_a_provider_with_the_waitlist_switched_off_gets_no_offers(world: World) -> None:
    await wait_all(world, 1)
    async with world.db.transaction() as conn:
        await conn.execute(t.providers.update().where(t.providers.c.id == world.provider.id)
                           .values(waitlist_enabled=False))
    slot = await opening(world)
    assert await world.offers(slot.id) == []
    assert ResourceFlags().waitlist  # on by default everywhere else


async def test_the_second_pass_asks_again_before_the_appointment(world: World) -> None:
    await use(world, second_pass=True, proximity_minutes=None)
    await wait_all(world, 2)
    slot = await opening(world, hours=10)
    world.clock.advance(timedelta(minutes=31))
    await sweep(world.db, world.clock)  # first pass expires; too early for the second
    assert all(o.pass_number == 1 for o in await world.offers(slot.id))
    world.clock.set(slot.start - timedelta(minutes=180))
    report = await sweep(world.db, world.clock)
    assert report.second_pass == 2
    second = [o for o in await world.offers(slot.id) if o.pass_number == 2]
    assert len(second) == 2 and all(o.state is OfferState.OFFERED for o in second)
    world.clock.advance(timedelta(minutes=31))
    await sweep(world.db, world.clock)
    assert len(await world.offers(slot.id)) == 4  # only one second pass


async def test_no_second_pass_by_default(world: World) -> None:
    await wait_all(world, 1)
    slot = await opening(world, hours=10)
    world.clock.set(slot.start - timedelta(minutes=170))
    await sweep(world.db, world.clock)
    assert [o.pass_number for o in await world.offers(slot.id)] == [1]


async def test_staff_offer_by_hand_even_inside_the_lead_time(world: World) -> None:
    (entry_id,) = await wait_all(world, 1)

    async def run(conn: Any) -> int:
        slot = await publish_slot(
            conn, org_id=world.org.id, facility_id=world.facility.id,
            provider_id=world.provider.id, type_id=None, start=world.now + timedelta(minutes=90),
            duration_minutes=30, now=world.now)
        automatic = await offer_slot(conn, world.org, slot, world.now)
        assert automatic.blocked == "too_soon"
        return len((await offer_slot(conn, world.org, slot, world.now,
                                     entry_ids=[entry_id])).offers)

    assert await world.run(run) == 1


async def test_new_entries_are_offered_open_slots_by_the_sweep(world: World) -> None:
    slot = await opening(world)
    assert await world.offers(slot.id) == []
    await wait_all(world, 1)
    report = await sweep(world.db, world.clock)
    assert report.offered == 1 and len(await world.offers(slot.id)) == 1


async def test_past_slots_close(world: World) -> None:
    slot = await opening(world, hours=3)
    world.clock.advance(timedelta(hours=3))
    await sweep(world.db, world.clock)
    assert (await world.slot(slot.id)).state == SlotState.EXPIRED


class RefusingSchedule(EmbeddedSchedule):
    async def book(self, request: BookingRequest) -> str:
        await super().book(request)  # written, then refused: the savepoint must undo it
        raise BookingFailed(request.slot_id, "the EHR said no")


async def test_a_refused_booking_keeps_everything_as_it_was(world: World) -> None:
    world.deps = WaitlistDeps(schedule=RefusingSchedule)
    await use(world, require_approval=False)
    patient = world.patients[1]
    later = await world.appointment(patient, world.now + timedelta(days=12))
    entry = await world.waiting(patient, appointment=later)
    slot = await opening(world)
    (offer,) = await world.offers(slot.id)
    async with world.db.transaction() as conn:
        outcome = await answers.accept(conn, world.deps, offer.id, world.now)
    assert outcome is answers.AcceptOutcome.FAILED
    (stored,) = await world.offers(slot.id)
    assert stored.state is OfferState.FAILED and stored.reason == "the EHR said no"
    assert [a.id for a in await world.appointments_of(patient)] == [later.id]
    assert (await world.appointments_of(patient))[0].status.value == "booked"
    assert (await world.entry(entry.id)).status is EntryStatus.ACTIVE
    assert (await world.slot(slot.id)).state == SlotState.OFFERED
    assert any("couldn't confirm" in text for text in await world.texts(patient))


async def test_an_ehr_cancellation_found_by_the_sweep_opens_and_invites(world: World) -> None:
    await wait_all(world, 1)
    appointment = await world.appointment(world.patients[0], world.now + timedelta(days=2))
    cancelled: Appointment = await world.cancel(appointment, CancelSource.EHR)
    report = await sweep(world.db, world.clock)
    assert report.opened == 1
    slot = await world.slot_for(cancelled)
    assert slot is not None and slot.source == "ehr"
    assert len(await world.offers(slot.id)) == 1
    invites = await world.prompts(world.patients[0], "waitlist_invite")
    assert len(invites) == 1  # WL-13 default: invite after EHR cancellations too
    await sweep(world.db, world.clock)
    assert len(await world.prompts(world.patients[0], "waitlist_invite")) == 1



async def test_offers_use_the_stock_templates_in_other_languages(db: object) -> None:
    """WL-06: a French-speaking patient gets the French stock text; English and Spanish use
    our own wording."""
    french = await make_world(db, language="fr")  # type: ignore[arg-type]
    await wait_all(french, 1)
    slot = await opening(french)
    (text,) = await french.outbox(key="waitlist.offer")
    assert text.body is not None and text.body.startswith("Bonjour Pat1")
    assert len(await french.offers(slot.id)) == 1


@pytest.mark.parametrize("minutes", [10, 45])
async def test_the_time_to_answer_is_configurable(world: World, minutes: int) -> None:
    """WL-09: 30 minutes by default, longer or shorter when configured."""
    await use(world, offer_expiry_minutes=minutes)
    await wait_all(world, 1)
    slot = await opening(world)
    (offer,) = await world.offers(slot.id)
    assert offer.expires_at - offer.send_at == timedelta(minutes=minutes)
    (text,) = await world.outbox(key="waitlist.offer")
    assert f"Reply YES within {minutes} minutes" in (text.body or "")
    world.clock.advance(timedelta(minutes=minutes - 1))
    assert (await sweep(world.db, world.clock)).expired_offers == 0
    world.clock.advance(timedelta(minutes=1))
    assert (await sweep(world.db, world.clock)).expired_offers == 1
