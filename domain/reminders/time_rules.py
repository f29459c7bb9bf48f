"""The delivery rules as the reminder planner applies them (reusing ``domain.rules``).

The organisation's reminder settings decide two calendar switches for reminders -- send on
holidays (REM-11) and Sunday -> Saturday (REM-52) -- so the planner and the dispatcher must
judge reminders with the same policy: :func:`reminder_policy` aligns a delivery policy with
the reminder settings, and both should use it.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from domain.org_settings import ReminderSettings
from domain.rules import DecisionCode, DeliveryPolicy, MessageKind, SendWindowRules
from domain.rules import resolve_time_rules as _resolve

__all__ = [
    "RULE_OF_CODE",
    "local_instant",
    "reminder_policy",
    "reminder_rules",
]

RULE_OF_CODE: dict[DecisionCode, str] = {
    DecisionCode.HOLIDAY: "REM-11",
    DecisionCode.SUNDAY: "REM-52",
    DecisionCode.OUTSIDE_TEMPLATE_WINDOW: "REM-12",
    DecisionCode.OUTSIDE_WORKING_HOURS: "REM-09",
    DecisionCode.QUIET_HOURS: "REM-10",
}
"""The spec row behind each time-rule decision, for the timeline's notes."""


def reminder_policy(policy: DeliveryPolicy, settings: ReminderSettings) -> DeliveryPolicy:
    """``policy`` with the reminder calendar switches taken from ``settings``.

    Holidays: reminders avoid them (move earlier, else skip) unless ``send_on_holidays``
    (REM-11). Sundays: reminders avoid them -- moving to Saturday at the same time -- only with
    ``sunday_to_saturday`` (REM-52).
    """
    holiday_kinds = set(policy.holiday_kinds)
    sunday_kinds = set(policy.sunday_kinds)
    if settings.send_on_holidays:
        holiday_kinds.discard(MessageKind.REMINDER)
    else:
        holiday_kinds.add(MessageKind.REMINDER)
    if settings.sunday_to_saturday:
        sunday_kinds.add(MessageKind.REMINDER)
    else:
        sunday_kinds.discard(MessageKind.REMINDER)
    if holiday_kinds == policy.holiday_kinds and sunday_kinds == policy.sunday_kinds:
        return policy
    return dataclasses.replace(
        policy, holiday_kinds=frozenset(holiday_kinds), sunday_kinds=frozenset(sunday_kinds)
    )


_MEMO: dict[tuple[int, int, str, str], tuple[object, object, SendWindowRules]] = {}


def reminder_rules(
    policy: DeliveryPolicy, settings: ReminderSettings, zone: str, template_key: str
) -> SendWindowRules:
    """The time rules of a reminder using ``template_key`` to a recipient in ``zone``.

    Memoised by the identity of ``policy`` and ``settings`` (hashing a whole policy for every
    appointment of a large batch would cost more than planning it).
    """
    key = (id(policy), id(settings), zone, template_key)
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is policy and hit[1] is settings:
        return hit[2]
    rules = _resolve(reminder_policy(policy, settings), MessageKind.REMINDER, zone, template_key)
    assert rules is not None  # reminders always have time rules
    if len(_MEMO) > 4096:
        _MEMO.clear()
    _MEMO[key] = (policy, settings, rules)
    return rules


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_instant(day: date, moment: time, zone: str) -> datetime:
    """The UTC instant a clock in ``zone`` shows ``day`` at ``moment``.

    A repeated wall time (clocks fall back) gives its first occurrence; a skipped one (clocks
    spring forward) is read with the offset before the change, landing just after the jump.
    """
    return datetime.combine(day, moment, tzinfo=_zone(zone)).astimezone(UTC)
