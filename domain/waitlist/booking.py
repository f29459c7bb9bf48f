"""The schedule port: how the waitlist and rescheduling book and cancel appointments.

``domain/ehr.py`` only pushes status values, so booking has its own small port. The embedded
implementation (Careline is the system of record) lives in ``gateway/waitlist/schedule.py``;
an EHR integration implements the same two methods against the EHR's API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.errors import DomainError
from domain.model import CancelSource

__all__ = ["BookingFailed", "BookingRequest", "SchedulePort"]


@dataclass(frozen=True, slots=True, kw_only=True)
class BookingRequest:
    """A new appointment to create from an opening."""

    org_id: str
    patient_id: str
    facility_id: str
    provider_id: str
    type_id: str | None
    start: datetime
    duration_minutes: int
    slot_id: str
    double_booked: bool = False
    replaces_appointment_id: str | None = None
    """The appointment this one replaces (reschedule), for the EHR's notes (RSC-18)."""


class BookingFailed(DomainError):
    """The schedule refused the booking; nothing was changed.

    Attributes:
        slot_id: the opening that could not be booked.
        reason: the schedule's explanation (for staff, never shown to patients).
    """

    code = "booking_failed"

    def __init__(self, slot_id: str, reason: str) -> None:
        super().__init__(f"could not book slot {slot_id}: {reason}")
        self.slot_id = slot_id
        self.reason = reason

    def to_dict(self) -> dict[str, object]:
        return {"error": self.code, "slot_id": self.slot_id, "message": self.reason}


class SchedulePort(Protocol):
    """Books and cancels appointments in the system of record."""

    async def book(self, request: BookingRequest) -> str:
        """Create the appointment; returns its Careline id.

        Raises:
            BookingFailed: the schedule refused it; nothing was created.
        """
        ...

    async def cancel(self, appointment_id: str, source: CancelSource, at: datetime) -> None:
        """Cancel an appointment (``source`` records why: rescheduled, waitlist accepted…).

        Raises:
            BookingFailed: the schedule refused; the appointment is unchanged.
        """
        ...

    async def is_active(self, appointment_id: str) -> bool:
        """Whether the appointment is still on the schedule (RSC-13's second check)."""
        ...
