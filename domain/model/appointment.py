"""Appointments (status lifecycle compatible with FHIR R4) and open slots."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.errors import Conflict, ValidationError
from domain.model import _validate as v
from domain.model.enums import AppointmentStatus, CancelSource, ConfirmationState

__all__ = ["ACTIVE_STATUSES", "Appointment", "OpenSlot", "SlotState"]

S = AppointmentStatus

ACTIVE_STATUSES = frozenset({S.PROPOSED, S.PENDING, S.BOOKED, S.ARRIVED, S.CHECKED_IN})
"""Statuses of an appointment that is still going to happen (or is happening)."""

_ALLOWED: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    S.PROPOSED: frozenset({S.PENDING, S.BOOKED, S.CANCELLED, S.ENTERED_IN_ERROR}),
    S.PENDING: frozenset({S.BOOKED, S.CANCELLED, S.ENTERED_IN_ERROR}),
    S.WAITLIST: frozenset({S.BOOKED, S.CANCELLED, S.ENTERED_IN_ERROR}),
    S.BOOKED: frozenset(
        {S.ARRIVED, S.CHECKED_IN, S.FULFILLED, S.CANCELLED, S.NOSHOW, S.ENTERED_IN_ERROR}
    ),
    S.ARRIVED: frozenset({S.CHECKED_IN, S.FULFILLED, S.NOSHOW, S.CANCELLED, S.ENTERED_IN_ERROR}),
    S.CHECKED_IN: frozenset({S.FULFILLED, S.ENTERED_IN_ERROR}),
    # REM-26: a cancelled appointment may be confirmed again when the organisation allows it.
    S.CANCELLED: frozenset({S.BOOKED, S.ENTERED_IN_ERROR}),
    S.NOSHOW: frozenset({S.ENTERED_IN_ERROR}),
    S.FULFILLED: frozenset({S.ENTERED_IN_ERROR}),
    S.ENTERED_IN_ERROR: frozenset(),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Appointment:
    id: str
    org_id: str
    patient_id: str
    facility_id: str
    provider_id: str
    type_id: str | None
    start: datetime
    duration_minutes: int
    status: AppointmentStatus = S.BOOKED
    confirmation: ConfirmationState = ConfirmationState.UNCONFIRMED
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_source: CancelSource | None = None
    no_show_fee_notice: bool = False
    reminders_blocked: bool = False
    double_booked: bool = False
    ehr_id: str | None = None
    created_at: datetime
    updated_at: datetime

    def __post_init__(self) -> None:
        v.aware("appointment.start", self.start)
        v.aware("appointment.created_at", self.created_at)
        v.aware("appointment.updated_at", self.updated_at)
        v.positive_minutes("appointment.duration_minutes", self.duration_minutes, maximum=720)
        try:
            object.__setattr__(self, "status", AppointmentStatus(self.status))
        except ValueError:
            raise ValidationError("appointment.status", f"unknown status {self.status!r}") from None
        object.__setattr__(self, "confirmation", ConfirmationState(self.confirmation))
        if self.cancel_source is not None:
            object.__setattr__(self, "cancel_source", CancelSource(self.cancel_source))

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_minutes)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def confirmed(self) -> bool:
        return self.confirmation is ConfirmationState.CONFIRMED

    def can_become(self, status: AppointmentStatus) -> bool:
        return status == self.status or status in _ALLOWED[self.status]

    def with_status(self, status: AppointmentStatus, at: datetime) -> Appointment:
        """The appointment moved to ``status``; raises Conflict for a move FHIR does not allow."""
        if not self.can_become(status):
            raise Conflict(f"appointment cannot go from {self.status} to {status}")
        return replace(self, status=status, updated_at=at)

    def confirm(self, at: datetime) -> Appointment:
        moved = self.with_status(S.BOOKED, at) if self.status is S.CANCELLED else self
        return replace(
            moved,
            confirmation=ConfirmationState.CONFIRMED,
            confirmed_at=at,
            cancelled_at=None,
            cancel_source=None,
            updated_at=at,
        )

    def cancel(self, at: datetime, source: CancelSource, *, no_show: bool = False) -> Appointment:
        """Cancelled by ``source``; ``no_show`` records it as a no-show cancellation (REM-07)."""
        target = S.NOSHOW if no_show else S.CANCELLED
        moved = self.with_status(target, at)
        return replace(moved, cancelled_at=at, cancel_source=source, no_show_fee_notice=no_show)


class SlotState:
    OPEN = "open"
    OFFERED = "offered"
    BOOKED = "booked"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenSlot:
    """Bookable time: published by the schedule, or freed by a cancellation."""

    id: str
    org_id: str
    facility_id: str
    provider_id: str
    type_id: str | None
    start: datetime
    duration_minutes: int
    source: str = "schedule"
    """``schedule`` (published), ``cancellation`` (freed by a cancelled appointment)."""
    cancelled_appointment_id: str | None = None
    double_booked: bool = False
    state: str = SlotState.OPEN
    created_at: datetime

    def __post_init__(self) -> None:
        v.aware("slot.start", self.start)
        v.aware("slot.created_at", self.created_at)
        v.positive_minutes("slot.duration_minutes", self.duration_minutes, maximum=720)
        if self.source not in ("schedule", "cancellation", "ehr"):
            raise ValidationError("slot.source", "must be schedule, cancellation or ehr")

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_minutes)
