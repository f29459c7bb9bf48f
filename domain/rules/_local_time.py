"""Wall-clock arithmetic that stays correct across DST transitions.

``zoneinfo`` does not expose a zone's transitions, so we find them: the UTC offset is
sampled every few hours and a change is bisected to the exact second (tzdata transitions fall
on whole seconds). No zone changes its offset twice within the sampling step.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["instant_of_wall", "next_offset_change", "to_utc", "wall_clock"]

_STEP = timedelta(hours=6)


def to_utc(moment: datetime) -> datetime:
    """``moment`` (aware) expressed in UTC."""
    return moment.astimezone(UTC)


def wall_clock(moment: datetime, zone: ZoneInfo) -> datetime:
    """The naive local date and time shown by a clock in ``zone`` at ``moment``."""
    return moment.astimezone(zone).replace(tzinfo=None, fold=0)


def next_offset_change(zone: ZoneInfo, start: datetime, end: datetime) -> datetime | None:
    """The first instant in ``(start, end]`` at which ``zone``'s UTC offset differs from its
    offset at ``start``, or ``None``. Both bounds are aware; the result is UTC."""
    if end <= start:
        return None
    base = start.astimezone(zone).utcoffset()
    previous = start
    while previous < end:
        following = min(previous + _STEP, end)
        if following.astimezone(zone).utcoffset() != base:
            low = math.floor(previous.timestamp())
            high = math.ceil(following.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                probe = datetime.fromtimestamp(middle, UTC)
                if probe.astimezone(zone).utcoffset() == base:
                    low = middle
                else:
                    high = middle
            return datetime.fromtimestamp(high, UTC)
        previous = following
    return None


def instant_of_wall(day: date, time_of_day: timedelta, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) at which a clock in ``zone`` shows ``day`` + ``time_of_day``.

    An ambiguous wall time (the repeated hour when clocks fall back) gives its first
    occurrence. A wall time that never happens (the hour skipped when clocks spring forward)
    gives the moment the clocks jump, the first instant showing a later time.
    """
    naive = datetime.combine(day, time()) + time_of_day
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if wall_clock(first, zone) == naive:
        return first
    other = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = min(first, other), max(first, other)
    jump = next_offset_change(zone, low, high)
    return jump if jump is not None else high
