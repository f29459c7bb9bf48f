"""The reminder planner's rule: move earlier before the appointment, else skip (REM-11, REM-52)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from domain.errors import ValidationError
from domain.rules.inputs import DeliveryPolicy, MessageKind, TemplateWindow, TimeWindow
from domain.rules.send_window import (
    SendWindowRules,
    move_earlier_for_appointment,
    resolve_time_rules,
)
from tests.domain.rules.builders import CHICAGO, local

REMINDER_ON_SUNDAYS_MOVES = DeliveryPolicy(
    sunday_kinds=frozenset({MessageKind.BROADCAST, MessageKind.CUSTOM, MessageKind.REMINDER})
)


def reminder_rules(policy: DeliveryPolicy | None = None) -> SendWindowRules:
    policy = policy or DeliveryPolicy()
    resolved = resolve_time_rules(policy, MessageKind.REMINDER, CHICAGO, "reminder")
    assert resolved is not None
    return resolved


@pytest.mark.parametrize(
    ("policy", "at", "appointment", "expected"),
    [
        pytest.param(
            DeliveryPolicy(), (2026, 3, 10, 10, 0), (2026, 3, 12, 9, 0), (2026, 3, 10, 10, 0),
            id="allowed-time-is-kept",
        ),
        pytest.param(
            REMINDER_ON_SUNDAYS_MOVES, (2026, 3, 8, 10, 0), (2026, 3, 9, 9, 0),
            (2026, 3, 7, 10, 0), id="REM-52-sunday-to-saturday-same-wall-time-across-dst",
        ),
        pytest.param(
            DeliveryPolicy(), (2026, 3, 8, 10, 0), (2026, 3, 9, 9, 0), (2026, 3, 8, 10, 0),
            id="sundays-allowed-for-reminders-by-default",
        ),
        pytest.param(
            DeliveryPolicy(), (2026, 9, 7, 10, 0), (2026, 9, 8, 9, 0), (2026, 9, 6, 10, 0),
            id="labor-day-moves-to-sunday",
        ),
        pytest.param(
            REMINDER_ON_SUNDAYS_MOVES, (2026, 9, 7, 10, 0), (2026, 9, 8, 9, 0),
            (2026, 9, 5, 10, 0), id="labor-day-skips-sunday-to-saturday",
        ),
        pytest.param(
            DeliveryPolicy(), (2026, 11, 26, 22, 0), (2026, 11, 27, 9, 0), (2026, 11, 25, 20, 59),
            id="holiday-night-moves-to-last-minute-of-the-day-before",
        ),
        pytest.param(
            DeliveryPolicy(), (2026, 3, 10, 7, 30), (2026, 3, 10, 9, 30), (2026, 3, 10, 8, 0),
            id="early-morning-waits-for-opening-when-still-before-appointment",
        ),
        pytest.param(
            DeliveryPolicy(), (2026, 3, 10, 7, 30), (2026, 3, 10, 8, 0), (2026, 3, 9, 8, 0),
            id="opening-is-not-before-appointment-so-day-before",
        ),
        pytest.param(
            DeliveryPolicy(), (2026, 3, 10, 22, 0), (2026, 3, 11, 9, 0), (2026, 3, 10, 20, 59),
            id="late-evening-moves-earlier-that-evening",
        ),
    ],
)  # fmt: skip
def test_moves(
    policy: DeliveryPolicy,
    at: tuple[int, ...],
    appointment: tuple[int, ...],
    expected: tuple[int, ...],
) -> None:
    moved = move_earlier_for_appointment(
        local(CHICAGO, *at), local(CHICAGO, *appointment), reminder_rules(policy)
    )
    assert moved == local(CHICAGO, *expected).astimezone(UTC)


def test_skips_when_only_days_before_now_would_do() -> None:
    sunday = local(CHICAGO, 2026, 3, 8, 10, 0)
    rules = reminder_rules(REMINDER_ON_SUNDAYS_MOVES)
    saturday_evening = local(CHICAGO, 2026, 3, 7, 22, 0)
    assert (
        move_earlier_for_appointment(
            sunday, sunday + timedelta(days=1), rules, not_before=saturday_evening
        )
        is None
    )
    assert move_earlier_for_appointment(
        sunday, sunday + timedelta(days=1), rules, not_before=local(CHICAGO, 2026, 3, 7, 9, 0)
    ) == local(CHICAGO, 2026, 3, 7, 10, 0)


def test_planned_at_or_after_the_appointment_is_skipped() -> None:
    start = local(CHICAGO, 2026, 3, 10, 10, 0)
    assert move_earlier_for_appointment(start, start, reminder_rules()) is None
    assert move_earlier_for_appointment(start + timedelta(hours=1), start, reminder_rules()) is None


def test_max_days_earlier_bounds_the_search() -> None:
    wednesdays = TemplateWindow("reminder", frozenset({2}), TimeWindow(time(9), time(17)))
    rules = reminder_rules(DeliveryPolicy(template_windows=(wednesdays,)))
    monday = local(CHICAGO, 2026, 3, 16, 10, 0)
    tuesday = local(CHICAGO, 2026, 3, 17, 9, 0)
    assert move_earlier_for_appointment(monday, tuesday, rules) == local(
        CHICAGO, 2026, 3, 11, 10, 0
    )
    assert move_earlier_for_appointment(monday, tuesday, rules, max_days_earlier=3) is None
    with pytest.raises(ValidationError):
        move_earlier_for_appointment(monday, tuesday, rules, max_days_earlier=-1)


def test_result_is_utc() -> None:
    moved = move_earlier_for_appointment(
        local(CHICAGO, 2026, 3, 10, 10, 0), datetime(2026, 3, 12, tzinfo=UTC), reminder_rules()
    )
    assert moved is not None and moved.tzinfo is UTC
