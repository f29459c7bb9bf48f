"""Patients, their contact points, and do-not-contact entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from domain.errors import ValidationError
from domain.model import _validate as v
from domain.model.enums import ContactKind, ContactValidity, DncSource

__all__ = ["ContactPoint", "DncEntry", "Patient", "normalise_address"]


def normalise_address(kind: ContactKind, value: str, *, field_name: str = "value") -> str:
    """E.164 for numbers, lower-case domain for email; raises ValidationError otherwise."""
    if kind is ContactKind.EMAIL:
        return v.email(field_name, value)
    return v.phone(field_name, value)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactPoint:
    """One way to reach a patient. ``value`` is E.164 for sms/voice, an address for email."""

    kind: ContactKind
    value: str
    label: str = "mobile"
    validity: ContactValidity = ContactValidity.UNKNOWN
    validated_at: datetime | None = None
    active: bool = True
    preferred: bool = False

    def __post_init__(self) -> None:
        try:
            kind = ContactKind(self.kind)
        except ValueError:
            raise ValidationError("contact.kind", "must be sms, voice or email") from None
        object.__setattr__(self, "kind", kind)
        object.__setattr__(
            self, "value", normalise_address(kind, self.value, field_name="contact.value")
        )
        if self.label not in ("mobile", "home", "work", "other"):
            raise ValidationError("contact.label", "must be mobile, home, work or other")
        object.__setattr__(self, "validity", ContactValidity(self.validity))
        if self.validated_at is not None:
            v.aware("contact.validated_at", self.validated_at)

    @property
    def reachable(self) -> bool:
        """False when the carrier said the contact is invalid, or a landline for texts."""
        if self.validity is ContactValidity.INVALID:
            return False
        return not (self.kind is ContactKind.SMS and self.validity is ContactValidity.LANDLINE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Patient:
    id: str
    org_id: str
    first_name: str
    last_name: str
    date_of_birth: date | None = None
    mrn: str | None = None
    preferred_language: str = "en"
    contacts: tuple[ContactPoint, ...] = ()
    primary_facility_id: str | None = None
    placeholder: bool = False
    """True for a profile made for an unknown sender until staff identify them (HUB-14)."""

    def __post_init__(self) -> None:
        if self.placeholder:
            v.text("patient.first_name", self.first_name, max_length=100, required=False)
        else:
            object.__setattr__(
                self, "first_name", v.text("patient.first_name", self.first_name, max_length=100)
            )
            object.__setattr__(
                self, "last_name", v.text("patient.last_name", self.last_name, max_length=100)
            )
        if self.date_of_birth is not None:
            v.past_date("patient.date_of_birth", self.date_of_birth, today=date.today())
        if self.mrn is not None:
            v.text("patient.mrn", self.mrn, max_length=64)
        v.language("patient.preferred_language", self.preferred_language)
        object.__setattr__(self, "contacts", tuple(self.contacts))
        seen: set[tuple[ContactKind, str]] = set()
        for index, contact in enumerate(self.contacts):
            if not isinstance(contact, ContactPoint):
                raise ValidationError(f"patient.contacts[{index}]", "must be a contact point")
            key = (contact.kind, contact.value)
            if key in seen:
                raise ValidationError(
                    f"patient.contacts[{index}]", f"duplicate {contact.kind} contact"
                )
            seen.add(key)

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or "Unknown sender"

    def contacts_of(self, kind: ContactKind) -> tuple[ContactPoint, ...]:
        """Active contacts of one kind, preferred first."""
        found = [c for c in self.contacts if c.kind is kind and c.active]
        return tuple(sorted(found, key=lambda c: not c.preferred))


@dataclass(frozen=True, slots=True, kw_only=True)
class DncEntry:
    """An address Careline must never message (REM-36). ``careline_number`` is the number a
    patient opted out from: only a START to that same number lifts it (REM-38, REM-39)."""

    org_id: str
    address: str
    source: DncSource
    created_at: datetime
    careline_number: str | None = None
    note: str = ""
    added_by: str | None = None
    patient_id: str | None = field(default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", DncSource(self.source))
        v.aware("dnc.created_at", self.created_at)
        if not self.address:
            raise ValidationError("dnc.address", "is required")
