"""Campaign staggering by hour or minute (BRD-14, OUT-18, REF-18)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import ValidationError
from domain.stagger import spread, stagger, unit_length

START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
units = st.sampled_from(["hour", "minute"])
starts = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1),
    timezones=st.sampled_from([UTC, ZoneInfo("America/Chicago"), ZoneInfo("Europe/Lisbon")]),
)


def test_a_cap_of_three_an_hour() -> None:
    times = stagger(7, start=START, per_unit=3, unit="hour")
    assert [t - START for t in times] == [
        timedelta(minutes=m) for m in (0, 20, 40, 60, 80, 100, 120)
    ]


def test_spread_over_a_working_day_by_hour() -> None:
    times = spread(10, start=START, end=START + timedelta(hours=4), unit="hour")
    assert Counter(t - START for t in times) == {
        timedelta(0): 3, timedelta(hours=1): 2, timedelta(hours=2): 3, timedelta(hours=3): 2,
    }


@given(count=st.integers(min_value=0, max_value=500), per_unit=st.integers(1, 50),
       unit=units, start=starts)
def test_stagger_never_exceeds_the_cap(count: int, per_unit: int, unit: str, start: datetime
                                       ) -> None:
    times = stagger(count, start=start, per_unit=per_unit, unit=unit)  # type: ignore[arg-type]
    length = unit_length(unit)  # type: ignore[arg-type]
    start = start.astimezone(UTC)
    assert len(times) == count and times == sorted(times)
    assert all(t >= start for t in times)
    per_window = Counter((t - start) // length for t in times)
    assert all(n <= per_unit for n in per_window.values())


@given(count=st.integers(min_value=0, max_value=500), units_=st.integers(1, 48),
       slack=st.integers(0, 59), unit=units, start=starts)
def test_spread_is_even_and_inside_the_window(
    count: int, units_: int, slack: int, unit: str, start: datetime
) -> None:
    length = unit_length(unit)  # type: ignore[arg-type]
    start = start.astimezone(UTC)  # windows are real time, also across DST changes
    end = start + units_ * length + slack * length / 60
    times = spread(count, start=start, end=end, unit=unit)  # type: ignore[arg-type]
    assert len(times) == count and times == sorted(times)
    assert all(start <= t < end for t in times)
    per_unit = Counter((t - start) // length for t in times)
    if count >= units_:
        assert set(per_unit) == set(range(units_))
    assert max(per_unit.values(), default=0) - min(per_unit.values(), default=0) <= 1


def test_hours_are_real_hours_across_a_dst_change() -> None:
    chicago = ZoneInfo("America/Chicago")
    before_jump = datetime(2026, 3, 8, 1, 30, tzinfo=chicago)  # clocks jump 02:00 -> 03:00
    times = stagger(2, start=before_jump, per_unit=1, unit="hour")
    assert times[1] - times[0] == timedelta(hours=1)
    assert times[1].astimezone(chicago).hour == 3


def test_bad_arguments_name_the_field() -> None:
    with pytest.raises(ValidationError) as error:
        stagger(3, start=START, per_unit=0)
    assert error.value.field == "per_unit"
    with pytest.raises(ValidationError) as error:
        spread(3, start=START, end=START + timedelta(minutes=30), unit="hour")
    assert error.value.field == "end"
    with pytest.raises(ValidationError):
        stagger(3, start=START.replace(tzinfo=None), per_unit=1)
