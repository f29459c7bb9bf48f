"""Bulk waitlist upload (WL-11): read a CSV file and report, line by line, what is wrong.

The file has a header row. Columns (case and spaces in names do not matter):

===================  =========  =====================================================
column               required   meaning
===================  =========  =====================================================
``mrn``              one of     the patient's medical record number
``patient_id``       the two    Careline's patient id
``facility``         no         facility id or name (default: any facility)
``provider``         no         provider id or name (default: any provider)
``type``             no         appointment type id or name (default: any type)
``duration_minutes`` no         5-720 (default: the organisation's, WL-28)
``expires_on``       no         ``YYYY-MM-DD``: the entry leaves the list that day
``note``             no         up to 500 characters, for staff
===================  =========  =====================================================

Nothing is stored unless the caller decides so: :func:`read_entries` only parses and checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from domain.errors import ValidationError
from domain.model import new_id
from domain.org_settings import WaitlistSettings
from domain.waitlist._csv import MAX_ROWS, FieldProblem, Problems, read_table, resolve
from domain.waitlist.model import EntrySource, WaitlistEntry
from domain.waitlist.removal import check_can_join

__all__ = ["MAX_ROWS", "Directory", "FieldProblem", "ImportReport", "LineResult", "read_entries"]

_Key = tuple[str, str | None, str | None, str | None]

_KNOWN = {"mrn", "patient_id", "facility", "provider", "type", "duration_minutes",
          "expires_on", "note"}


@dataclass(frozen=True, slots=True)
class Directory:
    """What the import resolves names against (loaded by the caller).

    Attributes:
        patients_by_mrn, patients_by_id: MRN → patient id, and the set of known ids.
        facilities, providers, types: id → name.
        with_future_appointment: patients having an active appointment ahead (WL-29).
        waiting: (patient, facility, provider, type) of active entries, to refuse duplicates.
        zone: the organisation's zone for ``expires_on`` (end of that day).
    """

    patients_by_mrn: Mapping[str, str] = field(default_factory=dict)
    patients_by_id: frozenset[str] = frozenset()
    facilities: Mapping[str, str] = field(default_factory=dict)
    providers: Mapping[str, str] = field(default_factory=dict)
    types: Mapping[str, str] = field(default_factory=dict)
    with_future_appointment: frozenset[str] = frozenset()
    waiting: frozenset[_Key] = frozenset()
    zone: str = "UTC"


@dataclass(frozen=True, slots=True)
class LineResult:
    """One data line: its number in the file (the header is line 1) and its outcome."""

    line: int
    entry: WaitlistEntry | None
    problems: tuple[FieldProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.entry is not None


@dataclass(frozen=True, slots=True)
class ImportReport:
    lines: tuple[LineResult, ...]
    problems: tuple[FieldProblem, ...] = ()
    """Problems with the file as a whole (encoding, header, size)."""

    @property
    def entries(self) -> list[WaitlistEntry]:
        return [line.entry for line in self.lines if line.entry is not None]

    @property
    def ok(self) -> bool:
        return not self.problems and all(line.ok for line in self.lines)

    def to_dict(self) -> dict[str, object]:
        """The JSON form of the report shown to staff."""
        return {
            "ok": self.ok,
            "accepted": len(self.entries),
            "rejected": sum(1 for line in self.lines if not line.ok),
            "problems": [p.to_dict() for p in self.problems],
            "lines": [
                {
                    "line": line.line,
                    "ok": line.ok,
                    "patient_id": line.entry.patient_id if line.entry else None,
                    "problems": [p.to_dict() for p in line.problems],
                }
                for line in self.lines
            ],
        }


def _patient(row: Mapping[str, str], directory: Directory) -> str:
    mrn, patient_id = row.get("mrn", ""), row.get("patient_id", "")
    if patient_id:
        if patient_id not in directory.patients_by_id:
            raise ValidationError("patient_id", f"unknown patient {patient_id!r}")
        return patient_id
    if not mrn:
        raise ValidationError("mrn", "an MRN or a patient_id is required")
    if mrn not in directory.patients_by_mrn:
        raise ValidationError("mrn", f"no patient has MRN {mrn!r}")
    return directory.patients_by_mrn[mrn]


def _duration(raw: str, settings: WaitlistSettings) -> int:
    if not raw:
        return settings.default_duration_minutes
    if not raw.isdigit() or not 5 <= int(raw) <= 720:
        raise ValidationError("duration_minutes", "must be a whole number from 5 to 720")
    return int(raw)


def _expiry(raw: str, zone: str, now: datetime) -> datetime | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValidationError("expires_on", "must be a date such as 2026-12-31") from None
    end = datetime.combine(day, time(23, 59), tzinfo=ZoneInfo(zone))
    if end <= now:
        raise ValidationError("expires_on", "is in the past")
    return end


def _line(
    number: int, row: Mapping[str, str], org_id: str, directory: Directory,
    settings: WaitlistSettings, now: datetime, seen: set[_Key],
) -> LineResult:
    problems = Problems()
    patient_id = problems.check(lambda: _patient(row, directory))
    facility = problems.check(lambda: resolve("facility", row.get("facility", ""),
                                               directory.facilities))
    provider = problems.check(lambda: resolve("provider", row.get("provider", ""),
                                               directory.providers))
    kind = problems.check(lambda: resolve("type", row.get("type", ""), directory.types))
    duration = problems.check(lambda: _duration(row.get("duration_minutes", ""), settings))
    expires = problems.check(lambda: _expiry(row.get("expires_on", ""), directory.zone, now))
    note = row.get("note", "")
    if len(note) > 500:
        problems.add("note", "is longer than 500 characters")
    if patient_id is not None:
        has_future = patient_id in directory.with_future_appointment
        problems.check(lambda: check_can_join(has_future_appointment=has_future,
                                              settings=settings))
        key = (patient_id, facility, provider, kind)
        if key in directory.waiting or key in seen:
            problems.add("patient", "is already waiting for this")
    if problems.found or patient_id is None or duration is None:
        return LineResult(number, None, tuple(problems.found))
    seen.add((patient_id, facility, provider, kind))
    entry = WaitlistEntry(
        id=new_id(), org_id=org_id, patient_id=patient_id, added_at=now, updated_at=now,
        facility_id=facility, provider_id=provider, type_id=kind, duration_minutes=duration,
        source=EntrySource.CSV, note=note, expires_at=expires,
    )
    return LineResult(number, entry)


def read_entries(
    data: bytes, *, org_id: str, directory: Directory, settings: WaitlistSettings,
    now: datetime,
) -> ImportReport:
    """Parse an uploaded CSV into entries for ``org_id``, with a report for every line.

    Never raises for bad content: every problem is in the report.
    """
    table = read_table(data, known=_KNOWN, needs_one_of=("mrn", "patient_id"))
    lines: list[LineResult] = []
    seen: set[_Key] = set()
    for number, row in table.rows:
        if isinstance(row, FieldProblem):
            lines.append(LineResult(number, None, (row,)))
        else:
            lines.append(_line(number, row, org_id, directory, settings, now, seen))
    problems = () if table.problem is None else (table.problem,)
    return ImportReport(tuple(lines), problems)
