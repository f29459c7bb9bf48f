"""The EHR port: appointment status changes go out through it, and EHR status codes come in
through the organisation's status-value mapping.

Spec: REM-68 (map EHR confirmed, cancelled, arrived and custom codes to Careline statuses),
REM-69 (the mapping runs on every sync), REM-70 (the value written for no-show cancellations),
REM-71..75 (codes read as confirmed, cancelled, no-show, deleted, unconfirmed; exact values
only, no descriptors in parentheses), REM-76 and REM-77 (the values written for cancelled and
confirmed appointments), SCH-48 (the value written for arrived), SCH-52 (confirmations may be
kept out of the EHR).

The embedded default has no EHR: :class:`EmbeddedEhr` accepts every push and does nothing.
:class:`RecordingEhr` is the in-memory twin tests use to see what would have been written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from domain.errors import ValidationError

__all__ = [
    "EhrPort",
    "EhrStatusMapping",
    "EmbeddedEhr",
    "InboundStatus",
    "RecordingEhr",
    "StatusChange",
    "StatusPush",
]


class StatusChange(StrEnum):
    """A change Careline makes to an appointment that the EHR should know about."""

    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"
    ARRIVED = "arrived"


class InboundStatus(StrEnum):
    """What an EHR status code means to Careline when it is read during sync."""

    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"
    DELETED = "deleted"
    UNCONFIRMED = "unconfirmed"
    ARRIVED = "arrived"


def _codes(name: str, values: frozenset[str]) -> frozenset[str]:
    cleaned: set[str] = set()
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(name, "codes must be non-empty text")
        code = value.strip()
        # REM-71: "Codes must be exact values, with no descriptors or notes in parentheses."
        if "(" in code or ")" in code:
            raise ValidationError(name, f"{code!r}: use the exact code, without notes in ()")
        cleaned.add(code)
    return frozenset(cleaned)


@dataclass(frozen=True, slots=True, kw_only=True)
class EhrStatusMapping:
    """The status-value rows of an EHR configuration.

    Inbound codes are compared exactly (after trimming spaces); a code listed under two
    meanings is refused. Push values are written as given.
    """

    confirmed_codes: frozenset[str] = frozenset()
    """REM-71."""
    cancelled_codes: frozenset[str] = frozenset()
    """REM-72."""
    noshow_codes: frozenset[str] = frozenset()
    """REM-73."""
    deleted_codes: frozenset[str] = frozenset()
    """REM-74."""
    unconfirmed_codes: frozenset[str] = frozenset()
    """REM-75."""
    arrived_codes: frozenset[str] = frozenset()
    """REM-68 (arrived)."""
    custom: Mapping[str, InboundStatus] = field(default_factory=dict)
    """REM-68: other EHR values and the Careline status each stands for."""
    push_confirmed: str = "confirmed"
    """REM-77."""
    push_cancelled: str = "cancelled"
    """REM-76."""
    push_noshow: str = "noshow"
    """REM-70."""
    push_arrived: str = "arrived"
    """SCH-48."""
    push_confirmations: bool = True
    """SCH-52: set False to keep patient confirmations out of the EHR."""

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for name in (
            "confirmed_codes", "cancelled_codes", "noshow_codes", "deleted_codes",
            "unconfirmed_codes", "arrived_codes",
        ):
            codes = _codes(name, frozenset(getattr(self, name)))
            object.__setattr__(self, name, codes)
            for code in codes:
                if code in seen:
                    raise ValidationError(name, f"{code!r} is also listed in {seen[code]}")
                seen[code] = name
        custom: dict[str, InboundStatus] = {}
        for code, meaning in dict(self.custom).items():
            (clean,) = _codes("custom", frozenset({code}))
            if clean in seen:
                raise ValidationError("custom", f"{clean!r} is also listed in {seen[clean]}")
            try:
                custom[clean] = InboundStatus(meaning)
            except ValueError:
                allowed = ", ".join(s.value for s in InboundStatus)
                raise ValidationError(f"custom.{clean}", f"must be one of {allowed}") from None
        object.__setattr__(self, "custom", custom)
        for name in ("push_confirmed", "push_cancelled", "push_noshow", "push_arrived"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(name, "must be the exact status value to write")

    def read(self, code: str) -> InboundStatus | None:
        """What an EHR status code means, or None for a code the mapping does not list."""
        wanted = code.strip()
        for status, codes in (
            (InboundStatus.CONFIRMED, self.confirmed_codes),
            (InboundStatus.CANCELLED, self.cancelled_codes),
            (InboundStatus.NOSHOW, self.noshow_codes),
            (InboundStatus.DELETED, self.deleted_codes),
            (InboundStatus.UNCONFIRMED, self.unconfirmed_codes),
            (InboundStatus.ARRIVED, self.arrived_codes),
        ):
            if wanted in codes:
                return status
        return self.custom.get(wanted)

    def push_value(self, change: StatusChange) -> str | None:
        """The exact value to write to the EHR for ``change``; None when nothing is written."""
        if change is StatusChange.CONFIRMED:
            return self.push_confirmed if self.push_confirmations else None
        return {
            StatusChange.CANCELLED: self.push_cancelled,
            StatusChange.NOSHOW: self.push_noshow,
            StatusChange.ARRIVED: self.push_arrived,
        }[change]

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> EhrStatusMapping:
        """Build a mapping from configuration; raises ValidationError naming the bad key."""
        known = {f for f in cls.__dataclass_fields__}
        for key in data:
            if key not in known:
                raise ValidationError(key, "is not a known EHR status setting")
        values: dict[str, object] = {}
        for key, value in data.items():
            if key.endswith("_codes"):
                if not isinstance(value, list | tuple | set | frozenset):
                    raise ValidationError(key, "must be a list of codes")
                values[key] = frozenset(value)
            elif key == "custom":
                if not isinstance(value, Mapping):
                    raise ValidationError(key, "must map EHR codes to Careline statuses")
                values[key] = dict(value)
            elif key == "push_confirmations":
                if not isinstance(value, bool):
                    raise ValidationError(key, "must be true or false")
                values[key] = value
            else:
                if not isinstance(value, str):
                    raise ValidationError(key, "must be text")
                values[key] = value
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusPush:
    """One status value to write to the EHR for one appointment."""

    org_id: str
    appointment_id: str
    ehr_id: str | None
    """The appointment's id in the EHR (None for appointments Careline created itself)."""
    change: StatusChange
    value: str
    """The exact value from the mapping."""
    at: datetime


class EhrPort(Protocol):
    mapping: EhrStatusMapping

    async def push_status(self, push: StatusPush) -> None:
        """Write an appointment status to the EHR.

        Called after Careline changed the appointment, inside the transaction that changed
        it; an implementation that talks to a remote EHR should queue the push rather than
        block. Raising makes the caller record the failure for staff; it never undoes the
        patient's change.
        """
        ...


@dataclass(slots=True)
class EmbeddedEhr:
    """No EHR: Careline is the system of record. Accepts every push and writes nothing."""

    mapping: EhrStatusMapping = field(default_factory=EhrStatusMapping)

    async def push_status(self, push: StatusPush) -> None:
        return None


@dataclass(slots=True)
class RecordingEhr:
    """The in-memory twin: keeps every push in order (tests, the simulator)."""

    mapping: EhrStatusMapping = field(default_factory=EhrStatusMapping)
    pushes: list[StatusPush] = field(default_factory=list)

    async def push_status(self, push: StatusPush) -> None:
        self.pushes.append(push)
