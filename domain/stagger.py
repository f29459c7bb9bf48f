"""Stagger a campaign's messages over time: by hour or by minute (BRD-14, OUT-18, REF-18).

Planners of broadcasts, outreach and referral campaigns give each message of a large send its
own due time instead of "now", so the outbox releases them gradually. Two ways:

* :func:`stagger` -- a cap: at most ``per_unit`` messages in each hour (or minute) from
  ``start``, spread evenly inside the unit ("no more than 200 outreach texts an hour");
* :func:`spread` -- a window: ``count`` messages shared out as evenly as possible over the
  whole hours (or minutes) between ``start`` and ``end`` ("spread through the day").

Both are pure and return due times in the order of the messages (message ``i`` gets element
``i``). They do not know working hours or quiet hours: the dispatcher re-checks the delivery
rules at send time and defers a message that falls outside them, so pass a window inside the
sending hours (e.g. 09:00-17:00 local) to keep messages from bunching at the next opening.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from domain.errors import ValidationError

__all__ = ["StaggerUnit", "spread", "stagger", "unit_length"]

StaggerUnit = Literal["hour", "minute"]

_UNITS: dict[str, timedelta] = {"hour": timedelta(hours=1), "minute": timedelta(minutes=1)}


def unit_length(unit: StaggerUnit) -> timedelta:
    """The length of one ``unit``.

    Raises:
        ValidationError: ``unit`` is neither ``"hour"`` nor ``"minute"``.
    """
    try:
        return _UNITS[unit]
    except KeyError:
        raise ValidationError("unit", "must be 'hour' or 'minute'") from None


def _check(count: int, start: datetime) -> None:
    if count < 0:
        raise ValidationError("count", "must not be negative")
    if start.utcoffset() is None:
        raise ValidationError("start", "must carry a time zone")


def stagger(
    count: int, *, start: datetime, per_unit: int, unit: StaggerUnit = "hour"
) -> list[datetime]:
    """Due times capping the send rate at ``per_unit`` messages per hour (or minute).

    Message ``i`` goes in unit ``i // per_unit`` after ``start``, at its even share of that
    unit, so every window ``[start + k*unit, start + (k+1)*unit)`` holds at most
    ``per_unit`` messages and the times never decrease.

    Args:
        count: how many messages.
        start: the first due time (aware).
        per_unit: the most messages per unit (at least 1).
        unit: ``"hour"`` or ``"minute"``.

    Returns:
        ``count`` due times in UTC, the first equal to ``start``.

    Raises:
        ValidationError: a negative count, a naive start, ``per_unit < 1`` or a bad unit.
    """
    _check(count, start)
    if per_unit < 1:
        raise ValidationError("per_unit", "must be at least 1")
    length = unit_length(unit)
    step = length / per_unit
    start = start.astimezone(UTC)  # real hours, also across a DST change
    return [start + (i // per_unit) * length + (i % per_unit) * step for i in range(count)]


def spread(
    count: int, *, start: datetime, end: datetime, unit: StaggerUnit = "hour"
) -> list[datetime]:
    """Due times sharing ``count`` messages out over the whole units between start and end.

    The window holds ``n = (end - start) // unit`` whole units; message ``i`` is due at the
    beginning of unit ``i * n // count``. Each unit therefore gets ``count // n`` or
    ``count // n + 1`` messages, and every time lies in ``[start, end)``.

    Args:
        count: how many messages.
        start: the window's start (aware).
        end: the window's end (aware), at least one unit after ``start``.
        unit: ``"hour"`` or ``"minute"``.

    Returns:
        ``count`` due times in UTC, in non-decreasing order.

    Raises:
        ValidationError: a negative count, naive times, or a window shorter than one unit.
    """
    _check(count, start)
    if end.utcoffset() is None:
        raise ValidationError("end", "must carry a time zone")
    length = unit_length(unit)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    units = (end - start) // length
    if units < 1:
        raise ValidationError("end", f"must be at least one {unit} after start")
    return [start + ((i * units) // count) * length for i in range(count)]
