"""When a message may go: working hours, quiet hours, holidays, Sundays, template windows.

Everything is judged on the recipient's local clock (the patient's IANA zone, else the
facility's) and every returned time is an aware UTC datetime.

Which rules apply depends on the message kind (:func:`resolve_time_rules`):

=============  ============  =====================  ============================
kind           hours         holidays / Sundays     source
=============  ============  =====================  ============================
reminder       yes           yes / no (default;     REM-09, REM-10, REM-11, REM-52
                             REM-52 adds Sundays)
broadcast      yes           yes / yes (default)    Cross-cutting "Quiet hours",
                                                    "Holidays", "Sundays" (our choice)
custom         yes, unless   yes / yes (default)    CUS-06 (``skip_delivery_rules``
               skipped                              ignores all of these)
waitlist       yes           no / no (default)      WL-19
staff          yes           no / no (default)      staff chose to write today
transactional  no            no / no                a reply to a patient who just
                                                    wrote is expected at any hour
=============  ============  =====================  ============================

"Hours" means: inside the working hours (REM-09, default 08:00-21:00, the TCPA-safe window),
outside every quiet period (REM-10) and, for a template with schedulable windows, inside one
of them (REM-12). Two ways to handle a blocked time:

* :func:`defer_to_allowed` -- wait for the next allowed local time (send-time deferral of
  broadcasts, custom actions (CUS-06), waitlist and staff messages, and late reminders);
* :func:`move_earlier_for_appointment` -- for the reminder planner: same day or an earlier
  day before the appointment, else skip (REM-11; REM-52 Sunday -> Saturday, same time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from domain.errors import ValidationError
from domain.rules._local_time import instant_of_wall, next_offset_change, to_utc, wall_clock
from domain.rules.decision import DecisionCode, RuleDecision
from domain.rules.inputs import (
    Candidate,
    DeliveryPolicy,
    HolidayCalendar,
    MessageKind,
    QuietHours,
    TemplateWindow,
    TimeWindow,
)

__all__ = [
    "SendWindowRules",
    "blocking_reason",
    "check_send_window",
    "defer_to_allowed",
    "describe_local",
    "is_allowed",
    "move_earlier_for_appointment",
    "resolve_time_rules",
]

_DAY = timedelta(days=1)
_MINUTE = timedelta(minutes=1)
_HORIZON = timedelta(days=400)
_Span = tuple[timedelta, timedelta]


@dataclass(frozen=True, slots=True)
class SendWindowRules:
    """The time rules for one message, resolved from the policy (see module table)."""

    zone: ZoneInfo
    working_hours: TimeWindow = field(default_factory=lambda: TimeWindow(time(8), time(21)))
    quiet_hours: tuple[QuietHours, ...] = ()
    windows: tuple[TemplateWindow, ...] = ()
    calendar: HolidayCalendar = field(default_factory=HolidayCalendar)
    avoid_holidays: bool = False
    avoid_sundays: bool = False


def resolve_time_rules(
    policy: DeliveryPolicy,
    kind: MessageKind,
    zone: str | ZoneInfo,
    template_key: str | None = None,
    *,
    skip_delivery_rules: bool = False,
) -> SendWindowRules | None:
    """The time rules for a message of ``kind`` to a recipient in ``zone``.

    Args:
        policy: the organisation's delivery policy.
        kind: the message kind.
        zone: the recipient's IANA zone (the patient's, else the facility's).
        template_key: the template, for its schedulable windows (REM-12).
        skip_delivery_rules: a custom action set to ignore delivery rules (CUS-06).

    Returns:
        The rules, or ``None`` when no time rule applies (transactional messages, custom
        actions that skip delivery rules).

    Raises:
        ValidationError: ``zone`` is not a known IANA zone.
    """
    if kind is MessageKind.TRANSACTIONAL:
        return None
    if skip_delivery_rules and kind is MessageKind.CUSTOM:
        return None
    if not isinstance(zone, ZoneInfo):
        try:
            zone = ZoneInfo(zone)
        except (ValueError, LookupError):
            raise ValidationError("zone", f"unknown time zone {zone!r}") from None
    return SendWindowRules(
        zone=zone,
        working_hours=policy.working_hours,
        quiet_hours=policy.quiet_hours,
        windows=policy.windows_for(template_key),
        calendar=policy.holiday_calendar,
        avoid_holidays=kind in policy.holiday_kinds,
        avoid_sundays=kind in policy.sunday_kinds,
    )


def _offset(moment: time) -> timedelta:
    return timedelta(
        hours=moment.hour,
        minutes=moment.minute,
        seconds=moment.second,
        microseconds=moment.microsecond,
    )


def _span(window: TimeWindow) -> _Span:
    end = _DAY if window.end == time(0) else _offset(window.end)
    return _offset(window.start), end


def _quiet_spans(quiet: QuietHours) -> tuple[_Span, ...]:
    start, end = _offset(quiet.start), _offset(quiet.end)
    if start < end:
        return ((start, end),)
    return ((start, _DAY), (timedelta(0), end))


def _excluded_day(day: date, rules: SendWindowRules) -> tuple[DecisionCode, str] | None:
    if rules.avoid_holidays:
        name = rules.calendar.holiday_name(day)
        if name is not None:
            return DecisionCode.HOLIDAY, f"{day:%a %d %b %Y} is a holiday ({name})"
    if rules.avoid_sundays and day.weekday() == 6:
        return DecisionCode.SUNDAY, f"{day:%a %d %b %Y} is a Sunday"
    return None


@lru_cache(maxsize=4096)
def _weekday_spans(weekday: int, rules: SendWindowRules) -> tuple[_Span, ...]:
    """The local time-of-day spans in which sending is allowed on ``weekday`` (Monday = 0),
    holidays aside; sorted and merged."""
    if rules.avoid_sundays and weekday == 6:
        return ()
    spans = [_span(rules.working_hours)]
    if rules.windows:
        opened = [_span(w.hours) for w in rules.windows if weekday in w.weekdays]
        spans = [
            (max(s, ws), min(e, we))
            for s, e in spans
            for ws, we in opened
            if max(s, ws) < min(e, we)
        ]
    for quiet in rules.quiet_hours:
        for qs, qe in _quiet_spans(quiet):
            kept: list[_Span] = []
            for s, e in spans:
                if s < qs:
                    kept.append((s, min(e, qs)))
                if e > qe:
                    kept.append((max(s, qe), e))
            spans = [(s, e) for s, e in kept if s < e]
    merged: list[_Span] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return tuple(merged)


def _allowed_spans(day: date, rules: SendWindowRules) -> tuple[_Span, ...]:
    """The local time-of-day spans of ``day`` in which sending is allowed."""
    if rules.avoid_holidays and rules.calendar.holiday_name(day) is not None:
        return ()
    return _weekday_spans(day.weekday(), rules)


def _never_open(rules: SendWindowRules) -> bool:
    return not any(_weekday_spans(weekday, rules) for weekday in range(7))


def _hhmm(moment: time) -> str:
    return "24:00" if moment == time(0) else f"{moment:%H:%M}"


def blocking_reason(at: datetime, rules: SendWindowRules) -> tuple[DecisionCode, str] | None:
    """Why nothing may be sent at ``at``, or ``None`` when it may.

    Args:
        at: the moment (aware).
        rules: the resolved time rules.

    Returns:
        The first failing rule, in the order holiday, Sunday, template window, working hours,
        quiet hours, with a human-readable reason in the recipient's local time.
    """
    local = wall_clock(at, rules.zone)
    day, offset = local.date(), local - datetime.combine(local.date(), time())
    zone = rules.zone.key
    excluded = _excluded_day(day, rules)
    if excluded is not None:
        code, why = excluded
        return code, f"{why} in {zone}"
    if rules.windows and not any(
        day.weekday() in w.weekdays and _span(w.hours)[0] <= offset < _span(w.hours)[1]
        for w in rules.windows
    ):
        return (
            DecisionCode.OUTSIDE_TEMPLATE_WINDOW,
            f"{local:%a %H:%M} in {zone} is outside the template's schedulable windows",
        )
    start, end = _span(rules.working_hours)
    if not start <= offset < end:
        hours = f"{_hhmm(rules.working_hours.start)}-{_hhmm(rules.working_hours.end)}"
        return (
            DecisionCode.OUTSIDE_WORKING_HOURS,
            f"{local:%H:%M} in {zone} is outside sending hours {hours}",
        )
    for quiet in rules.quiet_hours:
        if any(qs <= offset < qe for qs, qe in _quiet_spans(quiet)):
            period = f"{_hhmm(quiet.start)}-{_hhmm(quiet.end)}"
            return DecisionCode.QUIET_HOURS, f"{local:%H:%M} in {zone} is in quiet hours {period}"
    return None


def is_allowed(at: datetime, rules: SendWindowRules) -> bool:
    """Whether a message may be sent at ``at`` under ``rules``."""
    local = wall_clock(at, rules.zone)
    offset = local - datetime.combine(local.date(), time())
    return any(s <= offset < e for s, e in _allowed_spans(local.date(), rules))


def _earliest_allowed_wall(
    after: datetime, until: datetime, rules: SendWindowRules
) -> datetime | None:
    day = after.date()
    while day <= until.date():
        midnight = datetime.combine(day, time())
        for s, e in _allowed_spans(day, rules):
            if midnight + e > after:
                return max(midnight + s, after)
        day += _DAY
    return None


def defer_to_allowed(at: datetime, rules: SendWindowRules) -> datetime | None:
    """The earliest instant at or after ``at`` at which sending is allowed.

    Correct across DST: a local start time that does not exist (clocks spring forward) opens
    at the jump; a repeated hour (clocks fall back) is judged by the clock's reading.

    Args:
        at: the wanted send time (aware).
        rules: the resolved time rules.

    Returns:
        An aware UTC datetime ``>= at``, ``at`` itself when already allowed, or ``None`` when
        the rules allow no time at all within 400 days (e.g. a template window only on
        Sundays while Sundays are avoided).
    """
    moment = to_utc(at)
    if _never_open(rules):
        return None
    limit = moment + _HORIZON
    while moment <= limit:
        offset = moment.astimezone(rules.zone).utcoffset() or timedelta(0)
        local = (moment + offset).replace(tzinfo=None)
        found = _earliest_allowed_wall(local, (limit + offset).replace(tzinfo=None), rules)
        if found is None:
            return None
        candidate = to_utc((found - offset).replace(tzinfo=moment.tzinfo))
        change = next_offset_change(rules.zone, moment, candidate)
        if change is None:
            return candidate
        moment = change  # the clock jumped on the way: look again from the jump
    return None


def _day_candidates(day: date, wanted: timedelta, rules: SendWindowRules) -> list[timedelta]:
    """Times of ``day`` to try, nearest to ``wanted`` first: ``wanted`` itself when allowed,
    else the opening of a later span or the last whole minute of an earlier one."""
    scored: list[tuple[timedelta, timedelta]] = []
    for s, e in _allowed_spans(day, rules):
        if s <= wanted < e:
            scored.append((timedelta(0), wanted))
        elif wanted < s:
            scored.append((s - wanted, s))
        else:
            last = max(s, e - _MINUTE)
            scored.append((wanted - last, last))
    return [moment for _, moment in sorted(scored)]


def move_earlier_for_appointment(
    at: datetime,
    appointment_start: datetime,
    rules: SendWindowRules,
    *,
    not_before: datetime | None = None,
    max_days_earlier: int = 7,
) -> datetime | None:
    """Where a planned reminder goes when its time is not allowed (REM-11, REM-52).

    The reminder keeps ``at`` when allowed. Otherwise it takes the allowed moment of the same
    local day nearest to its time of day (07:30 -> 08:00, 21:30 -> 20:59), and if that day
    has none (holiday, avoided Sunday, no template window) the nearest allowed moment of the
    closest earlier day -- so with Sundays avoided a Sunday 10:00 reminder goes on Saturday
    at 10:00, even across a DST change. The result is always before the appointment.

    Args:
        at: the planned send time (aware).
        appointment_start: the appointment; the reminder must go strictly before it.
        rules: the resolved time rules of the reminder.
        not_before: the earliest acceptable time (usually now); earlier days stop here.
        max_days_earlier: how many days back the reminder may move.

    Returns:
        The new send time (aware UTC), or ``None`` to skip the reminder (also when ``at`` is
        not before the appointment).

    Raises:
        ValidationError: ``max_days_earlier`` is negative.
    """
    if max_days_earlier < 0:
        raise ValidationError("max_days_earlier", "must not be negative")
    moment, deadline = to_utc(at), to_utc(appointment_start)
    floor = to_utc(not_before) if not_before is not None else None
    if moment >= deadline:
        return None

    def acceptable(instant: datetime) -> bool:
        return (
            instant < deadline
            and (floor is None or instant >= floor)
            and is_allowed(instant, rules)
        )

    if acceptable(moment):
        return moment
    local = wall_clock(moment, rules.zone)
    wanted = local - datetime.combine(local.date(), time())
    for back in range(max_days_earlier + 1):
        day = local.date() - timedelta(days=back)
        for time_of_day in _day_candidates(day, wanted, rules):
            instant = instant_of_wall(day, time_of_day, rules.zone)
            if acceptable(instant):
                return instant
        if floor is not None and instant_of_wall(day, timedelta(0), rules.zone) <= floor:
            break  # every earlier day lies before not_before
    return None


def describe_local(moment: datetime, zone: ZoneInfo) -> str:
    """``moment`` as staff read it: ``Tue 10 Mar 2026 08:00 CDT (America/Chicago)``."""
    local = moment.astimezone(zone)
    return f"{local:%a %d %b %Y %H:%M} {local.tzname()} ({zone.key})"


def check_send_window(candidate: Candidate, policy: DeliveryPolicy, at: datetime) -> RuleDecision:
    """Working hours, quiet hours, holidays, Sundays and template windows at ``at``.

    Spec: REM-09, REM-10, REM-11, REM-12, REM-52, CUS-06, WL-19; cross-cutting "Quiet hours",
    "Holidays", "Sundays". The message kind decides which rules apply (module table).

    Returns:
        Allowed; deferred to the next allowed local time with the reason; or blocked
        (``NO_ALLOWED_TIME``) when the rules leave no time at all.
    """
    rules = resolve_time_rules(
        policy,
        candidate.kind,
        candidate.zone,
        candidate.template_key,
        skip_delivery_rules=candidate.skip_delivery_rules,
    )
    if rules is None:
        return RuleDecision.allow()
    problem = blocking_reason(at, rules)
    if problem is None:
        return RuleDecision.allow()
    code, why = problem
    until = defer_to_allowed(at, rules)
    if until is None:
        return RuleDecision.block(
            DecisionCode.NO_ALLOWED_TIME, f"{why}, and the delivery rules leave no time to send"
        )
    return RuleDecision.defer(
        code, f"{why}; waits until {describe_local(until, rules.zone)}", until
    )
