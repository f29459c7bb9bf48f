"""The embedded schedule: Careline is the system of record, so booking writes the appointment
row itself (the :class:`~domain.waitlist.booking.SchedulePort` of installs without an EHR).

An EHR integration provides another ``ScheduleFactory``; tests use one that fails on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import Conflict, NotFound
from domain.model import Appointment, AppointmentStatus, CancelSource, new_id
from domain.storage.repositories import AppointmentRepository
from domain.waitlist import BookingFailed, BookingRequest, SchedulePort

__all__ = ["EmbeddedSchedule", "ScheduleFactory", "embedded_schedule"]

ScheduleFactory = Callable[[AsyncConnection, datetime], SchedulePort]
"""Builds the schedule port for one transaction at one moment."""


class EmbeddedSchedule:
    """Books and cancels in Careline's own appointments table, in the caller's transaction."""

    def __init__(self, conn: AsyncConnection, now: datetime) -> None:
        self.appointments = AppointmentRepository(conn)
        self.now = now

    async def book(self, request: BookingRequest) -> str:
        """Insert a booked appointment for the request; returns its id."""
        appointment = Appointment(
            id=new_id(),
            org_id=request.org_id,
            patient_id=request.patient_id,
            facility_id=request.facility_id,
            provider_id=request.provider_id,
            type_id=request.type_id,
            start=request.start,
            duration_minutes=request.duration_minutes,
            status=AppointmentStatus.BOOKED,
            double_booked=request.double_booked,
            created_at=self.now,
            updated_at=self.now,
        )
        await self.appointments.add(appointment)
        return appointment.id

    async def cancel(self, appointment_id: str, source: CancelSource, at: datetime) -> None:
        """Cancel the appointment (an already cancelled one stays as it is)."""
        try:
            appointment = await self.appointments.get(appointment_id, for_update=True)
        except NotFound:
            raise BookingFailed(appointment_id, "the appointment does not exist") from None
        if appointment.status is AppointmentStatus.CANCELLED:
            return
        try:
            await self.appointments.save(appointment.cancel(at, source))
        except Conflict as exc:
            raise BookingFailed(appointment_id, exc.message) from None

    async def is_active(self, appointment_id: str) -> bool:
        try:
            return (await self.appointments.get(appointment_id)).active
        except NotFound:
            return False


def embedded_schedule(conn: AsyncConnection, now: datetime) -> SchedulePort:
    """The default :data:`ScheduleFactory`."""
    return EmbeddedSchedule(conn, now)
