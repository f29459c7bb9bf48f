"""Which openings a patient asking to reschedule is offered (RSC-01, RSC-09, RSC-10, RSC-12,
RSC-14, RSC-16), table-driven, plus properties over any set of openings."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.model import Appointment, OpenSlot, SlotState
from domain.org_settings import RescheduleSettings
from domain.reschedule import select_options

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
APPOINTMENT = Appointment(
    id="APT1", org_id="ORG1", patient_id="P1", facility_id="FAC1", provider_id="PRV1",
    type_id="TYPE1", start=NOW + timedelta(days=5), duration_minutes=30, created_at=NOW,
    updated_at=NOW,
)


def opening(hours: float, slot_id: str | None = None, **fields: Any) -> OpenSlot:
    values: dict[str, Any] = {
        "id": slot_id or f"S{hours}", "org_id": "ORG1", "facility_id": "FAC1",
        "provider_id": "PRV1", "type_id": "TYPE1", "start": NOW + timedelta(hours=hours),
        "duration_minutes": 30, "source": "cancellation", "created_at": NOW,
    }
    values.update(fields)
    return OpenSlot(**values)


def chosen(openings: list[OpenSlot], settings: RescheduleSettings | None = None,
           **kwargs: Any) -> list[str]:
    found = select_options(APPOINTMENT, openings, settings=settings or RescheduleSettings(),
                           now=NOW, **kwargs)
    return [o.id for o in found]


def test_up_to_three_earliest_options_an_interval_apart() -> None:
    """RSC-01 and RSC-12's example: openings every 15 minutes, a 60-minute gap → 3 options
    one hour apart."""
    every_quarter = [opening(24 + q / 4) for q in range(20)]
    assert chosen(every_quarter) == ["S24.0", "S25.0", "S26.0"]


@pytest.mark.parametrize(
    ("settings", "openings", "expected"),
    [
        # Same type as the original by default (RSC-01).
        (RescheduleSettings(), [opening(24, type_id="TYPE2"), opening(26)], ["S26"]),
        # Untyped openings only with RSC-10.
        (RescheduleSettings(), [opening(24, type_id=None)], []),
        (RescheduleSettings(allow_untyped_openings=True), [opening(24, type_id=None)], ["S24"]),
        # Same provider and facility unless "type only" (RSC-16).
        (RescheduleSettings(), [opening(24, provider_id="PRV2"), opening(25, facility_id="F2")],
         []),
        (RescheduleSettings(type_only=True),
         [opening(24, provider_id="PRV2"), opening(25, facility_id="F2")], ["S24", "S25"]),
        # Only openings freed by cancellations with RSC-14.
        (RescheduleSettings(only_cancellation_openings=True),
         [opening(24, source="schedule"), opening(26)], ["S26"]),
        (RescheduleSettings(), [opening(24, source="schedule")], ["S24"]),
        # How many days are visible (RSC-09) and the minimum lead time.
        (RescheduleSettings(days_visible=2), [opening(47), opening(49)], ["S47"]),
        (RescheduleSettings(), [opening(1.5), opening(2)], ["S2"]),
        (RescheduleSettings(min_lead_minutes=60), [opening(1.5)], ["S1.5"]),
        # Fewer or more options.
        (RescheduleSettings(max_options=1), [opening(24), opening(26)], ["S24"]),
        (RescheduleSettings(max_options=5, interval_minutes=30),
         [opening(24 + h / 2) for h in range(6)], ["S24.0", "S24.5", "S25.0", "S25.5", "S26.0"]),
        # Too short, not open, or the appointment's own time: never.
        (RescheduleSettings(), [opening(24, duration_minutes=15)], []),
        (RescheduleSettings(), [opening(24, state=SlotState.BOOKED)], []),
        (RescheduleSettings(), [opening(120)], []),
    ],
)
def test_options(settings: RescheduleSettings, openings: list[OpenSlot],
                 expected: list[str]) -> None:
    assert chosen(openings, settings) == expected


def test_openings_found_taken_are_not_offered_again() -> None:
    assert chosen([opening(24), opening(26)], exclude=frozenset({"S24"})) == ["S26"]


@given(
    st.lists(st.integers(min_value=0, max_value=24 * 30 * 4), max_size=40, unique=True),
    st.integers(min_value=1, max_value=9),
    st.integers(min_value=1, max_value=600),
)
def test_any_openings_give_sorted_spaced_options_within_the_limit(
    quarters: list[int], count: int, gap: int
) -> None:
    settings = RescheduleSettings(max_options=count, interval_minutes=gap)
    openings = [opening(q / 4, slot_id=f"Q{q}") for q in quarters]
    found = select_options(APPOINTMENT, openings, settings=settings, now=NOW)
    assert len(found) <= count
    starts = [o.start for o in found]
    assert starts == sorted(starts)
    assert all(b - a >= timedelta(minutes=gap) for a, b in itertools.pairwise(starts))
    eligible = [o for o in openings
                if NOW + timedelta(minutes=120) <= o.start <= NOW + timedelta(days=21)
                and o.start != APPOINTMENT.start]
    if eligible:
        assert found and found[0].start == min(o.start for o in eligible)
