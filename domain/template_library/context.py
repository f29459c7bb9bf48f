"""The squigglies of appointment messages (REM-18, REM-19, REM-03, REM-04).

Every key is always present (empty text when unknown), because templates render with
strict undefined: a misspelt squiggly is an error shown to staff, never a blank in a message.

=========================  ==========================================================
``patient``                ``first_name``, ``last_name``, ``name``
``appointment``            ``id``, ``date``, ``date_long``, ``time``, ``weekday``, ``iso``,
                           ``zone``, ``duration_minutes``, ``type``
``provider``               ``name``, ``title``
``facility``               ``name``, ``phone``, ``address``
``organization``           ``name``, ``phone``
``special_instructions``   type, facility and provider instructions joined (REM-19)
``links``                  ``detail``, ``reschedule`` (signed; empty without a public URL)
``appointmentsListInDay``  the day's appointments (REM-04, REM-55): each with ``date``,
                           ``time``, ``provider``, ``facility``, ``type``, ``address``
``reminder``               ``kind``, ``days_before``, ``reply_mode`` (``confirm_cancel``,
                           ``confirm_only``, ``none``)
=========================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from domain.model import Appointment, Patient
from domain.reminders.model import Practice
from domain.template_library.formatting import formatted_moment
from domain.template_library.links import sign_link

__all__ = ["appointment_squigglies", "reminder_context"]


def appointment_squigglies(
    appointment: Appointment, practice: Practice, language: str
) -> dict[str, Any]:
    """The ``appointment`` squiggly of one appointment in its facility's zone."""
    facility = practice.facility(appointment.facility_id)
    provider = practice.provider(appointment.provider_id)
    kind = practice.kind(appointment.type_id)
    values: dict[str, Any] = {"id": appointment.id}
    values.update(formatted_moment(appointment.start, facility.timezone, language))
    values.update(
        duration_minutes=appointment.duration_minutes,
        type=kind.name if kind is not None else "",
        provider=provider.name,
        facility=facility.name,
        address=facility.address,
    )
    return values


def _instructions(appointment: Appointment, practice: Practice) -> str:
    kind = practice.kind(appointment.type_id)
    parts = [
        kind.special_instructions if kind is not None else "",
        practice.facility(appointment.facility_id).special_instructions,
        practice.provider(appointment.provider_id).special_instructions,
    ]
    return " ".join(part.strip() for part in parts if part.strip())


def reminder_context(
    *,
    appointment: Appointment,
    patient: Patient,
    practice: Practice,
    organization_name: str,
    organization_phone: str | None = None,
    day_list: Sequence[Appointment] = (),
    reminder: dict[str, Any] | None = None,
    reply_mode: str = "confirm_cancel",
    public_url: str = "",
    secret_key: str = "",
) -> dict[str, Any]:
    """The full rendering context of a message about ``appointment``.

    Args:
        appointment: the appointment.
        patient: its patient (language and names).
        practice: its facility, provider and type.
        organization_name: shown in signatures, HELP and opt-out texts.
        organization_phone: the organisation's phone number, if any.
        day_list: the appointments ``appointmentsListInDay`` lists (already filtered by
            REM-04/REM-55); empty means just this appointment.
        reminder: the outbox row's ``reminder`` facts (kind, slot, days before).
        reply_mode: how patients may answer (REM-02).
        public_url: ``CARELINE_PUBLIC_URL``; links are empty without it.
        secret_key: the key that signs links.
    """
    language = patient.preferred_language
    facility = practice.facility(appointment.facility_id)
    provider = practice.provider(appointment.provider_id)
    expires = appointment.end + timedelta(days=1)
    links = {"detail": "", "reschedule": ""}
    if public_url and secret_key:
        links = {
            purpose: sign_link(public_url, secret_key, purpose, appointment.id, expires)
            for purpose in links
        }
    listed = day_list or (appointment,)
    facts = dict(reminder or {})
    return {
        "patient": {
            "first_name": patient.first_name,
            "last_name": patient.last_name,
            "name": patient.display_name,
        },
        "appointment": appointment_squigglies(appointment, practice, language),
        "provider": {"name": provider.name, "title": provider.title},
        "facility": {
            "name": facility.name,
            "phone": facility.phone or organization_phone or "",
            "address": facility.address,
        },
        "organization": {"name": organization_name, "phone": organization_phone or ""},
        "special_instructions": _instructions(appointment, practice),
        "links": links,
        "appointmentsListInDay": [
            appointment_squigglies(item, practice, language) for item in listed
        ],
        "reminder": {
            "kind": str(facts.get("kind", "cadence")),
            "days_before": facts.get("days_before"),
            "reply_mode": reply_mode,
        },
    }
