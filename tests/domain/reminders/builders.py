"""Builders for planner inputs: one patient, one facility per zone, overridable settings."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.model import (
    Appointment,
    AppointmentType,
    ContactKind,
    ContactPoint,
    Facility,
    Patient,
    Provider,
    ResourceFlags,
)
from domain.org_settings import ReminderSettings
from domain.reminders import PlanRequest, Practice
from domain.rules import DeliveryPolicy

ORG = "01ORG0000000000000000000AA"
PATIENT = "01PAT0000000000000000000AA"
PROVIDER = "01PRV0000000000000000000AA"
TYPE = "01TYP0000000000000000000AA"
PHONE = "+12025550143"
EMAIL = "ana.ruiz@example.org"

ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
)


def facility_id(zone: str) -> str:
    return ("01FAC" + zone.replace("/", "").replace("_", "").upper() + "0" * 26)[:26]


def practice(
    *, facility_flags: ResourceFlags | None = None, provider_flags: ResourceFlags | None = None,
    type_flags: ResourceFlags | None = None, hidden: bool = False,
) -> Practice:
    facilities = {
        facility_id(zone): Facility(
            id=facility_id(zone), org_id=ORG, name=f"Clinic {zone.split('/')[-1]}",
            timezone=zone, phone="+13125550100", address="1 Main Street",
            flags=facility_flags or ResourceFlags(),
        )
        for zone in ZONES
    }
    provider = Provider(id=PROVIDER, org_id=ORG, name="Dr. Imani Brooks",
                        flags=provider_flags or ResourceFlags())
    kind = AppointmentType(id=TYPE, org_id=ORG, name="Follow-up", hidden=hidden,
                           flags=type_flags or ResourceFlags())
    return Practice(facilities, {PROVIDER: provider}, {TYPE: kind})


def local(zone: str, *parts: int) -> datetime:
    """Aware UTC datetime of a local wall time (year, month, day, hour, minute)."""
    year, month, day, hour, minute = parts
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def patient(*contacts: ContactPoint, language: str = "en") -> Patient:
    if not contacts:
        contacts = (ContactPoint(kind=ContactKind.SMS, value=PHONE, preferred=True),)
    return Patient(id=PATIENT, org_id=ORG, first_name="Ana", last_name="Ruiz",
                   preferred_language=language, contacts=contacts)


def appointment(start: datetime, zone: str = "America/Chicago", *, booked: datetime | None = None,
                ident: str = "01APT0000000000000000000AA", **fields: Any) -> Appointment:
    created = booked or start - timedelta(days=30)
    values: dict[str, Any] = {
        "id": ident, "org_id": ORG, "patient_id": PATIENT, "facility_id": facility_id(zone),
        "provider_id": PROVIDER, "type_id": TYPE, "start": start, "duration_minutes": 30,
        "created_at": created, "updated_at": created,
    }
    values.update(fields)
    return Appointment(**values)


def request(
    appt: Appointment, *, now: datetime | None = None, settings: dict[str, Any] | None = None,
    policy: DeliveryPolicy | None = None, who: Patient | None = None,
    where: Practice | None = None, **extra: Any,
) -> PlanRequest:
    base = ReminderSettings()
    if settings:
        values = {k: (time.fromisoformat(v) if k == "send_time" else v)
                  for k, v in settings.items()}
        base = dataclasses.replace(base, **values)
    return PlanRequest(
        appointment=appt, patient=who or patient(), practice=where or practice(),
        settings=base, policy=policy or DeliveryPolicy(), now=now or appt.created_at, **extra,
    )
