"""Send window: hours, quiet hours, holidays, Sundays, template windows, DST (table-driven)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.errors import ValidationError
from domain.rules.decision import DecisionCode
from domain.rules.inputs import (
    DeliveryPolicy,
    HolidayCalendar,
    MessageKind,
    QuietHours,
    TemplateWindow,
    TimeWindow,
)
from domain.rules.send_window import (
    SendWindowRules,
    blocking_reason,
    check_send_window,
    defer_to_allowed,
    is_allowed,
    resolve_time_rules,
)
from tests.domain.rules.builders import CHICAGO, NEW_YORK, candidate, local

WEEKDAYS = frozenset(range(5))
DEFAULT = DeliveryPolicy()


def rules(kind: MessageKind, zone: ZoneInfo = CHICAGO, **policy: object) -> SendWindowRules:
    resolved = resolve_time_rules(DeliveryPolicy(**policy), kind, zone, "reminder")  # type: ignore[arg-type]
    assert resolved is not None
    return resolved


@pytest.mark.parametrize(
    ("kind", "at", "expected", "code"),
    [
        pytest.param(
            MessageKind.BROADCAST, local(CHICAGO, 2026, 3, 10, 10, 0), None, None,
            id="weekday-morning-allowed",
        ),
        pytest.param(
            MessageKind.BROADCAST, local(CHICAGO, 2026, 3, 10, 7, 59),
            local(CHICAGO, 2026, 3, 10, 8, 0), DecisionCode.OUTSIDE_WORKING_HOURS,
            id="before-8-waits-for-8",
        ),
        pytest.param(
            MessageKind.BROADCAST, local(CHICAGO, 2026, 3, 10, 21, 0),
            local(CHICAGO, 2026, 3, 11, 8, 0), DecisionCode.OUTSIDE_WORKING_HOURS,
            id="21h-is-already-quiet",
        ),
        pytest.param(
            MessageKind.BROADCAST, local(CHICAGO, 2026, 3, 7, 22, 0),
            local(CHICAGO, 2026, 3, 9, 8, 0), DecisionCode.OUTSIDE_WORKING_HOURS,
            id="saturday-night-broadcast-skips-dst-sunday",
        ),
        pytest.param(
            MessageKind.STAFF, local(CHICAGO, 2026, 3, 7, 22, 0),
            local(CHICAGO, 2026, 3, 8, 8, 0), DecisionCode.OUTSIDE_WORKING_HOURS,
            id="staff-message-may-go-on-sunday-morning",
        ),
        pytest.param(
            MessageKind.CUSTOM, local(CHICAGO, 2026, 11, 26, 10, 0),
            local(CHICAGO, 2026, 11, 27, 8, 0), DecisionCode.HOLIDAY,
            id="thanksgiving-custom-action-waits",
        ),
        pytest.param(
            MessageKind.CUSTOM, local(CHICAGO, 2026, 7, 3, 12, 0),
            local(CHICAGO, 2026, 7, 6, 8, 0), DecisionCode.HOLIDAY,
            id="observed-independence-day-then-holiday-saturday-then-sunday",
        ),
        pytest.param(
            MessageKind.WAITLIST, local(CHICAGO, 2026, 11, 26, 10, 0), None, None,
            id="waitlist-offer-goes-on-holidays",
        ),
        pytest.param(
            MessageKind.WAITLIST, local(CHICAGO, 2026, 3, 8, 23, 30),
            local(CHICAGO, 2026, 3, 9, 8, 0), DecisionCode.OUTSIDE_WORKING_HOURS,
            id="waitlist-offer-respects-quiet-night",
        ),
    ],
)  # fmt: skip
def test_default_policy(
    kind: MessageKind, at: datetime, expected: datetime | None, code: DecisionCode | None
) -> None:
    resolved = rules(kind)
    if expected is None:
        assert is_allowed(at, resolved)
        assert blocking_reason(at, resolved) is None
        assert defer_to_allowed(at, resolved) == at
    else:
        problem = blocking_reason(at, resolved)
        assert problem is not None and problem[0] is code
        assert defer_to_allowed(at, resolved) == expected.astimezone(UTC)


def test_subdivision_and_office_closures_are_holidays() -> None:
    california = rules(MessageKind.BROADCAST, holiday_calendar=HolidayCalendar(subdivision="CA"))
    day_after = local(CHICAGO, 2026, 11, 27, 9, 0)
    assert blocking_reason(day_after, california) == (
        DecisionCode.HOLIDAY,
        "Fri 27 Nov 2026 is a holiday (Day After Thanksgiving) in America/Chicago",
    )
    assert defer_to_allowed(day_after, california) == local(CHICAGO, 2026, 11, 28, 8, 0)
    closed = rules(
        MessageKind.BROADCAST,
        holiday_calendar=HolidayCalendar(extra_dates=frozenset({date(2026, 3, 10)})),
    )
    assert defer_to_allowed(local(CHICAGO, 2026, 3, 10, 9, 0), closed) == local(
        CHICAGO, 2026, 3, 11, 8, 0
    )


def test_reminders_on_holidays_can_be_enabled() -> None:
    enabled = rules(MessageKind.REMINDER, holiday_kinds=frozenset({MessageKind.BROADCAST}))
    assert is_allowed(local(CHICAGO, 2026, 11, 26, 10, 0), enabled)
    assert not is_allowed(local(CHICAGO, 2026, 11, 26, 10, 0), rules(MessageKind.REMINDER))


@pytest.mark.parametrize(
    ("quiet", "at", "expected"),
    [
        (QuietHours(time(12), time(13)), (2026, 3, 10, 12, 30), (2026, 3, 10, 13, 0)),
        (QuietHours(time(20), time(9)), (2026, 3, 10, 8, 30), (2026, 3, 10, 9, 0)),
        (QuietHours(time(20), time(9)), (2026, 3, 10, 20, 0), (2026, 3, 11, 9, 0)),
        (QuietHours(time(20), time(9)), (2026, 3, 10, 19, 59), None),
    ],
)
def test_quiet_hours(
    quiet: QuietHours, at: tuple[int, ...], expected: tuple[int, ...] | None
) -> None:
    resolved = rules(MessageKind.REMINDER, quiet_hours=(quiet,))
    moment = local(CHICAGO, *at)
    if expected is None:
        assert is_allowed(moment, resolved)
    else:
        problem = blocking_reason(moment, resolved)
        assert problem is not None and problem[0] is DecisionCode.QUIET_HOURS
        assert defer_to_allowed(moment, resolved) == local(CHICAGO, *expected)


def test_template_window_defers_to_the_next_window() -> None:
    window = TemplateWindow("reminder", WEEKDAYS, TimeWindow(time(9), time(17)))
    resolved = rules(MessageKind.REMINDER, template_windows=(window,))
    friday_evening = local(CHICAGO, 2026, 3, 13, 17, 30)
    problem = blocking_reason(friday_evening, resolved)
    assert problem is not None and problem[0] is DecisionCode.OUTSIDE_TEMPLATE_WINDOW
    assert defer_to_allowed(friday_evening, resolved) == local(CHICAGO, 2026, 3, 16, 9, 0)
    other = resolve_time_rules(
        DeliveryPolicy(template_windows=(window,)), MessageKind.REMINDER, CHICAGO, "other"
    )
    assert other is not None and is_allowed(friday_evening.replace(hour=18), other)


def test_recipient_zone_beats_facility_zone() -> None:
    nine_in_new_york = local(NEW_YORK, 2026, 3, 10, 9, 0)
    patient_in_la = candidate(
        facility_zone="America/New_York", recipient_zone="America/Los_Angeles"
    )
    decision = check_send_window(patient_in_la, DEFAULT, nine_in_new_york)
    assert decision.deferred
    assert decision.deferred_until == local(ZoneInfo("America/Los_Angeles"), 2026, 3, 10, 8, 0)
    assert "America/Los_Angeles" in decision.reason
    assert check_send_window(
        candidate(facility_zone="America/New_York"), DEFAULT, nine_in_new_york
    ).allowed


def test_spring_forward_opens_at_the_jump() -> None:
    resolved = rules(MessageKind.STAFF, NEW_YORK, working_hours=TimeWindow(time(2, 30), time(4)))
    moved = defer_to_allowed(local(NEW_YORK, 2026, 3, 8, 1, 0), resolved)
    assert moved == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT, the jump itself
    assert is_allowed(moved, resolved)


def test_fall_back_repeated_hour_is_judged_by_the_clock() -> None:
    resolved = rules(
        MessageKind.STAFF, NEW_YORK, working_hours=TimeWindow(time(1, 15), time(1, 45))
    )
    first_pass_late = local(NEW_YORK, 2026, 11, 1, 1, 50)  # 01:50 EDT
    # second pass: 01:15 EST (ambiguous local times compare unequal across zones, PEP 495)
    moved = defer_to_allowed(first_pass_late, resolved)
    assert moved == local(NEW_YORK, 2026, 11, 1, 1, 15, fold=1).astimezone(UTC)
    assert moved == datetime(2026, 11, 1, 6, 15, tzinfo=UTC)
    assert is_allowed(local(NEW_YORK, 2026, 11, 1, 1, 30, fold=0), resolved)
    assert is_allowed(local(NEW_YORK, 2026, 11, 1, 1, 30, fold=1), resolved)


def test_midnight_that_never_happens_in_havana() -> None:
    havana = ZoneInfo("America/Havana")
    resolved = rules(
        MessageKind.STAFF,
        havana,
        working_hours=TimeWindow(time(0), time(0)),
        quiet_hours=(QuietHours(time(22), time(0, 30)),),
    )
    # 2026-03-08 00:00-01:00 does not exist in Havana; 00:30 opens when the clock jumps.
    moved = defer_to_allowed(local(havana, 2026, 3, 7, 23, 0), resolved)
    assert moved == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    assert moved.astimezone(havana).time() == time(1, 0)


def test_transactional_and_skipping_custom_actions_have_no_time_rules() -> None:
    assert resolve_time_rules(DEFAULT, MessageKind.TRANSACTIONAL, CHICAGO) is None
    assert (
        resolve_time_rules(DEFAULT, MessageKind.CUSTOM, CHICAGO, skip_delivery_rules=True) is None
    )
    at_three = local(CHICAGO, 2026, 3, 8, 3, 0)
    assert check_send_window(candidate(kind=MessageKind.TRANSACTIONAL), DEFAULT, at_three).allowed
    skipping = candidate(kind=MessageKind.CUSTOM, skip_delivery_rules=True)
    assert check_send_window(skipping, DEFAULT, at_three).allowed


def test_no_allowed_time_at_all_blocks() -> None:
    only_sundays = TemplateWindow("reminder", frozenset({6}), TimeWindow(time(9), time(17)))
    policy = DeliveryPolicy(template_windows=(only_sundays,))
    decision = check_send_window(
        candidate(kind=MessageKind.BROADCAST), policy, local(CHICAGO, 2026, 3, 10, 10, 0)
    )
    assert decision.blocked and decision.code is DecisionCode.NO_ALLOWED_TIME


def test_deferral_reason_names_the_rule_and_the_local_time() -> None:
    decision = check_send_window(
        candidate(kind=MessageKind.BROADCAST), DEFAULT, local(CHICAGO, 2026, 3, 7, 22, 0)
    )
    assert decision.code is DecisionCode.OUTSIDE_WORKING_HOURS
    assert decision.reason == (
        "22:00 in America/Chicago is outside sending hours 08:00-21:00; "
        "waits until Mon 09 Mar 2026 08:00 CDT (America/Chicago)"
    )
    assert decision.deferred_until is not None and decision.deferred_until.tzinfo is UTC


def test_unknown_zone_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as error:
        resolve_time_rules(DEFAULT, MessageKind.REMINDER, "Mars/Olympus_Mons")
    assert error.value.field == "zone"


def test_deferral_is_at_most_a_few_days_away_with_defaults() -> None:
    start = datetime(2026, 12, 24, 20, 59, tzinfo=UTC)
    moved = defer_to_allowed(start, rules(MessageKind.BROADCAST))
    assert moved is not None and moved - start < timedelta(days=4)
