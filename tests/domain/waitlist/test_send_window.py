"""When offers go out (WL-19, WL-22) on the facility's clock, quiet hours always respected."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import rules
from domain.org_settings import WaitlistSettings
from domain.waitlist import release_time

CHICAGO = ZoneInfo("America/Chicago")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in Chicago in November 2026 (the 16th is a Monday, the 21st a Saturday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=CHICAGO)


_RULES = rules.resolve_time_rules(
    rules.DeliveryPolicy(quiet_hours=(rules.QuietHours(time(12), time(13)),)),
    rules.MessageKind.WAITLIST, CHICAGO,
)
assert _RULES is not None
QUIET: rules.SendWindowRules = _RULES
"""Working hours 08:00-21:00 (the default) and a quiet lunch hour."""


@pytest.mark.parametrize(
    ("settings", "now", "expected"),
    [
        # WL-19 default: immediately.
        (WaitlistSettings(), local(18, 10), local(18, 10)),
        (WaitlistSettings(), local(21, 10), local(21, 10)),  # Saturday: weekends allowed
        # WL-22: no weekend offers -> Monday.
        (WaitlistSettings(weekends=False), local(21, 10), local(23, 0)),
        (WaitlistSettings(weekends=False), local(22, 23), local(23, 0)),
        (WaitlistSettings(weekends=False), local(20, 16), local(20, 16)),  # Friday
        # After business hours (17:00 by default).
        (WaitlistSettings(send_mode="after_business_hours"), local(18, 10), local(18, 17)),
        (WaitlistSettings(send_mode="after_business_hours"), local(18, 18), local(18, 18)),
        (WaitlistSettings(send_mode="after_business_hours", business_hours_end=time(16, 30)),
         local(18, 9), local(18, 16, 30)),
        # A daily start: 08:00 on weekdays, 10:00 on weekends by default; later in the day
        # an opening is offered at once.
        (WaitlistSettings(send_mode="fixed_time"), local(18, 7), local(18, 8)),
        (WaitlistSettings(send_mode="fixed_time"), local(18, 9), local(18, 9)),
        (WaitlistSettings(send_mode="fixed_time"), local(21, 9), local(21, 10)),  # Saturday
        (WaitlistSettings(send_mode="fixed_time"), local(22, 11), local(22, 11)),  # Sunday
        (WaitlistSettings(send_mode="fixed_time", weekends=False), local(21, 9), local(23, 8)),
        (WaitlistSettings(send_mode="fixed_time", weekday_time=time(7, 30)), local(18, 7),
         local(18, 7, 30)),
    ],
)
def test_send_modes(settings: WaitlistSettings, now: datetime, expected: datetime) -> None:
    assert release_time(now, CHICAGO, settings) == expected


@pytest.mark.parametrize(
    ("settings", "now", "expected"),
    [
        (WaitlistSettings(), local(18, 12, 15), local(18, 13)),  # quiet lunch hour
        (WaitlistSettings(), local(18, 22), local(19, 8)),  # after working hours
        (WaitlistSettings(weekends=False), local(20, 22), local(23, 8)),  # Fri night -> Mon
        # A fixed 07:00 time is before working hours: the offer waits until they start.
        (WaitlistSettings(send_mode="fixed_time", weekday_time=time(7)), local(18, 6),
         local(18, 8)),
    ],
)
def test_quiet_and_working_hours_always_apply(settings: WaitlistSettings, now: datetime,
                                              expected: datetime) -> None:
    assert release_time(now, CHICAGO, settings, QUIET) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                 timezones=st.just(UTC)),
    st.sampled_from(["immediately", "after_business_hours", "fixed_time"]),
    st.booleans(),
)
def test_the_release_time_is_never_earlier_and_always_allowed(
    now: datetime, mode: str, weekends: bool
) -> None:
    settings_ = WaitlistSettings(send_mode=mode, weekends=weekends)  # type: ignore[arg-type]
    released = release_time(now, CHICAGO, settings_, QUIET)
    assert released is not None
    assert released >= now
    assert released - now < timedelta(days=4)
    assert rules.is_allowed(released, QUIET)
    if not weekends:
        assert released.astimezone(CHICAGO).weekday() < 5
