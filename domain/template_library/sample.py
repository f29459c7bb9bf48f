"""A made-up context with every squiggly, for previews and for checking a template before it is
saved: an unknown squiggly fails here, in front of staff, not when a patient's message renders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.model import Appointment, AppointmentType, Facility, Patient, Provider
from domain.reminders.model import Practice
from domain.template_library.context import appointment_squigglies, reminder_context

__all__ = ["sample_context"]

_ORG = "01SAMPLE00000000000000000A"


def sample_context(language: str = "en", *, public_url: str = "https://careline.example") -> (
    dict[str, Any]
):
    """Every squiggly of every stock template, filled with sample values in ``language``."""
    facility = Facility(id="01SAMPLEFACILITY0000000000", org_id=_ORG, name="Lakeside Clinic",
                        timezone="America/Chicago", phone="+13125550100",
                        address="250 Shore Drive, Chicago, IL 60601",
                        special_instructions="Please bring your insurance card.")
    provider = Provider(id="01SAMPLEPROVIDER0000000000", org_id=_ORG, name="Dr. Imani Brooks",
                        title="MD")
    kind = AppointmentType(id="01SAMPLETYPE00000000000000", org_id=_ORG, name="Follow-up")
    practice = Practice({facility.id: facility}, {provider.id: provider}, {kind.id: kind})
    start = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)
    appointment = Appointment(id="01SAMPLEAPPOINTMENT0000000", org_id=_ORG,
                              patient_id="01SAMPLEPATIENT00000000000", facility_id=facility.id,
                              provider_id=provider.id, type_id=kind.id, start=start,
                              duration_minutes=30, created_at=start - timedelta(days=20),
                              updated_at=start - timedelta(days=20))
    patient = Patient(id=appointment.patient_id, org_id=_ORG, first_name="Ana",
                      last_name="Ruiz", preferred_language=language)
    context = reminder_context(
        appointment=appointment, patient=patient, practice=practice,
        organization_name="Riverbend Health", organization_phone="+18885550100",
        reminder={"kind": "cadence", "days_before": 2}, public_url=public_url,
        secret_key="sample",
    )
    slot = appointment_squigglies(appointment, practice, language)
    return context | {
        "fee_notice": True,
        "slot": slot,
        "options": [
            {"number": 1, "date": slot["date"], "time": slot["time"], "provider": provider.name},
            {"number": 2, "date": slot["date"], "time": slot["time"], "provider": ""},
        ],
    }
