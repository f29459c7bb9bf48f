"""A cancelled appointment's time is filled from the waitlist: offers go out, the first YES
wins, staff approve, the booking is made and the patient's later visit is cancelled."""

from __future__ import annotations

from datetime import timedelta

from domain.model import AppointmentStatus, CancelSource, SlotState
from domain.org_settings import OrgSettings, WaitlistSettings
from domain.waitlist import EntryStatus, OfferState
from gateway.waitlist import answers, booking
from gateway.waitlist.events import consume_events
from tests.gateway.waitlist.world import World, phone_of


async def cancel_and_open(world: World) -> tuple[str, list[str]]:
    """Patient 0 cancels tomorrow's 10:00; patients 1-3 wait (with later visits)."""
    cancelled_by = world.patients[0]
    appointment = await world.appointment(cancelled_by, world.now + timedelta(days=1, hours=1))
    entries = []
    for index, patient in enumerate(world.patients[1:4], start=1):
        later = await world.appointment(patient, world.now + timedelta(days=10 + index))
        entries.append((await world.waiting(patient, appointment=later,
                                            added_days_ago=10 - index)).id)
    await world.cancel(appointment)
    await world.emit("appointment.cancelled", {"appointment_id": appointment.id})
    assert await consume_events(world.db, world.deps, world.clock) == 1
    slot = await world.slot_for(appointment)
    assert slot is not None
    return slot.id, entries


async def test_a_cancellation_opens_the_slot_and_offers_it_to_everyone_eligible(
    world: World,
) -> None:
    slot_id, entries = await cancel_and_open(world)
    slot = await world.slot(slot_id)
    assert slot.state == SlotState.OFFERED and slot.source == "cancellation"
    offers = await world.offers(slot_id)
    assert sorted(o.entry_id for o in offers) == sorted(entries)
    assert all(o.state is OfferState.OFFERED for o in offers)
    assert all(o.expires_at - o.send_at == timedelta(minutes=30) for o in offers)  # WL-09
    texts = await world.outbox(key="waitlist.offer")
    assert len(texts) == 3
    assert texts[0].kind.value == "waitlist"
    assert texts[0].body is not None and "Thu, Nov 19 at 10:00 AM" in texts[0].body
    assert "Reply YES within 30 minutes" in texts[0].body
    assert "LEAVEWAITLIST" in texts[0].body
    assert texts[0].context["slot_start"] == slot.start.isoformat()
    # The patient who cancelled is not offered their own time; each offer has its prompt.
    assert await world.texts(world.patients[0]) == []
    prompts = await world.prompts(world.patients[1], "waitlist_offer")
    assert [p.ref_id for p in prompts] == [o.id for o in offers if o.patient_id ==
                                           world.patients[1].id]


async def test_first_yes_wins_later_ones_are_told_it_is_taken(world: World) -> None:
    slot_id, _ = await cancel_and_open(world)
    offers = {o.patient_id: o for o in await world.offers(slot_id)}
    first, second = world.patients[2], world.patients[1]
    async with world.db.transaction() as conn:
        won = await answers.accept(conn, world.deps, offers[first.id].id, world.now)
    async with world.db.transaction() as conn:
        lost = await answers.accept(conn, world.deps, offers[second.id].id, world.now)
    assert (won, lost) == (answers.AcceptOutcome.PENDING, answers.AcceptOutcome.TAKEN)
    assert (await world.slot(slot_id)).state == SlotState.BOOKED
    states = {o.patient_id: o.state for o in await world.offers(slot_id)}
    assert states[first.id] is OfferState.ACCEPTED
    assert states[second.id] is OfferState.TAKEN
    assert states[world.patients[3].id] is OfferState.WITHDRAWN
    assert any("held for you" in t for t in await world.texts(first))
    assert any("someone else just took" in t for t in await world.texts(second))
    # WL-17: accepting takes the patient off the list.
    entry = await world.entry(offers[first.id].entry_id)
    assert entry.status is EntryStatus.BOOKED


