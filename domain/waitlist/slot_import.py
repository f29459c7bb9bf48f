"""Openings published from a CSV file (the schedule's bulk route), checked line by line.

Columns (header row; case and spaces in names do not matter):

==================  ========  ========================================================
column              required  meaning
==================  ========  ========================================================
``facility``        yes       facility id or name
``provider``        yes       provider id or name
``type``            no        appointment type id or name
``start``           yes       ``YYYY-MM-DD HH:MM`` at the facility, or ISO 8601 with an
                              offset
``duration_minutes`` no       5-720 (default: the type's duration, else 30)
``double_booked``   no        yes/no (WL-08)
==================  ========  ========================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.errors import ValidationError
from domain.model import OpenSlot, new_id
from domain.waitlist._csv import FieldProblem, Problems, read_table, resolve

__all__ = ["SlotDirectory", "SlotLine", "SlotReport", "read_slots"]

_KNOWN = {"facility", "provider", "type", "start", "duration_minutes", "double_booked"}
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


@dataclass(frozen=True, slots=True)
class SlotDirectory:
    """Names to resolve: facilities (id → name) with their zones, providers, types with their
    durations."""

    facilities: Mapping[str, str] = field(default_factory=dict)
    zones: Mapping[str, str] = field(default_factory=dict)
    providers: Mapping[str, str] = field(default_factory=dict)
    types: Mapping[str, str] = field(default_factory=dict)
    durations: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SlotLine:
    line: int
    slot: OpenSlot | None
    problems: tuple[FieldProblem, ...] = ()


@dataclass(frozen=True, slots=True)
class SlotReport:
    lines: tuple[SlotLine, ...]
    problems: tuple[FieldProblem, ...] = ()

    @property
    def slots(self) -> list[OpenSlot]:
        return [line.slot for line in self.lines if line.slot is not None]

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": not self.problems and all(line.slot for line in self.lines),
            "accepted": len(self.slots),
            "rejected": sum(1 for line in self.lines if line.slot is None),
            "problems": [p.to_dict() for p in self.problems],
            "lines": [{"line": line.line, "ok": line.slot is not None,
                       "problems": [p.to_dict() for p in line.problems]}
                      for line in self.lines],
        }


def _start(raw: str, zone: str | None, now: datetime) -> datetime:
    if not raw:
        raise ValidationError("start", "is required")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError("start", "must be a time such as 2026-12-01 09:30") from None
    if value.utcoffset() is None:
        if zone is None:
            raise ValidationError("start", "needs a known facility to read a local time")
        value = value.replace(tzinfo=ZoneInfo(zone))
    if value <= now:
        raise ValidationError("start", "is in the past")
    return value


def _duration(raw: str, type_id: str | None, directory: SlotDirectory) -> int:
    if not raw:
        return directory.durations.get(type_id or "", 30)
    if not raw.isdigit() or not 5 <= int(raw) <= 720:
        raise ValidationError("duration_minutes", "must be a whole number from 5 to 720")
    return int(raw)


def _flag(raw: str) -> bool:
    value = raw.lower()
    if value not in _YES | _NO:
        raise ValidationError("double_booked", "must be yes or no")
    return value in _YES


def _line(number: int, row: Mapping[str, str], org_id: str, directory: SlotDirectory,
          now: datetime) -> SlotLine:
    problems = Problems()
    facility = problems.check(lambda: resolve("facility", row.get("facility", ""),
                                              directory.facilities))
    provider = problems.check(lambda: resolve("provider", row.get("provider", ""),
                                              directory.providers))
    if not row.get("facility"):
        problems.add("facility", "is required")
    if not row.get("provider"):
        problems.add("provider", "is required")
    kind = problems.check(lambda: resolve("type", row.get("type", ""), directory.types))
    zone = directory.zones.get(facility or "")
    start = problems.check(lambda: _start(row.get("start", ""), zone, now))
    minutes = problems.check(lambda: _duration(row.get("duration_minutes", ""), kind, directory))
    double = problems.check(lambda: _flag(row.get("double_booked", "")))
    if problems.found or not (facility and provider and start and minutes):
        return SlotLine(number, None, tuple(problems.found))
    slot = OpenSlot(id=new_id(), org_id=org_id, facility_id=facility, provider_id=provider,
                    type_id=kind, start=start, duration_minutes=minutes, source="schedule",
                    double_booked=bool(double), created_at=now)
    return SlotLine(number, slot)


def read_slots(data: bytes, *, org_id: str, directory: SlotDirectory,
               now: datetime) -> SlotReport:
    """Parse an uploaded CSV of openings for ``org_id``, with a report for every line."""
    table = read_table(data, known=_KNOWN, needs_one_of=("start",))
    lines = [
        SlotLine(number, None, (row,)) if isinstance(row, FieldProblem)
        else _line(number, row, org_id, directory, now)
        for number, row in table.rows
    ]
    return SlotReport(tuple(lines), () if table.problem is None else (table.problem,))
