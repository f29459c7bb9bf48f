"""Practice resources: facilities, providers, appointment types, and their feature switches."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.model import _validate as v

__all__ = ["AppointmentType", "Facility", "Provider", "ResourceFlags"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceFlags:
    """Per-resource feature switches (REM-55, RSC-05, waitlist per resource).

    A message about an appointment is allowed for a feature only if the appointment's facility,
    provider and type all have it enabled.
    """

    reminders: bool = True
    reschedule: bool = True
    waitlist: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class Facility:
    id: str
    org_id: str
    name: str
    timezone: str
    phone: str | None = None
    address: str = ""
    special_instructions: str = ""
    flags: ResourceFlags = field(default_factory=ResourceFlags)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", v.text("facility.name", self.name))
        v.zone("facility.timezone", self.timezone)
        if self.phone is not None:
            object.__setattr__(self, "phone", v.phone("facility.phone", self.phone))
        v.text("facility.address", self.address, max_length=500, required=False)
        v.text(
            "facility.special_instructions",
            self.special_instructions,
            max_length=1000,
            required=False,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Provider:
    id: str
    org_id: str
    name: str
    title: str = ""
    special_instructions: str = ""
    flags: ResourceFlags = field(default_factory=ResourceFlags)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", v.text("provider.name", self.name))
        v.text("provider.title", self.title, max_length=60, required=False)
        v.text(
            "provider.special_instructions",
            self.special_instructions,
            max_length=1000,
            required=False,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AppointmentType:
    id: str
    org_id: str
    name: str
    duration_minutes: int = 30
    hidden: bool = False
    special_instructions: str = ""
    flags: ResourceFlags = field(default_factory=ResourceFlags)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", v.text("appointment_type.name", self.name))
        v.positive_minutes("appointment_type.duration_minutes", self.duration_minutes, maximum=720)
        v.text(
            "appointment_type.special_instructions",
            self.special_instructions,
            max_length=1000,
            required=False,
        )
