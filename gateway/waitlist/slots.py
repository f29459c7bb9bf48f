"""Openings: a slot opens when an appointment is cancelled (by a reply, by staff, in the EHR)
or when the schedule publishes one (API, CSV, EHR port).

Opening a slot twice for the same cancelled appointment returns the first one, so every
source of cancellations (events, the sweep) may report the same cancellation safely.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import ValidationError
from domain.model import (
    Appointment,
    AppointmentStatus,
    CancelSource,
    OpenSlot,
    SlotState,
    new_id,
)
from domain.storage import tables as t
from domain.storage.repositories import AppointmentRepository
from domain.storage.repositories._mapping import from_row
from gateway.waitlist._resources import check_known

__all__ = [
    "SWEEP_LOOKBACK",
    "cancelled_without_slot",
    "expire_past_slots",
    "open_for_cancellation",
    "publish_slot",
    "slot_for_cancellation",
]

_CANCELLED = (AppointmentStatus.CANCELLED, AppointmentStatus.NOSHOW)
"""A cancellation recorded as a no-show (REM-07) frees the time all the same."""

SWEEP_LOOKBACK = timedelta(days=2)
"""How far back the cancellation sweep looks for cancelled appointments."""


async def slot_for_cancellation(conn: AsyncConnection, appointment_id: str) -> OpenSlot | None:
    """The slot already opened for a cancelled appointment, if any."""
    row = (await conn.execute(
        sa.select(t.open_slots).where(t.open_slots.c.cancelled_appointment_id == appointment_id)
    )).mappings().first()
    return None if row is None else from_row(OpenSlot, dict(row))


async def open_for_cancellation(
    conn: AsyncConnection, appointment: Appointment, now: datetime
) -> OpenSlot | None:
    """Open the time of a cancelled appointment (once); None when it is not cancelled (or
    cancelled as a no-show) or already started."""
    if appointment.status not in _CANCELLED or appointment.start <= now:
        return None
    existing = await slot_for_cancellation(conn, appointment.id)
    if existing is not None:
        return existing
    source = "ehr" if appointment.cancel_source is CancelSource.EHR else "cancellation"
    slot = OpenSlot(
        id=new_id(), org_id=appointment.org_id, facility_id=appointment.facility_id,
        provider_id=appointment.provider_id, type_id=appointment.type_id,
        start=appointment.start, duration_minutes=appointment.duration_minutes, source=source,
        cancelled_appointment_id=appointment.id, double_booked=appointment.double_booked,
        created_at=now,
    )
    await AppointmentRepository(conn).add_slot(slot)
    return slot


async def publish_slot(
    conn: AsyncConnection,
    *,
    org_id: str,
    facility_id: str,
    provider_id: str,
    type_id: str | None,
    start: datetime,
    duration_minutes: int,
    now: datetime,
    double_booked: bool = False,
) -> OpenSlot:
    """Publish bookable time from the schedule.

    Raises:
        ValidationError: an unknown facility, provider or type, or a time already past.
    """
    await check_known(conn, org_id, facility_id=facility_id, provider_id=provider_id,
                      type_id=type_id)
    if start <= now:
        raise ValidationError("start", "must be in the future")
    slot = OpenSlot(
        id=new_id(), org_id=org_id, facility_id=facility_id, provider_id=provider_id,
        type_id=type_id, start=start, duration_minutes=duration_minutes, source="schedule",
        double_booked=double_booked, created_at=now,
    )
    await AppointmentRepository(conn).add_slot(slot)
    return slot


async def cancelled_without_slot(
    conn: AsyncConnection, now: datetime, *, limit: int = 200
) -> list[Appointment]:
    """Appointments cancelled recently, still ahead, whose time has not been opened yet (the
    sweep's backstop for cancellations made by staff or an EHR sync without an event)."""
    opened = sa.select(t.open_slots.c.cancelled_appointment_id).where(
        t.open_slots.c.cancelled_appointment_id.is_not(None)
    )
    rows = (await conn.execute(
        sa.select(t.appointments)
        .where(
            t.appointments.c.status.in_([s.value for s in _CANCELLED]),
            t.appointments.c.cancelled_at >= now - SWEEP_LOOKBACK,
            t.appointments.c.start > now,
            t.appointments.c.id.not_in(opened),
        )
        .order_by(t.appointments.c.cancelled_at)
        .limit(limit)
    )).mappings()
    return [from_row(Appointment, dict(r)) for r in rows]


async def expire_past_slots(conn: AsyncConnection, now: datetime) -> int:
    """Openings whose time has come without a taker are closed (state ``expired``)."""
    result = await conn.execute(
        t.open_slots.update()
        .where(t.open_slots.c.state.in_([SlotState.OPEN, SlotState.OFFERED]),
               t.open_slots.c.start <= now)
        .values(state=SlotState.EXPIRED, version=t.open_slots.c.version + 1)
    )
    return result.rowcount

