"""Moving an appointment to an opening (RSC-04, RSC-06, RSC-13): shared by the SMS reschedule
flow and the self-schedule page.

1. The opening is taken with one conditional update (a concurrent taker loses cleanly).
2. The new appointment is booked through the schedule port, in a savepoint: if the schedule
   refuses, nothing is written, the opening is given back and the original stays as it was.
3. The original is cancelled and marked ``rescheduled`` (which takes it off the schedule);
   if that fails, or RSC-13's second check finds it still active, staff are asked to follow
   up. Its time becomes an opening for the waitlist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import Appointment, CancelSource, Organization, SlotState
from domain.storage.repositories import AppointmentRepository
from domain.waitlist import BookingFailed, BookingRequest
from gateway.logs import get_logger
from gateway.waitlist.deps import WaitlistDeps
from gateway.waitlist.offers import offer_slot
from gateway.waitlist.slots import open_for_cancellation

__all__ = ["RebookOutcome", "Rebooked", "rebook"]

log = get_logger(__name__)

_NOT_REMOVED = "Rescheduled by the patient, but the original appointment is still on the schedule"


class RebookOutcome(StrEnum):
    BOOKED = "booked"
    TAKEN = "taken"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Rebooked:
    outcome: RebookOutcome
    new_appointment_id: str | None = None


async def rebook(
    conn: AsyncConnection, deps: WaitlistDeps, org: Organization, appointment: Appointment,
    slot_id: str, now: datetime,
) -> Rebooked:
    """Move ``appointment`` to the opening ``slot_id``."""
    appointments = AppointmentRepository(conn)
    if not await appointments.take_slot(slot_id, expected_states=[SlotState.OPEN],
                                        to=SlotState.BOOKED):
        return Rebooked(RebookOutcome.TAKEN)
    slot = await appointments.slot(slot_id)
    schedule = deps.schedule(conn, now)
    request = BookingRequest(
        org_id=org.id, patient_id=appointment.patient_id, facility_id=slot.facility_id,
        provider_id=slot.provider_id, type_id=slot.type_id or appointment.type_id,
        start=slot.start, duration_minutes=appointment.duration_minutes, slot_id=slot.id,
        double_booked=slot.double_booked, replaces_appointment_id=appointment.id,
    )
    try:
        async with conn.begin_nested():
            new_id = await schedule.book(request)
    except BookingFailed as exc:
        log.warning("reschedule_booking_failed", appointment_id=appointment.id,
                    reason=exc.reason)
        await appointments.take_slot(slot_id, expected_states=[SlotState.BOOKED],
                                     to=SlotState.OPEN)
        return Rebooked(RebookOutcome.FAILED)
    try:
        async with conn.begin_nested():
            await schedule.cancel(appointment.id, CancelSource.RESCHEDULED, now)
    except BookingFailed as exc:
        await appointments.set_follow_up(appointment.id, f"{_NOT_REMOVED} ({exc.reason})"[:200],
                                         now)
    else:
        if org.settings.reschedule.verify_removal and await schedule.is_active(appointment.id):
            await appointments.set_follow_up(appointment.id, _NOT_REMOVED, now)
        freed = await open_for_cancellation(conn, await appointments.get(appointment.id), now)
        if freed is not None:
            await offer_slot(conn, org, freed, now)
    return Rebooked(RebookOutcome.BOOKED, new_id)
