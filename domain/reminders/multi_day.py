"""Patients with several appointments on one day (REM-04, REM-20, REM-22, REM-55, REM-65).

By default only the first appointment of the patient's day gets reminders, and its message
lists the whole day (``appointmentsListInDay``). "The day" is the local day in the zone of the
appointment's facility.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from zoneinfo import ZoneInfo

from domain.model import Appointment
from domain.org_settings import ReminderSettings
from domain.reminders.model import Practice

__all__ = ["appointments_list_in_day", "day_of", "first_of_day", "same_day_group"]


def day_of(appointment: Appointment, zone: str) -> date:
    """The local date of the appointment's start in ``zone``."""
    return appointment.start.astimezone(ZoneInfo(zone)).date()


def same_day_group(
    appointment: Appointment, others: Iterable[Appointment], zone: str
) -> tuple[Appointment, ...]:
    """The patient's active appointments on ``appointment``'s local day (itself included),
    ordered by start then id."""
    day = day_of(appointment, zone)
    group = {appointment.id: appointment}
    for other in others:
        if (
            other.patient_id == appointment.patient_id
            and other.active
            and day_of(other, zone) == day
        ):
            group.setdefault(other.id, other)
    return tuple(sorted(group.values(), key=lambda a: (a.start, a.id)))


def first_of_day(group: tuple[Appointment, ...], practice: Practice) -> Appointment | None:
    """The first appointment of the day that can get reminders (active, every resource with
    reminders enabled, not blocked by staff) -- the one REM-20 reminds of."""
    for candidate in group:
        if (
            candidate.active
            and not candidate.reminders_blocked
            and practice.disabled_resource(candidate) is None
        ):
            return candidate
    return None


def appointments_list_in_day(
    group: tuple[Appointment, ...], practice: Practice, settings: ReminderSettings
) -> tuple[Appointment, ...]:
    """What ``appointmentsListInDay`` shows (REM-04): every upcoming appointment of the day,
    or with ``list_only_reminder_enabled`` only those whose facility, provider and type all
    have reminders enabled (REM-55). Appointments of a hidden type are never listed."""
    listed = []
    for candidate in group:
        kind = practice.kind(candidate.type_id)
        if kind is not None and kind.hidden:
            continue
        if settings.list_only_reminder_enabled and practice.disabled_resource(candidate):
            continue
        listed.append(candidate)
    return tuple(listed)
