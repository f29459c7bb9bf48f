"""Small builders for rule inputs: a plausible message with overridable facts."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.rules.inputs import Candidate, Channel, MessageKind

PATIENT_PHONE = "+12025550143"
OTHER_PHONE = "+12025550178"
CLINIC_NUMBER = "+13125550100"
OTHER_CLINIC_NUMBER = "+13125550199"
PATIENT_EMAIL = "ana.ruiz@example.org"

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")


def local(zone: ZoneInfo, *parts: int, fold: int = 0) -> datetime:
    """An aware datetime from local wall-clock parts (year, month, day, hour, minute)."""
    year, month, day, hour, minute = parts
    return datetime(year, month, day, hour, minute, tzinfo=zone, fold=fold)


def candidate(**overrides: Any) -> Candidate:
    """A reminder by SMS to a patient in Chicago, with any field overridden."""
    facts: dict[str, Any] = {
        "channel": Channel.SMS,
        "address": PATIENT_PHONE,
        "kind": MessageKind.REMINDER,
        "body": "Hi Ana, see you Tuesday at 9:30 at Lakeside Clinic. Reply C to confirm.",
        "facility_zone": "America/Chicago",
        "template_key": "reminder",
        "patient_first_name": "Ana",
        "from_number": CLINIC_NUMBER,
    }
    facts.update(overrides)
    return Candidate(**facts)
