"""Booking an accepted offer, and staff's decision on accepted offers (WL-27, WL-30).

The booking runs in a savepoint through the schedule port: if the schedule refuses, nothing
it wrote stays, the offer is marked failed, the patient keeps any appointment they had and
is told so, and the slot goes back to the others. On success the patient's later appointment
is cancelled (WL-30, on by default) and its time is offered in turn.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.replies import format_when
from domain.errors import Conflict, NotFound
from domain.model import ACTIVE_STATUSES, Appointment, CancelSource, Organization
from domain.storage.repositories import (
    AppointmentRepository,
    PatientRepository,
    PracticeRepository,
)
from domain.waitlist import BookingFailed, BookingRequest, Offer, OfferEvent, OfferState
from gateway.logs import get_logger
from gateway.waitlist._offer_ops import move, release_slot, restore_entry, tell
from gateway.waitlist.deps import WaitlistDeps
from gateway.waitlist.offers import offer_slot, slot_zone
from gateway.waitlist.slots import open_for_cancellation
from gateway.waitlist.store import WaitlistStore

__all__ = ["approve", "book_offer", "reject"]

log = get_logger(__name__)


async def _later_appointment(
    conn: AsyncConnection, offer: Offer, slot_start: datetime
) -> Appointment | None:
    entry = await WaitlistStore(conn).entry(offer.org_id, offer.entry_id)
    if entry.appointment_id is None:
        return None
    try:
        appointment = await AppointmentRepository(conn).get(entry.appointment_id)
    except NotFound:
        return None
    if appointment.status in ACTIVE_STATUSES and appointment.start > slot_start:
        return appointment
    return None


async def book_offer(
    conn: AsyncConnection, deps: WaitlistDeps, org: Organization, offer: Offer, event: str,
    now: datetime, *, staff_id: str | None = None, language: str | None = None,
) -> bool:
    """Book ``offer`` (``event``: ``book`` without approval, ``approve`` by staff).

    Returns:
        True when booked; False when the schedule refused (the patient was told).
    """
    appointments = AppointmentRepository(conn)
    slot = await appointments.slot(offer.slot_id)
    schedule = deps.schedule(conn, now)
    request = BookingRequest(
        org_id=org.id, patient_id=offer.patient_id, facility_id=slot.facility_id,
        provider_id=slot.provider_id, type_id=slot.type_id, start=slot.start,
        duration_minutes=slot.duration_minutes, slot_id=slot.id, double_booked=slot.double_booked,
    )
    try:
        async with conn.begin_nested():
            appointment_id = await schedule.book(request)
    except BookingFailed as exc:
        log.warning("waitlist_booking_failed", offer_id=offer.id, reason=exc.reason)
        await move(conn, offer, OfferEvent.FAIL, now, reason=exc.reason[:200], decided_at=now,
                   decided_by=staff_id)
        await restore_entry(conn, offer, now)
        await release_slot(conn, offer, now)
        await tell(conn, offer, "waitlist.not_confirmed", now, language=language)
        return False
    later = None
    if org.settings.waitlist.cancel_later_appointment:
        later = await _later_appointment(conn, offer, slot.start)
    booked = await move(conn, offer, event, now, appointment_id=appointment_id, decided_at=now,
                        decided_by=staff_id)
    if booked is None:
        raise Conflict(f"offer {offer.id} changed while it was being booked")
    if later is not None and await _cancel_later(conn, deps, org, later, now):
        zone = await slot_zone(conn, slot)
        lang = language or (await _language(conn, offer))
        await tell(conn, booked, "waitlist.booked_moved", now, language=language,
                   later=format_when(later.start, zone, lang))
    else:
        await tell(conn, booked, "waitlist.booked", now, language=language)
    return True


async def _language(conn: AsyncConnection, offer: Offer) -> str:
    return (await PatientRepository(conn).get(offer.patient_id)).preferred_language


async def _cancel_later(
    conn: AsyncConnection, deps: WaitlistDeps, org: Organization, later: Appointment,
    now: datetime,
) -> bool:
    """Cancel the patient's later visit (WL-30) and offer its time to the waitlist."""
    try:
        async with conn.begin_nested():
            await deps.schedule(conn, now).cancel(later.id, CancelSource.WAITLIST_ACCEPTED, now)
    except BookingFailed as exc:
        reason = f"Waitlist: could not cancel the later appointment ({exc.reason})"
        await AppointmentRepository(conn).set_follow_up(later.id, reason[:200], now)
        return False
    cancelled = await AppointmentRepository(conn).get(later.id)
    freed = await open_for_cancellation(conn, cancelled, now)
    if freed is not None:
        await offer_slot(conn, org, freed, now)
    return True


async def approve(
    conn: AsyncConnection, deps: WaitlistDeps, org_id: str, offer_id: str, staff_id: str,
    now: datetime,
) -> Offer:
    """Staff approve an accepted offer: book it.

    Raises:
        NotFound: no such offer in the organisation.
        Conflict: the offer is not waiting for approval.
    """
    store = WaitlistStore(conn)
    offer = await _decide(store, org_id, offer_id, staff_id, now)
    org = await PracticeRepository(conn).organization(org_id)
    await book_offer(conn, deps, org, offer, OfferEvent.APPROVE, now, staff_id=staff_id)
    return await store.offer(offer_id)


async def _decide(store: WaitlistStore, org_id: str, offer_id: str, staff_id: str,
                  now: datetime) -> Offer:
    """The accepted offer, claimed for this decision: a conditional write first, so that of two
    staff deciding at once only one goes on (and the transaction holds the write lock)."""
    offer = await store.offer(offer_id, org_id=org_id)
    if offer.state is not OfferState.ACCEPTED or not await store.move_offer(
        offer, OfferState.ACCEPTED, decided_by=staff_id, decided_at=now
    ):
        raise Conflict(f"the offer is {offer.state.value}, not waiting for approval")
    return offer


async def reject(
    conn: AsyncConnection, org_id: str, offer_id: str, staff_id: str, now: datetime,
    *, reason: str = "",
) -> Offer:
    """Staff turn an accepted offer down: the patient keeps their place on the list and is
    told, and the slot goes back to the others.

    Raises:
        NotFound: no such offer in the organisation.
        Conflict: the offer is not waiting for approval.
    """
    offer = await _decide(WaitlistStore(conn), org_id, offer_id, staff_id, now)
    rejected = await move(conn, offer, OfferEvent.REJECT, now, decided_at=now,
                          decided_by=staff_id, reason=(reason or "declined by staff")[:200])
    if rejected is None:
        raise Conflict(f"offer {offer_id} changed meanwhile")
    await restore_entry(conn, offer, now)
    await release_slot(conn, offer, now)
    await tell(conn, rejected, "waitlist.not_confirmed", now)
    org = await PracticeRepository(conn).organization(org_id)
    await offer_slot(conn, org, await AppointmentRepository(conn).slot(offer.slot_id), now)
    return rejected
