"""When waitlist offers may go out (WL-19, WL-22), on the facility's local clock.

* ``immediately`` (default): as soon as the slot opens;
* ``after_business_hours``: not before ``business_hours_end`` that day;
* ``fixed_time``: a daily start: not before ``weekday_time`` on weekdays and ``weekend_time``
  on weekends (a slot that opens later in the day is offered at once);
* ``weekends = False`` moves Saturday and Sunday to Monday (WL-22).

Quiet hours and working hours always apply on top (WL-19): pass the resolved delivery time
rules and the earliest allowed instant is taken. The dispatcher checks them again at send time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.org_settings import WaitlistSettings
from domain.rules import SendWindowRules, defer_to_allowed

__all__ = ["release_time"]

_SATURDAY = 5


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone)


def _mode_time(local: datetime, settings: WaitlistSettings) -> datetime:
    """The earliest time at or after ``local`` allowed by ``send_mode`` alone."""
    zone = local.tzinfo
    assert isinstance(zone, ZoneInfo)
    if settings.send_mode == "after_business_hours":
        end = _at(local.date(), settings.business_hours_end, zone)
        return max(local, end)
    if settings.send_mode == "fixed_time":
        weekend = local.weekday() >= _SATURDAY
        start = _at(local.date(), settings.weekend_time if weekend else settings.weekday_time,
                    zone)
        return max(local, start)
    return local


def _skip_weekend(local: datetime, settings: WaitlistSettings) -> datetime:
    if settings.weekends or local.weekday() < _SATURDAY:
        return local
    monday = local.date() + timedelta(days=7 - local.weekday())
    return _mode_time(_at(monday, time(0), ZoneInfo(str(local.tzinfo))), settings)


def release_time(
    now: datetime,
    zone: str | ZoneInfo,
    settings: WaitlistSettings,
    rules: SendWindowRules | None = None,
) -> datetime | None:
    """The earliest instant at or after ``now`` at which an offer may be sent.

    Args:
        now: the current time (aware).
        zone: the facility's IANA zone.
        settings: the organisation's waitlist settings.
        rules: working/quiet hours for waitlist messages (``resolve_time_rules``), or None.

    Returns:
        An aware datetime in ``zone``, or None when no time is allowed within the horizon
        the delivery rules search.
    """
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    moment = now.astimezone(tz)
    for _ in range(16):
        candidate = _skip_weekend(_mode_time(moment, settings), settings)
        if rules is not None:
            allowed = defer_to_allowed(candidate, rules)
            if allowed is None:
                return None
            candidate = allowed.astimezone(tz)
        if candidate == moment:
            return candidate
        moment = candidate
    return moment