async def test_staff_approval_books_and_cancels_the_later_visit(world: World) -> None:
    slot_id, _ = await cancel_and_open(world)
    winner = world.patients[1]
    offer = next(o for o in await world.offers(slot_id) if o.patient_id == winner.id)
    async with world.db.transaction() as conn:
        await answers.accept(conn, world.deps, offer.id, world.now)
    async with world.db.transaction() as conn:
        approved = await booking.approve(conn, world.deps, world.org.id, offer.id, "STAFF1",
                                         world.now)
    assert approved.state is OfferState.BOOKED and approved.decided_by == "STAFF1"
    appointments = {a.start: a for a in await world.appointments_of(winner)}
    slot = await world.slot(slot_id)
    booked = appointments[slot.start]
    assert booked.status is AppointmentStatus.BOOKED and booked.id == approved.appointment_id
    later = next(a for a in appointments.values() if a.start > slot.start)
    assert later.status is AppointmentStatus.CANCELLED  # WL-30
    assert later.cancel_source is CancelSource.WAITLIST_ACCEPTED
    (text,) = [t for t in await world.texts(winner) if t.startswith("You're booked")]
    assert "Your later appointment on" in text
    # The freed later time becomes an opening of its own.
    assert await world.slot_for(later) is not None


async def test_without_approval_the_first_yes_is_booked_at_once(world: World) -> None:
    await world.set_settings(OrgSettings(waitlist=WaitlistSettings(require_approval=False)))
    slot_id, _ = await cancel_and_open(world)
    offer = (await world.offers(slot_id))[0]
    async with world.db.transaction() as conn:
        outcome = await answers.accept(conn, world.deps, offer.id, world.now)
    assert outcome is answers.AcceptOutcome.BOOKED
    (stored,) = [o for o in await world.offers(slot_id) if o.id == offer.id]
    assert stored.state is OfferState.BOOKED and stored.appointment_id


async def test_keeping_the_later_visit_when_wl30_is_off(world: World) -> None:
    await world.set_settings(OrgSettings(waitlist=WaitlistSettings(
        require_approval=False, cancel_later_appointment=False)))
    slot_id, _ = await cancel_and_open(world)
    offer = (await world.offers(slot_id))[0]
    async with world.db.transaction() as conn:
        await answers.accept(conn, world.deps, offer.id, world.now)
    patient = next(p for p in world.patients if p.id == offer.patient_id)
    assert all(a.status is AppointmentStatus.BOOKED for a in await world.appointments_of(patient))
    assert any(t.startswith("You're booked for") for t in await world.texts(patient))


async def test_staff_decline_gives_the_slot_back_to_the_others(world: World) -> None:
    slot_id, _ = await cancel_and_open(world)
    offers = await world.offers(slot_id)
    first = offers[0]
    async with world.db.transaction() as conn:
        await answers.accept(conn, world.deps, first.id, world.now)
    async with world.db.transaction() as conn:
        await booking.reject(conn, world.org.id, first.id, "STAFF1", world.now, reason="no")
    states = {o.id: o.state for o in await world.offers(slot_id)}
    assert states[first.id] is OfferState.REJECTED
    assert all(states[o.id] is OfferState.OFFERED for o in offers[1:])
    assert (await world.slot(slot_id)).state == SlotState.OFFERED
    assert (await world.entry(first.entry_id)).status is EntryStatus.ACTIVE
    patient = next(p for p in world.patients if p.id == first.patient_id)
    assert any("couldn't confirm" in t for t in await world.texts(patient))
    # The next YES can still win.
    async with world.db.transaction() as conn:
        assert await answers.accept(conn, world.deps, offers[1].id, world.now) is (
            answers.AcceptOutcome.PENDING)


async def test_a_yes_after_expiry_is_told_it_is_taken(world: World) -> None:
    slot_id, _ = await cancel_and_open(world)
    offer = (await world.offers(slot_id))[0]
    world.clock.advance(timedelta(minutes=31))
    async with world.db.transaction() as conn:
        assert await answers.accept(conn, world.deps, offer.id, world.now) is (
            answers.AcceptOutcome.TAKEN)
    assert (await world.slot(slot_id)).state == SlotState.OFFERED
    patient = next(p for p in world.patients if p.id == offer.patient_id)
    assert phone_of(patient) in {m.to_address for m in await world.outbox(key="waitlist.taken")}
