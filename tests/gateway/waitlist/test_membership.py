"""Joining and leaving: invitations after a cancellation (WL-13) or a booking (WL-31), the
confirmation (WL-33), a future appointment requirement (WL-29), LEAVEWAITLIST (WL-16) and
the 30-day limit of self-added entries (WL-17), driven by domain events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.errors import NotFound, ValidationError
from domain.org_settings import OrgSettings, WaitlistSettings
from domain.waitlist import EntrySource, EntryStatus, OfferState
from gateway.waitlist.events import consume_events
from gateway.waitlist.membership import add_entry
from gateway.waitlist.store import WaitlistStore
from gateway.waitlist.sweeps import sweep
from tests.gateway.waitlist.world import World, make_world


async def use(world: World, **waitlist: Any) -> None:
    await world.set_settings(OrgSettings(waitlist=WaitlistSettings(**waitlist)))


async def cancelled_by_reply(world: World) -> str:
    patient = world.patients[0]
    appointment = await world.appointment(patient, world.now + timedelta(days=3))
    await world.cancel(appointment)
    await world.emit("waitlist.invite", {"patient_id": patient.id,
                                         "appointment_id": appointment.id,
                                         "trigger": "reminder_cancel"})
    await consume_events(world.db, world.deps, world.clock)
    return appointment.id


@pytest.mark.parametrize(("invite_on_cancel", "invited"), [
    ("both", True), ("reminder", True), ("ehr", False), ("never", False)])
async def test_invitation_after_cancelling_by_reply(world: World, invite_on_cancel: str,
                                                    invited: bool) -> None:
    await use(world, invite_on_cancel=invite_on_cancel)
    await cancelled_by_reply(world)
    prompts = await world.prompts(world.patients[0], "waitlist_invite")
    assert bool(prompts) is invited
    if invited:
        assert prompts[0].expires_at == world.now + timedelta(hours=24)
        (text,) = await world.texts(world.patients[0])
        assert "join our waitlist" in text and "Reply YES" in text


async def test_yes_to_the_invitation_adds_a_self_added_entry_for_30_days(world: World) -> None:
    appointment_id = await cancelled_by_reply(world)
    patient = world.patients[0]
    await world.emit("waitlist.join", {"patient_id": patient.id,
                                       "appointment_id": appointment_id, "source": "invite"})
    await consume_events(world.db, world.deps, world.clock)
    (entry,) = await world.run(
        lambda c: WaitlistStore(c).entries(world.org.id, patient_id=patient.id))
    assert entry.source is EntrySource.INVITE
    assert (entry.provider_id, entry.facility_id, entry.type_id) == (
        world.provider.id, world.facility.id, world.kind.id)  # WL-24: an equivalent visit
    assert entry.expires_at == world.now + timedelta(days=30)
    world.clock.advance(timedelta(days=30))
    report = await sweep(world.db, world.clock)
    assert report.expired_entries == 1
    assert (await world.entry(entry.id)).status is EntryStatus.EXPIRED


async def test_a_patient_already_waiting_is_not_invited_again(world: World) -> None:
    await world.waiting(world.patients[0])
    await cancelled_by_reply(world)
    assert await world.prompts(world.patients[0], "waitlist_invite") == []


async def test_a_future_appointment_can_be_required(world: World) -> None:
    await use(world, require_future_appointment=True)
    with pytest.raises(ValidationError):
        await world.waiting(world.patients[1])
    await world.appointment(world.patients[1], world.now + timedelta(days=9))
    assert (await world.waiting(world.patients[1])).active
    await cancelled_by_reply(world)  # patient 0 has no other visit: not invited
    assert await world.prompts(world.patients[0], "waitlist_invite") == []


async def test_default_duration_applies_to_new_entries(world: World) -> None:
    await use(world, default_duration_minutes=45)
    entry = await world.waiting(world.patients[1])
    assert entry.duration_minutes == 45  # WL-28


async def test_invitations_based_on_booked_appointments(world: World) -> None:
    await world.appointment(world.patients[1], world.now + timedelta(days=20),
                            created_at=world.now - timedelta(hours=2))
    await world.appointment(world.patients[2], world.now + timedelta(days=3),
                            created_at=world.now - timedelta(hours=2))
    assert (await sweep(world.db, world.clock)).invited == 0  # WL-31 is off by default
    await use(world, invite_on_scheduled=True)
    assert (await sweep(world.db, world.clock)).invited == 1
    assert len(await world.prompts(world.patients[1], "waitlist_invite")) == 1
    assert await world.prompts(world.patients[2], "waitlist_invite") == []  # too soon
    assert (await sweep(world.db, world.clock)).invited == 0  # once per appointment


async def test_leavewaitlist_removes_every_entry_and_withdraws_offers(world: World) -> None:
    patient = world.patients[1]
    entry = await world.waiting(patient)
    other = await world.waiting(patient, provider_id=world.other_provider.id)
    cancelled = await world.cancel(await world.appointment(world.patients[0],
                                                           world.now + timedelta(days=2)))
    await world.emit("appointment.cancelled", {"appointment_id": cancelled.id})
    await consume_events(world.db, world.deps, world.clock)
    await world.emit("waitlist.leave_requested", {"patient_id": patient.id})
    await consume_events(world.db, world.deps, world.clock)
    assert (await world.entry(entry.id)).status is EntryStatus.REMOVED
    assert (await world.entry(other.id)).removed_reason == "patient left by SMS"
    slot = await world.slot_for(cancelled)
    assert slot is not None
    assert [o.state for o in await world.offers(slot.id)] == [OfferState.WITHDRAWN]


async def test_a_patient_of_another_organisation_cannot_be_added(world: World) -> None:
    elsewhere = await make_world(world.db, patients=1)
    with pytest.raises(NotFound):
        await world.run(lambda c: add_entry(c, world.org, patient_id=elsewhere.patients[0].id,
                                            now=world.now))
