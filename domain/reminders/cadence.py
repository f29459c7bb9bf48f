"""Placing the cadence reminders: N days before, at the send time, moved by the rules.

The placement depends only on the appointment's start, its facility's zone, the settings and
the time rules, so it is cached: a clinic's thousands of appointments share a few hundred
start times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.org_settings import ReminderSettings
from domain.reminders.model import RuleNote
from domain.reminders.time_rules import RULE_OF_CODE, local_instant
from domain.rules import SendWindowRules, move_earlier_for_appointment
from domain.rules.send_window import blocking_reason, describe_local

__all__ = ["Placement", "place_cadence"]

_FIRST_MOVE_LIMIT = 7
"""How many days the earliest cadence reminder may move back (REM-11)."""


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one cadence reminder lands; ``at`` is None when the rules skip it."""

    slot: str
    days_before: int
    original_at: datetime
    at: datetime | None
    notes: tuple[RuleNote, ...]


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


_MEMO: dict[tuple[datetime, int, int], tuple[object, object, tuple[Placement, ...]]] = {}


def place_cadence(
    start: datetime, settings: ReminderSettings, rules: SendWindowRules
) -> tuple[Placement, ...]:
    """Memoised :func:`_place_cadence` (by start and the identity of settings and rules)."""
    key = (start, id(settings), id(rules))
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is settings and hit[1] is rules:
        return hit[2]
    placed = _place_cadence(start, settings, rules)
    if len(_MEMO) > 200_000:
        _MEMO.clear()
    _MEMO[key] = (settings, rules, placed)
    return placed


def _place_cadence(
    start: datetime, settings: ReminderSettings, rules: SendWindowRules
) -> tuple[Placement, ...]:
    """The cadence reminders of an appointment starting at ``start`` (REM-01).

    Each goes ``days_before`` local days before the appointment's local date, at
    ``settings.send_time`` in the facility's zone (``rules.zone``). A time the rules do not
    allow moves to the nearest allowed time of that day, else to an earlier day -- never
    onto or before the day of the previous cadence reminder, so the reminders stay in order
    and the last one (the final reminder) is the latest -- else it is skipped (REM-09,
    REM-10, REM-11, REM-12, REM-52 via ``move_earlier_for_appointment``).

    Returns:
        One placement per cadence day, earliest first.
    """
    zone: ZoneInfo = rules.zone
    start_day = start.astimezone(zone).date()
    previous: tuple[int, date] | None = None
    placed: list[Placement] = []
    for days in sorted(settings.cadence_days, reverse=True):
        slot = f"c{days}"
        original = local_instant(start_day - timedelta(days=days), settings.send_time, zone.key)
        notes = [
            RuleNote(
                "REM-01",
                "placed",
                f"{_days(days)} before the appointment at {settings.send_time:%H:%M}: "
                f"{describe_local(original, zone)}",
            )
        ]
        if original >= start:
            notes.append(RuleNote("REM-01", "skipped", "its time is not before the appointment"))
            placed.append(Placement(slot, days, original, None, tuple(notes)))
            continue
        limit = _FIRST_MOVE_LIMIT
        if previous is not None:
            limit = max(0, (original.astimezone(zone).date() - previous[1]).days - 1)
        at = move_earlier_for_appointment(original, start, rules, max_days_earlier=limit)
        problem = blocking_reason(original, rules)
        if problem is not None:
            code, why = problem
            rule = RULE_OF_CODE.get(code, "REM-11")
            if at is None:
                where = (
                    f"and no allowed time after the {previous[0]}-day reminder"
                    if previous is not None
                    else "and no allowed time on an earlier day"
                )
                notes.append(RuleNote(rule, "skipped", f"{why}, {where}"))
            else:
                notes.append(RuleNote(rule, "moved", f"{why}; moved to {describe_local(at, zone)}"))
        if at is not None:
            previous = (days, at.astimezone(zone).date())
        placed.append(Placement(slot, days, original, at, tuple(notes)))
    return tuple(placed)
