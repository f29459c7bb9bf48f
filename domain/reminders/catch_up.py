"""Catch-up reminders (REM-42, REM-43, REM-61).

An appointment booked after its final cadence reminder's time gets one catch-up reminder so
the patient hears from the clinic at least once. It goes at the next catch-up time (9:00 or
18:00 local by default) after the booking that is before the appointment. A catch-up time
that falls outside the template's schedulable window drops the catch-up (REM-61 default);
with ``catch_up_in_schedulable_window`` the window's next opening is used instead. A time
blocked by other rules (holiday, Sunday, quiet or working hours) gives way to the next
catch-up time, since the catch-up cannot move earlier than the booking.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.org_settings import ReminderSettings
from domain.reminders.model import RuleNote
from domain.reminders.time_rules import RULE_OF_CODE, local_instant
from domain.rules import DecisionCode, SendWindowRules, defer_to_allowed
from domain.rules.send_window import blocking_reason, describe_local

__all__ = ["CatchUp", "catch_up_anchor", "catch_up_disabled_by", "place_catch_up"]


@dataclass(frozen=True, slots=True)
class CatchUp:
    """The catch-up's time (None: not sent) and the decisions that led there."""

    at: datetime | None
    notes: tuple[RuleNote, ...]


def catch_up_disabled_by(settings: ReminderSettings) -> RuleNote | None:
    """Why catch-ups are off for the organisation, or None when they are on."""
    if not settings.catch_up:
        return RuleNote("REM-42", "skipped", "catch-up reminders are turned off")
    if settings.forced_time and not settings.catch_up_when_forced:
        return RuleNote(
            "REM-43",
            "skipped",
            f"reminders are forced at {settings.send_time:%H:%M} and catch-ups are off",
        )
    return None


_HORIZON = 62
"""Days before the appointment a catch-up may be looked for (cadence days are at most 60)."""

_MEMO: dict[tuple[datetime, int, int], tuple[object, object, list[datetime]]] = {}
_PLACED: dict[tuple[datetime, datetime, int, int], tuple[object, object, CatchUp]] = {}


def _all_candidates(start: datetime, settings: ReminderSettings,
                    rules: SendWindowRules) -> list[datetime]:
    """Every catch-up time before ``start`` within the horizon, sorted (memoised)."""
    key = (start, id(settings), id(rules))
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is settings and hit[1] is rules:
        return hit[2]
    zone = rules.zone
    last = start.astimezone(zone).date()
    day = last - timedelta(days=_HORIZON)
    found: list[datetime] = []
    while day <= last:
        for moment in sorted(settings.catch_up_times):
            instant = local_instant(day, moment, zone.key)
            if instant < start:
                found.append(instant)
        day += timedelta(days=1)
    if len(_MEMO) > 100_000:
        _MEMO.clear()
        _PLACED.clear()
    _MEMO[key] = (settings, rules, found)
    return found


def place_catch_up(
    booked_at: datetime, start: datetime, settings: ReminderSettings, rules: SendWindowRules
) -> CatchUp:
    """When the catch-up reminder of an appointment booked at ``booked_at`` goes.

    Args:
        booked_at: when the appointment was booked (or moved to its start).
        start: the appointment's start.
        settings: the reminder settings (catch-up times, REM-61 switch).
        rules: the reminder's time rules in the facility's zone.

    Returns:
        The time (at most one catch-up) with the notes explaining it, or ``at=None``.
    """
    zone = rules.zone
    times = " and ".join(f"{t:%H:%M}" for t in sorted(settings.catch_up_times))
    if settings.catch_up_in_schedulable_window and rules.windows:
        at = defer_to_allowed(booked_at, rules)
        if at is not None and at < start:
            return CatchUp(at, (RuleNote(
                "REM-61", "placed",
                f"first time inside the template's schedulable window after booking: "
                f"{describe_local(at, zone)}",
            ),))
        return CatchUp(None, (RuleNote(
            "REM-61", "skipped", "the schedulable window has no time before the appointment"
        ),))
    candidates = _all_candidates(start, settings, rules)
    index = bisect.bisect_left(candidates, booked_at)
    # The result depends on the booking only through the first candidate after it.
    first = candidates[index] if index < len(candidates) else start
    key = (start, first, id(settings), id(rules))
    hit = _PLACED.get(key)
    if hit is not None and hit[0] is settings and hit[1] is rules:
        return hit[2]
    placed = _place(candidates[index:], start, times, rules)
    _PLACED[key] = (settings, rules, placed)
    return placed


def catch_up_anchor(
    booked_at: datetime, start: datetime, settings: ReminderSettings, rules: SendWindowRules
) -> datetime:
    """What :func:`place_catch_up` reads of ``booked_at``: the first catch-up time at or after
    the booking (``start`` when none is left). Two bookings with the same anchor get the same
    catch-up -- except in schedulable-window mode (``settings.catch_up_in_schedulable_window``
    with template windows), where the booking time itself is read."""
    candidates = _all_candidates(start, settings, rules)
    index = bisect.bisect_left(candidates, booked_at)
    return candidates[index] if index < len(candidates) else start


def _place(candidates: list[datetime], start: datetime, times: str,
           rules: SendWindowRules) -> CatchUp:
    zone = rules.zone
    notes: list[RuleNote] = []
    for candidate in candidates:
        problem = blocking_reason(candidate, rules)
        if problem is None:
            notes.append(RuleNote(
                "REM-42", "placed",
                f"next catch-up time ({times}) after booking: {describe_local(candidate, zone)}",
            ))
            return CatchUp(candidate, tuple(notes))
        code, why = problem
        if code is DecisionCode.OUTSIDE_TEMPLATE_WINDOW:
            notes.append(RuleNote(
                "REM-61", "skipped",
                f"{why}; a catch-up outside the schedulable window is not sent",
            ))
            return CatchUp(None, tuple(notes))
        notes.append(RuleNote(RULE_OF_CODE.get(code, "REM-42"), "moved", f"{why}; next time"))
    notes.append(RuleNote(
        "REM-42", "skipped", f"no catch-up time ({times}) left before the appointment"
    ))
    return CatchUp(None, tuple(notes))
