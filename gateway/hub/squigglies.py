"""Squigglies in staff messages (HUB-05): ``{{ patient.first_name }}`` and friends, filled in
for the chat's patient with Liquid (python-liquid), strictly: an unknown squiggly is an error
shown to the sender, never an empty gap in a message to a patient."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from liquid import Environment, StrictUndefined
from liquid.exceptions import LiquidError, UndefinedError

from domain.errors import ValidationError
from domain.model import Appointment, Facility, Organization, Patient, Provider, StaffUser

__all__ = ["SQUIGGLIES", "SquigglyEnvironment", "render_staff_message", "squiggly_context"]

SQUIGGLIES: tuple[str, ...] = (
    "patient.first_name", "patient.last_name", "patient.name", "organization.name",
    "facility.name", "facility.phone", "facility.address", "appointment.date",
    "appointment.time", "appointment.provider", "appointment.facility", "staff.name",
    "staff.first_name",
)
"""The squigglies a staff message may use (shown in the Hub's help)."""


class SquigglyEnvironment(Environment):
    """Liquid with limits small enough for a chat message."""

    loop_iteration_limit = 100
    output_stream_limit = 20_000
    context_depth_limit = 10
    local_namespace_limit = 2_000


_ENV = SquigglyEnvironment(undefined=StrictUndefined)


def squiggly_context(
    *,
    organization: Organization,
    patient: Patient | None,
    facility: Facility | None,
    appointment: Appointment | None,
    appointment_facility: Facility | None,
    provider: Provider | None,
    staff: StaffUser,
) -> dict[str, Any]:
    """The values squigglies read. Parts that do not apply (no patient, no upcoming
    appointment) are left out, so using them is an error the sender sees."""
    context: dict[str, Any] = {
        "organization": {"name": organization.name},
        "staff": {"name": staff.name, "first_name": staff.name.split(" ")[0]},
    }
    if patient is not None and not patient.placeholder:
        context["patient"] = {"first_name": patient.first_name, "last_name": patient.last_name,
                              "name": patient.display_name}
    if facility is not None:
        context["facility"] = {"name": facility.name, "phone": _phone(facility.phone),
                               "address": facility.address}
    if appointment is not None and appointment_facility is not None:
        local = appointment.start.astimezone(ZoneInfo(appointment_facility.timezone))
        context["appointment"] = {
            "date": f"{local:%A, %B} {local.day}",
            "time": _clock(local),
            "provider": provider.name if provider is not None else "",
            "facility": appointment_facility.name,
        }
    return context


def render_staff_message(text: str, context: dict[str, Any]) -> str:
    """``text`` with its squigglies filled in.

    Raises:
        ValidationError: on ``body``, naming the squiggly that is not in ``SQUIGGLIES`` or does
            not apply to this chat, or the Liquid syntax error.
    """
    if "{" not in text:
        return text
    try:
        template = _ENV.from_string(text)
        unknown = sorted(set(template.global_variable_paths()) - set(SQUIGGLIES))
        if unknown:
            raise ValidationError("body", f"unknown squiggly {{{{ {unknown[0]} }}}}; use one of "
                                  + ", ".join(SQUIGGLIES))
        return template.render(**context).strip()
    except UndefinedError as exc:
        name = str(exc).split("'")[1] if "'" in str(exc) else "a squiggly"
        raise ValidationError(
            "body", f"{name} has no value in this chat (no identified patient, facility or "
            "upcoming appointment)"
        ) from None
    except LiquidError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "is not a valid message template"
        raise ValidationError("body", f"squiggly problem: {reason}") from None


def _clock(when: datetime) -> str:
    hour = when.hour % 12 or 12
    return f"{hour}:{when.minute:02d} {'AM' if when.hour < 12 else 'PM'}"


def _phone(number: str | None) -> str:
    if number is None:
        return ""
    if number.startswith("+1") and len(number) == 12:
        return f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    return number
