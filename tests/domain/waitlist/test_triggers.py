"""Which openings are filled at all (WL-08, WL-21, switches), with a movable clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.clock import MovableClock
from domain.model import SlotState
from domain.org_settings import WaitlistSettings
from domain.waitlist import NoFill, fill_blocker
from tests.domain.waitlist.builders import NOW, slot

DEFAULT = WaitlistSettings()


@pytest.mark.parametrize(
    ("lead", "settings", "expected"),
    [
        # WL-21: at least 120 minutes ahead by default...
        (timedelta(minutes=119), DEFAULT, NoFill.TOO_SOON),
        (timedelta(minutes=120), DEFAULT, None),
        (timedelta(minutes=60), WaitlistSettings(min_lead_minutes=45), None),
        (timedelta(minutes=60), WaitlistSettings(min_lead_minutes=90), NoFill.TOO_SOON),
        # ...and at most max_days_ahead (30 by default).
        (timedelta(days=30), DEFAULT, None),
        (timedelta(days=30, minutes=1), DEFAULT, NoFill.TOO_FAR),
        (timedelta(days=8), WaitlistSettings(max_days_ahead=7), NoFill.TOO_FAR),
    ],
)
def test_lead_time_window(lead: timedelta, settings: WaitlistSettings,
                          expected: NoFill | None) -> None:
    assert fill_blocker(slot(start=NOW + lead), NOW, settings) is expected


def test_the_window_moves_with_the_clock() -> None:
    clock = MovableClock(NOW, frozen=True)
    opening = slot(start=NOW + timedelta(hours=3))
    assert fill_blocker(opening, clock.now(), DEFAULT) is None
    clock.advance(timedelta(minutes=61))
    assert fill_blocker(opening, clock.now(), DEFAULT) is NoFill.TOO_SOON


@pytest.mark.parametrize(
    ("refill", "double_booked", "expected"),
    [(True, True, None), (False, True, NoFill.DOUBLE_BOOKED), (False, False, None)],
)
def test_double_booked_slots_refill_unless_turned_off(
    refill: bool, double_booked: bool, expected: NoFill | None
) -> None:
    """WL-08: on by default."""
    settings = WaitlistSettings(refill_double_booked=refill)
    assert fill_blocker(slot(double_booked=double_booked), NOW, settings) is expected


@pytest.mark.parametrize("state", [SlotState.BOOKED, SlotState.EXPIRED, SlotState.WITHDRAWN])
def test_only_open_or_offered_slots_are_filled(state: str) -> None:
    assert fill_blocker(slot(state=state), NOW, DEFAULT) is NoFill.NOT_OPEN
    assert fill_blocker(slot(state=SlotState.OFFERED), NOW, DEFAULT) is None


def test_switches() -> None:
    assert fill_blocker(slot(), NOW, WaitlistSettings(enabled=False)) is NoFill.DISABLED
    assert fill_blocker(slot(), NOW, DEFAULT, resources_enabled=False) is NoFill.RESOURCE_OFF
