"""What a flow may know when it handles one reply: a read-only snapshot the gateway loads
before calling the dialog manager. Flows never fetch anything themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.model import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentType,
    Conversation,
    Facility,
    Organization,
    Patient,
    Prompt,
)
from domain.org_settings import OrgSettings

__all__ = ["DialogContext"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DialogContext:
    """One inbound message and everything the flows may read about it.

    Attributes:
        org: the organisation (its settings drive every option).
        conversation: the thread the message came on.
        text: the message text (quoted history already stripped).
        now: the clock's time for this message (aware).
        patient: the sender, when the conversation or the address points at exactly one
            patient (None when unknown or shared by several family members).
        prompts: the conversation's open prompts, most recent first.
        appointments: the appointments flows may act on, by id: those of the open prompts,
            the rest of their days, and the patient's upcoming ones.
        types: appointment types by id (hidden types, REM-66).
        facilities: facilities by id (time zone, phone).
        opted_out_here: the sender opted out from this conversation's Careline number.
        opted_out_from: every Careline number the sender opted out from (REM-38).
        auto_reply_sent: the patient-initiated auto-reply already went to this chat since it
            was last closed.
        reschedule_flow: a self-reschedule flow is installed (the waitlist part consumes
            ``reschedule.requested`` and texts options); otherwise staff take over.
    """

    org: Organization
    conversation: Conversation
    text: str
    now: datetime
    patient: Patient | None = None
    prompts: tuple[Prompt, ...] = ()
    appointments: Mapping[str, Appointment] = field(default_factory=dict)
    types: Mapping[str, AppointmentType] = field(default_factory=dict)
    facilities: Mapping[str, Facility] = field(default_factory=dict)
    opted_out_here: bool = False
    opted_out_from: tuple[str, ...] = ()
    auto_reply_sent: bool = False
    reschedule_flow: bool = False

    @property
    def settings(self) -> OrgSettings:
        return self.org.settings

    @property
    def address(self) -> str:
        """The patient's address (number, email or widget session)."""
        return self.conversation.patient_address

    @property
    def careline_address(self) -> str:
        return self.conversation.careline_address

    def zone(self, appointment: Appointment) -> ZoneInfo:
        facility = self.facilities.get(appointment.facility_id)
        return ZoneInfo(facility.timezone if facility is not None else "UTC")

    def local_day(self, appointment: Appointment) -> date:
        """The appointment's calendar day at its facility."""
        return appointment.start.astimezone(self.zone(appointment)).date()

    def phone(self, appointment: Appointment | None = None) -> str | None:
        """The number patients should call: the appointment's facility, else the patient's
        facility, else the organisation's."""
        facility_ids = [
            appointment.facility_id if appointment is not None else None,
            self.conversation.facility_id,
            self.patient.primary_facility_id if self.patient is not None else None,
        ]
        for facility_id in facility_ids:
            facility = self.facilities.get(facility_id) if facility_id else None
            if facility is not None and facility.phone:
                return facility.phone
        return self.org.phone

    def same_day(self, appointment: Appointment, *, include_hidden: bool) -> list[Appointment]:
        """The patient's other active appointments on the same local day (REM-21, REM-54,
        REM-66), earliest first; ``appointment`` itself is not included."""
        day = self.local_day(appointment)
        found = []
        for other in self.appointments.values():
            if other.id == appointment.id or other.patient_id != appointment.patient_id:
                continue
            if other.status not in ACTIVE_STATUSES or self.local_day(other) != day:
                continue
            kind = self.types.get(other.type_id) if other.type_id else None
            if kind is not None and kind.hidden and not include_hidden:
                continue
            found.append(other)
        return sorted(found, key=lambda a: (a.start, a.id))

    def upcoming(self, *, since: timedelta = timedelta(0)) -> list[Appointment]:
        """The patient's active appointments starting after ``now - since``, earliest first."""
        if self.patient is None:
            return []
        start = self.now - since
        found = [
            a for a in self.appointments.values()
            if a.patient_id == self.patient.id and a.status in ACTIVE_STATUSES and a.start >= start
        ]
        return sorted(found, key=lambda a: (a.start, a.id))
