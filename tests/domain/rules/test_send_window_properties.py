"""Send-window properties over arbitrary instants, zones (all US zones and some odd ones,
DST transition days), hours, quiet periods, holiday calendars and template windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.rules.send_window import (
    SendWindowRules,
    blocking_reason,
    defer_to_allowed,
    is_allowed,
    move_earlier_for_appointment,
)
from tests.domain.rules.strategies import instants, oracle_allows, time_rules, us_zones

_TICK = timedelta(microseconds=1)


@settings(max_examples=200, deadline=None)
@given(at=instants, rules=time_rules())
def test_allowed_matches_a_plain_reading_of_the_rules(at: datetime, rules: SendWindowRules) -> None:
    assert is_allowed(at, rules) == oracle_allows(at, rules)
    assert (blocking_reason(at, rules) is None) == is_allowed(at, rules)


@settings(max_examples=200, deadline=None)
@given(at=instants, rules=time_rules(), fraction=st.floats(0, 1, exclude_max=True))
def test_deferral_is_the_earliest_allowed_moment(
    at: datetime, rules: SendWindowRules, fraction: float
) -> None:
    moved = defer_to_allowed(at, rules)
    if moved is None:  # only when the rules leave no time at all
        assert not any(oracle_allows(at + timedelta(hours=h), rules) for h in range(0, 24 * 21, 1))
        return
    assert moved >= at
    assert moved.tzinfo is UTC
    assert oracle_allows(moved, rules), "a deferred time is inside the allowed window"
    if moved > at:
        assert not oracle_allows(moved - _TICK, rules), "and nothing earlier was allowed"
        between = at + (moved - at) * fraction
        assert between >= moved or not oracle_allows(between, rules)
    else:
        assert oracle_allows(at, rules)


@settings(max_examples=200, deadline=None)
@given(
    at=instants,
    rules=time_rules(),
    lead=st.timedeltas(timedelta(minutes=1), timedelta(days=10)),
    floor_back=st.one_of(st.none(), st.timedeltas(timedelta(0), timedelta(days=5))),
)
def test_moved_reminder_is_allowed_and_before_the_appointment(
    at: datetime, rules: SendWindowRules, lead: timedelta, floor_back: timedelta | None
) -> None:
    appointment = at + lead
    not_before = None if floor_back is None else at - floor_back
    moved = move_earlier_for_appointment(at, appointment, rules, not_before=not_before)
    if moved is None:
        return
    assert moved < appointment, "never after (or at) the appointment"
    assert oracle_allows(moved, rules), "never on an avoided holiday, Sunday or quiet hour"
    assert not_before is None or moved >= not_before
    assert moved.astimezone(rules.zone).date() <= at.astimezone(rules.zone).date()
    if oracle_allows(at, rules) and (not_before is None or at >= not_before):
        assert moved == at


@settings(max_examples=200, deadline=None)
@given(
    zone=us_zones,
    day=st.dates(datetime(2025, 1, 5).date(), datetime(2029, 12, 30).date()).filter(
        lambda d: d.weekday() == 6
    ),
    minutes=st.integers(8 * 60, 21 * 60 - 1),
)
def test_sunday_reminder_goes_on_saturday_at_the_same_time(
    zone: object, day: object, minutes: int
) -> None:
    from datetime import date, time
    from zoneinfo import ZoneInfo

    from domain.rules.inputs import HolidayCalendar

    assert isinstance(zone, ZoneInfo) and isinstance(day, date)
    rules = SendWindowRules(zone=zone, avoid_sundays=True, avoid_holidays=True)
    saturday = day - timedelta(days=1)
    wall = time(minutes // 60, minutes % 60)
    at = datetime.combine(day, wall, zone)
    moved = move_earlier_for_appointment(at, at + timedelta(days=1), rules)
    assert moved is not None
    if HolidayCalendar().holiday_name(saturday) is None:
        assert moved.astimezone(zone).date() == saturday
        assert moved.astimezone(zone).time() == wall
    else:
        assert moved.astimezone(zone).date() < saturday
