"""What the dispatcher renders a reminder row with: the squigglies loaded fresh at send time.

Reminder rows keep references only (``appointment_id`` and the reminder's kind); the
patient's name, language and the appointment details are read again just before sending
(REM-62), so an edit made after planning is never sent stale.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import OutboxMessage
from domain.reminders import appointments_list_in_day, first_of_day, same_day_group
from domain.storage.repositories import (
    AppointmentRepository,
    PatientRepository,
    PracticeRepository,
)
from domain.template_library import reminder_context
from gateway.reminders.loading import load_practice

__all__ = ["template_context"]


async def template_context(
    conn: AsyncConnection, message: OutboxMessage, *, public_url: str = "", secret_key: str = ""
) -> dict[str, Any]:
    """The rendering context of an outbox row.

    For a row about an appointment (``context["appointment_id"]``) the full appointment
    squigglies are loaded and merged under the row's own context; any other row's context is
    returned as stored.

    Raises:
        NotFound: the appointment or patient no longer exists.
    """
    stored = dict(message.context)
    appointment_id = stored.get("appointment_id")
    if not isinstance(appointment_id, str):
        return stored
    appointments = AppointmentRepository(conn)
    appointment = await appointments.get(appointment_id)
    org = await PracticeRepository(conn).organization(appointment.org_id)
    patient = await PatientRepository(conn).get(appointment.patient_id)
    practice = await load_practice(conn, appointment.org_id)
    settings = org.settings.reminders
    zone = practice.facility(appointment.facility_id).timezone
    others = await appointments.for_patient(
        patient.id, start_from=appointment.start - timedelta(days=1), active_only=True)
    group = same_day_group(appointment, others, zone)
    day_list: tuple[Any, ...] = (appointment,)
    if settings.multi_appointment_day == "first" and first_of_day(group, practice) == appointment:
        day_list = appointments_list_in_day(group, practice, settings) or (appointment,)
    reminder = stored.get("reminder") if isinstance(stored.get("reminder"), dict) else None
    context = reminder_context(
        appointment=appointment, patient=patient, practice=practice,
        organization_name=org.name, organization_phone=org.phone, day_list=day_list,
        reminder=reminder, reply_mode=org.settings.replies.mode,
        public_url=public_url, secret_key=secret_key,
    )
    return context | {k: v for k, v in stored.items() if k not in ("reminder",)}
