"""Hypothesis strategies and an independent oracle for the delivery-rule property tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from domain.rules.inputs import (
    DeliveryPolicy,
    HolidayCalendar,
    MessageKind,
    QuietHours,
    TemplateWindow,
    TimeWindow,
)
from domain.rules.send_window import SendWindowRules

# Every zone of the United States in tzdata's zone.tab ...
US_ZONES = (
    "America/New_York", "America/Detroit", "America/Kentucky/Louisville",
    "America/Kentucky/Monticello", "America/Indiana/Indianapolis", "America/Indiana/Vincennes",
    "America/Indiana/Winamac", "America/Indiana/Marengo", "America/Indiana/Petersburg",
    "America/Indiana/Vevay", "America/Chicago", "America/Indiana/Tell_City",
    "America/Indiana/Knox", "America/Menominee", "America/North_Dakota/Center",
    "America/North_Dakota/New_Salem", "America/North_Dakota/Beulah", "America/Denver",
    "America/Boise", "America/Phoenix", "America/Los_Angeles", "America/Anchorage",
    "America/Juneau", "America/Sitka", "America/Metlakatla", "America/Yakutat", "America/Nome",
    "America/Adak", "Pacific/Honolulu",
)  # fmt: skip
# ... plus territories and zones with unusual transitions: at midnight (Havana, Santiago),
# 30-minute DST (Lord Howe), Ramadan DST (Casablanca), :45 offsets (Chatham), no DST.
OTHER_ZONES = (
    "America/Puerto_Rico", "Pacific/Guam", "Europe/London", "Europe/Berlin",
    "Australia/Lord_Howe", "America/Santiago", "America/Havana", "Asia/Kolkata",
    "America/St_Johns", "Pacific/Chatham", "Africa/Casablanca", "UTC",
)  # fmt: skip
ZONES = US_ZONES + OTHER_ZONES

# Transition days: US 2026-03-08 and 2026-11-01, EU, Chile, Lord Howe, Havana, Casablanca.
TRANSITION_DAYS = (
    date(2026, 3, 8), date(2026, 11, 1), date(2026, 3, 29), date(2026, 10, 25),
    date(2026, 4, 5), date(2026, 9, 6), date(2026, 3, 7), date(2026, 2, 15), date(2026, 3, 22),
    date(2026, 10, 4),
)  # fmt: skip

zones = st.sampled_from(ZONES).map(ZoneInfo)
us_zones = st.sampled_from(US_ZONES).map(ZoneInfo)

_generic_instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(UTC)
)
_near_transitions = st.builds(
    lambda day, seconds: datetime.combine(day, time(), UTC) + timedelta(seconds=seconds),
    st.sampled_from(TRANSITION_DAYS),
    st.integers(min_value=-36 * 3600, max_value=60 * 3600),
)
instants = st.one_of(_generic_instants, _near_transitions)
"""Aware UTC datetimes, a good share of them within a day or two of a DST transition."""

_quarter_hours = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@st.composite
def working_hours(draw: st.DrawFn) -> TimeWindow:
    start = draw(st.integers(0, 22))
    end = draw(st.integers(start + 1, 24))
    return TimeWindow(time(start, draw(st.sampled_from([0, 30]))), time(end % 24))


@st.composite
def quiet_hours(draw: st.DrawFn) -> QuietHours:
    start, end = draw(_quarter_hours), draw(_quarter_hours)
    if start == end:
        end = time((start.hour + 1) % 24, start.minute)
    return QuietHours(start, end)


calendars = st.builds(
    HolidayCalendar,
    country=st.just("US"),
    subdivision=st.sampled_from([None, "CA", "NY", "TX", "HI"]),
    extra_dates=st.frozensets(st.dates(date(2025, 1, 1), date(2029, 12, 31)), max_size=3),
)
_calendar_kinds = st.frozensets(
    st.sampled_from([k for k in MessageKind if k is not MessageKind.TRANSACTIONAL])
)


@st.composite
def template_windows(draw: st.DrawFn, template_key: str = "reminder") -> TemplateWindow:
    start = draw(st.integers(0, 22))
    end = draw(st.integers(start + 1, 24))
    return TemplateWindow(
        template_key,
        draw(st.frozensets(st.integers(0, 6), min_size=1)),
        TimeWindow(time(start), time(end % 24)),
    )


@st.composite
def policies(draw: st.DrawFn) -> DeliveryPolicy:
    """Delivery policies with arbitrary hours, quiet periods, calendars and windows."""
    return DeliveryPolicy(
        working_hours=draw(st.one_of(st.just(TimeWindow(time(8), time(21))), working_hours())),
        quiet_hours=tuple(draw(st.lists(quiet_hours(), max_size=2))),
        holiday_calendar=draw(calendars),
        holiday_kinds=draw(_calendar_kinds),
        sunday_kinds=draw(_calendar_kinds),
        template_windows=tuple(draw(st.lists(template_windows(), max_size=2))),
    )


@st.composite
def time_rules(
    draw: st.DrawFn, zone_strategy: st.SearchStrategy[ZoneInfo] = zones
) -> SendWindowRules:
    """Resolved rules for one message: any zone, hours, quiet periods, calendar, windows."""
    policy = draw(policies())
    return SendWindowRules(
        zone=draw(zone_strategy),
        working_hours=policy.working_hours,
        quiet_hours=policy.quiet_hours,
        windows=policy.template_windows,
        calendar=policy.holiday_calendar,
        avoid_holidays=draw(st.booleans()),
        avoid_sundays=draw(st.booleans()),
    )


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def oracle_allows(at: datetime, rules: SendWindowRules) -> bool:
    """A deliberately plain re-statement of the rules, to check ``is_allowed`` against."""
    local = at.astimezone(rules.zone)
    minute = local.hour * 60 + local.minute + local.second / 60 + local.microsecond / 6e7
    if rules.avoid_sundays and local.weekday() == 6:
        return False
    if rules.avoid_holidays and rules.calendar.holiday_name(local.date()) is not None:
        return False
    end = _minutes(rules.working_hours.end) or 24 * 60
    if not _minutes(rules.working_hours.start) <= minute < end:
        return False
    for quiet in rules.quiet_hours:
        start, stop = _minutes(quiet.start), _minutes(quiet.end)
        inside = start <= minute < stop if start < stop else minute >= start or minute < stop
        if inside:
            return False
    if rules.windows:
        return any(
            local.weekday() in w.weekdays
            and _minutes(w.hours.start) <= minute < (_minutes(w.hours.end) or 24 * 60)
            for w in rules.windows
        )
    return True
