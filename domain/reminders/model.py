"""What the reminder planner reads and what it returns (pure values, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.errors import ValidationError
from domain.model import Appointment, AppointmentType, Channel, Facility, Patient, Provider
from domain.org_settings import ReminderSettings
from domain.rules import DeliveryPolicy

__all__ = [
    "REMINDER_TEMPLATE",
    "PlanKind",
    "PlanRequest",
    "PlanStatus",
    "PlannedMessage",
    "Practice",
    "ReminderPlan",
    "RuleNote",
]

REMINDER_TEMPLATE = "appointment_reminder"
"""The stock template every appointment reminder renders (SMS, voice and email formats)."""


class PlanKind(StrEnum):
    """Why a reminder exists."""

    CADENCE = "cadence"
    """One of the N-days-before reminders (REM-01)."""
    FINAL = "final"
    """The last cadence reminder: the one still sent after confirmation (REM-05, REM-23)."""
    CATCH_UP = "catch_up"
    """Booked inside the cadence after the final reminder's time (REM-42, REM-61)."""
    IMMEDIATE = "immediate"
    """Booked less than the late-booking hours ahead, sent right away (REM-53 option)."""
    SEND_NOW = "send_now"
    """Forced out by staff (REM-08)."""


class PlanStatus(StrEnum):
    """Where a planned reminder stands."""

    PLANNED = "planned"
    """Due in the future: an outbox row is (or will be) pending."""
    DUE = "due"
    """Its time has come: the outbox row is being sent or was sent (the row tells which)."""
    MISSED = "missed"
    """Its time was before the appointment was booked: it never existed."""
    SKIPPED = "skipped"
    """A rule or setting dropped it (see the notes)."""
    BLOCKED = "blocked"
    """Staff blocked reminders for the appointment (REM-51)."""


@dataclass(frozen=True, slots=True)
class RuleNote:
    """One decision about a reminder: the rule (spec id), what it did, and why, for staff."""

    rule: str
    action: str
    """``placed``, ``moved``, ``skipped``, ``blocked``, ``kept``, ``channel`` or ``missed``."""
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedMessage:
    """One reminder for one address (or, when skipped for want of a contact, none).

    ``due_at`` is the send time in UTC (for skipped entries, the time it would have had);
    ``dedupe_key`` is stable across re-plans as long as the appointment, the send time, the
    channel and the address stay the same.
    """

    appointment_id: str
    slot: str
    """``c7`` (7 days before), ``catch_up``, ``immediate`` or ``send_now``."""
    kind: PlanKind
    status: PlanStatus
    due_at: datetime | None
    original_at: datetime | None
    days_before: int | None
    channel: Channel | None
    address: str | None
    template_key: str
    dedupe_key: str | None
    notes: tuple[RuleNote, ...] = ()

    @property
    def reason(self) -> str:
        """The last decision's reason (what staff read first)."""
        return self.notes[-1].reason if self.notes else ""

    @property
    def writes_row(self) -> bool:
        """True when the outbox should hold a pending row for this message."""
        return self.status is PlanStatus.PLANNED

    @property
    def keeps_row(self) -> bool:
        """True when an existing pending row with this key must not be cancelled."""
        return self.status in (PlanStatus.PLANNED, PlanStatus.DUE)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReminderPlan:
    """Every reminder decision for one appointment, in send-time order."""

    appointment_id: str
    zone: str
    messages: tuple[PlannedMessage, ...]

    @property
    def to_write(self) -> tuple[PlannedMessage, ...]:
        """Messages whose outbox rows must exist (pending)."""
        return tuple(m for m in self.messages if m.writes_row)

    @property
    def keep_keys(self) -> tuple[str, ...]:
        """Dedupe keys of pending rows that re-planning must keep."""
        return tuple(m.dedupe_key for m in self.messages if m.keeps_row and m.dedupe_key)


@dataclass(frozen=True, slots=True)
class Practice:
    """The practice resources the plan may refer to, by id."""

    facilities: Mapping[str, Facility]
    providers: Mapping[str, Provider]
    types: Mapping[str, AppointmentType] = field(default_factory=dict)

    def facility(self, facility_id: str) -> Facility:
        try:
            return self.facilities[facility_id]
        except KeyError:
            raise ValidationError(
                "appointment.facility_id", f"unknown facility {facility_id!r}"
            ) from None

    def provider(self, provider_id: str) -> Provider:
        try:
            return self.providers[provider_id]
        except KeyError:
            raise ValidationError(
                "appointment.provider_id", f"unknown provider {provider_id!r}"
            ) from None

    def kind(self, type_id: str | None) -> AppointmentType | None:
        if type_id is None:
            return None
        try:
            return self.types[type_id]
        except KeyError:
            raise ValidationError(
                "appointment.type_id", f"unknown appointment type {type_id!r}"
            ) from None

    def disabled_resource(self, appointment: Appointment) -> str | None:
        """Which of the appointment's resources has reminders turned off, if any (REM-55)."""
        facility = self.facility(appointment.facility_id)
        if not facility.flags.reminders:
            return f"facility {facility.name}"
        provider = self.provider(appointment.provider_id)
        if not provider.flags.reminders:
            return f"provider {provider.name}"
        kind = self.kind(appointment.type_id)
        if kind is not None and not kind.flags.reminders:
            return f"appointment type {kind.name}"
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanRequest:
    """Everything the planner reads for one appointment.

    Attributes:
        appointment: the appointment to remind of.
        patient: its patient with their contact points (Do Not Contact is not checked here:
            the dispatcher checks it at send time).
        practice: facilities, providers and appointment types by id.
        settings: the organisation's reminder settings.
        policy: the organisation's delivery policy (hours, holidays, template windows).
        now: the current time (aware).
        same_day: the patient's other appointments (any day; the planner keeps those on the
            appointment's local day) for multi-appointment days (REM-20, REM-22, REM-04).
        booked_at: when the appointment got its current start time (default: created_at);
            decides catch-ups (REM-42) and late bookings (REM-53).
        patient_replied_at: when the patient last answered a reminder (REM-60).
    """

    appointment: Appointment
    patient: Patient
    practice: Practice
    settings: ReminderSettings
    policy: DeliveryPolicy
    now: datetime
    same_day: tuple[Appointment, ...] = ()
    booked_at: datetime | None = None
    patient_replied_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.now.utcoffset() is None:
            raise ValidationError("now", "must carry a time zone")
        for name in ("booked_at", "patient_replied_at"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValidationError(name, "must carry a time zone")
        if self.patient.id != self.appointment.patient_id:
            raise ValidationError("patient.id", "is not the appointment's patient")
        object.__setattr__(self, "same_day", tuple(self.same_day))

    @property
    def booking_time(self) -> datetime:
        return self.booked_at if self.booked_at is not None else self.appointment.created_at
