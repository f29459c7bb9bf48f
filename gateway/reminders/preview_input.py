"""The input of ``careline preview-reminders``: one appointment and the settings, as JSON.

See docs/preview-reminders.md for the format. Every error names the field (dotted path) so
the command can say exactly what to fix.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from domain.errors import ValidationError
from domain.model import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    ConfirmationState,
    ContactPoint,
    Facility,
    Patient,
    Provider,
    ResourceFlags,
)
from domain.org_settings import ReminderSettings
from domain.org_settings._load import load
from domain.reminders import PlanRequest, Practice
from domain.rules import DeliveryPolicy, HolidayCalendar, QuietHours, TemplateWindow, TimeWindow

__all__ = ["parse_preview"]

_ORG = "01PREVIEW0000000000000000A"
_KNOWN = {"now", "appointment", "facility", "provider", "appointment_type", "patient",
          "settings", "delivery", "same_day"}


def _obj(data: Any, path: str, *, required: bool = True) -> dict[str, Any]:
    if data is None and not required:
        return {}
    if not isinstance(data, dict):
        raise ValidationError(path, "must be an object")
    return data


def _text(data: dict[str, Any], key: str, path: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{path}.{key}", "is required text")
    return value


def _bool(data: dict[str, Any], key: str, path: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ValidationError(f"{path}.{key}", "must be true or false")
    return value


def _moment(value: Any, path: str, zone: str) -> datetime:
    if not isinstance(value, str):
        raise ValidationError(path, "must be an ISO date and time such as 2026-03-10T09:30")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(path, f"{value!r} is not an ISO date and time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))  # local time of the facility
    return parsed.astimezone(UTC)


def _hours(value: Any, path: str) -> tuple[time, time]:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise ValidationError(path, 'must be ["HH:MM", "HH:MM"]')
    try:
        return time.fromisoformat(value[0]), time.fromisoformat(value[1])
    except ValueError:
        raise ValidationError(path, 'must be ["HH:MM", "HH:MM"]') from None


def _flags(data: dict[str, Any], path: str) -> ResourceFlags:
    return ResourceFlags(reminders=_bool(data, "reminders", path, True))


def _policy(data: dict[str, Any]) -> DeliveryPolicy:
    path = "delivery"
    values: dict[str, Any] = {}
    if "working_hours" in data:
        hours = _hours(data["working_hours"], f"{path}.working_hours")
        values["working_hours"] = TimeWindow(*hours)
    if "quiet_hours" in data:
        quiet = data["quiet_hours"]
        if not isinstance(quiet, list):
            raise ValidationError(f"{path}.quiet_hours", "must be a list of [from, to] pairs")
        values["quiet_hours"] = tuple(
            QuietHours(*_hours(q, f"{path}.quiet_hours[{i}]")) for i, q in enumerate(quiet))
    closed = data.get("closed_dates", [])
    if not isinstance(closed, list):
        raise ValidationError(f"{path}.closed_dates", "must be a list of dates")
    try:
        extra = frozenset(date.fromisoformat(str(d)) for d in closed)
    except ValueError:
        raise ValidationError(
            f"{path}.closed_dates", "must hold dates such as 2026-12-24"
        ) from None
    values["holiday_calendar"] = HolidayCalendar(
        country=str(data.get("holiday_country", "US")),
        subdivision=data.get("holiday_subdivision"), extra_dates=extra)
    windows = data.get("template_windows", [])
    if not isinstance(windows, list):
        raise ValidationError(f"{path}.template_windows", "must be a list")
    parsed = []
    for i, window in enumerate(windows):
        where = f"{path}.template_windows[{i}]"
        window = _obj(window, where)
        weekdays = window.get("weekdays", [0, 1, 2, 3, 4, 5, 6])
        if not isinstance(weekdays, list):
            raise ValidationError(f"{where}.weekdays", "must be a list of 0 (Monday) to 6")
        parsed.append(TemplateWindow(
            template_key=_text(window, "template", where, "appointment_reminder"),
            weekdays=frozenset(weekdays), hours=TimeWindow(*_hours(window.get("hours"),
                                                                    f"{where}.hours"))))
    values["template_windows"] = tuple(parsed)
    if "enabled_methods" in data:
        values["enabled_methods"] = frozenset(data["enabled_methods"])
    try:
        return DeliveryPolicy(**values)
    except ValidationError as error:
        raise error.nested(path) from None


def _appointment(data: dict[str, Any], ident: str, zone: str, facility: str, provider: str,
                 type_id: str | None, path: str) -> Appointment:
    start = _moment(data.get("start"), f"{path}.start", zone)
    booked = _moment(data["booked_at"], f"{path}.booked_at", zone) if "booked_at" in data else (
        start.replace(year=start.year - 1))
    confirmed_at = data.get("confirmed_at")
    confirmed = (_moment(confirmed_at, f"{path}.confirmed_at", zone)
                 if confirmed_at is not None else None)
    try:
        return Appointment(
            id=ident, org_id=_ORG, patient_id="01PREVIEWPATIENT0000000000",
            facility_id=facility, provider_id=provider, type_id=type_id, start=start,
            duration_minutes=data.get("duration_minutes", 30),
            status=AppointmentStatus(data.get("status", "booked")),
            confirmation=ConfirmationState.CONFIRMED if confirmed else
            ConfirmationState.UNCONFIRMED,
            confirmed_at=confirmed,
            reminders_blocked=_bool(data, "reminders_blocked", path, False),
            created_at=booked, updated_at=booked,
        )
    except ValueError:
        raise ValidationError(f"{path}.status", "is not an appointment status") from None
    except ValidationError as error:
        raise ValidationError(f"{path}.{error.field.split('.')[-1]}", error.reason) from None


def parse_preview(data: Any) -> PlanRequest:
    """The planner request described by ``data`` (the parsed JSON document).

    Raises:
        ValidationError: a field is missing or wrong; ``field`` is its dotted path.
    """
    data = _obj(data, "document")
    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise ValidationError(unknown[0], "is not a known section")
    facility_data = _obj(data.get("facility"), "facility")
    zone = _text(facility_data, "timezone", "facility")
    facility = Facility(id="01PREVIEWFACILITY000000000", org_id=_ORG,
                        name=_text(facility_data, "name", "facility", "Clinic"),
                        timezone=zone, flags=_flags(facility_data, "facility"))
    provider_data = _obj(data.get("provider"), "provider", required=False)
    provider = Provider(id="01PREVIEWPROVIDER000000000", org_id=_ORG,
                        name=_text(provider_data, "name", "provider", "Provider"),
                        flags=_flags(provider_data, "provider"))
    kind_data = _obj(data.get("appointment_type"), "appointment_type", required=False)
    kind = AppointmentType(id="01PREVIEWTYPE0000000000000", org_id=_ORG,
                           name=_text(kind_data, "name", "appointment_type", "Visit"),
                           hidden=_bool(kind_data, "hidden", "appointment_type", False),
                           flags=_flags(kind_data, "appointment_type"))
    practice = Practice({facility.id: facility}, {provider.id: provider}, {kind.id: kind})
    appointment = _appointment(_obj(data.get("appointment"), "appointment"),
                               "01PREVIEWAPPOINTMENT000000", zone, facility.id, provider.id,
                               kind.id, "appointment")
    same_day_data = data.get("same_day", [])
    if not isinstance(same_day_data, list):
        raise ValidationError("same_day", "must be a list of appointments")
    same_day = tuple(
        _appointment(_obj(item, f"same_day[{i}]"), f"01PREVIEWSAMEDAY{i:010d}", zone,
                     facility.id, provider.id, kind.id, f"same_day[{i}]")
        for i, item in enumerate(same_day_data))
    patient_data = _obj(data.get("patient"), "patient")
    contacts = patient_data.get("contacts", [])
    if not isinstance(contacts, list):
        raise ValidationError("patient.contacts", "must be a list")
    points = []
    for i, contact in enumerate(contacts):
        where = f"patient.contacts[{i}]"
        try:
            points.append(ContactPoint(**_obj(contact, where)))
        except TypeError:
            raise ValidationError(where, "has an unknown field (kind, value, label, "
                                  "preferred, active, validity)") from None
        except ValidationError as error:
            raise ValidationError(f"{where}.{error.field.split('.')[-1]}", error.reason) from None
    patient = Patient(
        id=appointment.patient_id, org_id=_ORG,
        first_name=_text(patient_data, "first_name", "patient", "Patient"),
        last_name=_text(patient_data, "last_name", "patient", "Preview"),
        preferred_language=str(patient_data.get("language", "en")), contacts=tuple(points),
    )
    replied = patient_data.get("replied_at")
    settings = load(ReminderSettings, data.get("settings") or {}, "settings")
    now = _moment(data.get("now"), "now", zone) if "now" in data else appointment.created_at
    return PlanRequest(
        appointment=appointment, patient=patient, practice=practice, settings=settings,
        policy=_policy(_obj(data.get("delivery"), "delivery", required=False)), now=now,
        same_day=same_day,
        patient_replied_at=_moment(replied, "patient.replied_at", zone) if replied else None,
    )
