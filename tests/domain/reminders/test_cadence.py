"""Cadence placement across US zones, DST changes, holidays and Sundays (REM-01, REM-09..12,
REM-52). Times are checked as the patient's clinic clock shows them."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from domain.reminders import PlanKind, PlanStatus, plan_reminders
from domain.rules import DeliveryPolicy, HolidayCalendar, QuietHours, TemplateWindow, TimeWindow
from tests.domain.reminders.builders import ZONES, appointment, local, request


def _live(plan_messages: object) -> dict[str, datetime]:
    return {
        m.slot: m.due_at
        for m in plan_messages  # type: ignore[attr-defined]
        if m.status in (PlanStatus.PLANNED, PlanStatus.DUE) and m.due_at is not None
    }


def _wall(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M %Z")


@pytest.mark.parametrize("zone", ZONES)
def test_default_cadence_is_7_5_2_days_before_at_ten_local(zone: str) -> None:
    # REM-01: Tuesday 14 April 2026 09:30 local; no holiday nearby, Sundays allowed by default.
    plan = plan_reminders(request(appointment(local(zone, 2026, 4, 14, 9, 30), zone)))
    got = {slot: _wall(at, zone)[:20] for slot, at in _live(plan.messages).items()}
    assert got == {
        "c7": "Tue 2026-04-07 10:00",
        "c5": "Thu 2026-04-09 10:00",
        "c2": "Sun 2026-04-12 10:00",
    }
    kinds = {m.slot: m.kind for m in plan.messages}
    assert kinds["c2"] is PlanKind.FINAL and kinds["c7"] is PlanKind.CADENCE


# (zone, appointment local date, slot, expected UTC) around the 2026 DST changes.
DST_CASES = [
    # Spring forward on Sun 8 March 2026: 7 days before is standard time, 2 days before is
    # daylight time, both read 10:00 on the clinic's clock.
    ("America/New_York", (2026, 3, 10), "c7", "2026-03-03 15:00"),
    ("America/New_York", (2026, 3, 10), "c2", "2026-03-08 14:00"),
    ("America/Chicago", (2026, 3, 10), "c7", "2026-03-03 16:00"),
    ("America/Chicago", (2026, 3, 10), "c2", "2026-03-08 15:00"),
    ("America/Denver", (2026, 3, 10), "c2", "2026-03-08 16:00"),
    ("America/Phoenix", (2026, 3, 10), "c7", "2026-03-03 17:00"),  # no DST in Arizona
    ("America/Phoenix", (2026, 3, 10), "c2", "2026-03-08 17:00"),
    ("America/Los_Angeles", (2026, 3, 10), "c2", "2026-03-08 17:00"),
    ("America/Anchorage", (2026, 3, 10), "c7", "2026-03-03 19:00"),
    ("America/Anchorage", (2026, 3, 10), "c2", "2026-03-08 18:00"),
    ("Pacific/Honolulu", (2026, 3, 10), "c2", "2026-03-08 20:00"),  # no DST in Hawaii
    # Fall back on Sun 1 November 2026.
    ("America/New_York", (2026, 11, 3), "c7", "2026-10-27 14:00"),
    ("America/New_York", (2026, 11, 3), "c2", "2026-11-01 15:00"),
    ("America/Chicago", (2026, 11, 3), "c2", "2026-11-01 16:00"),
    ("America/Denver", (2026, 11, 3), "c7", "2026-10-27 16:00"),
    ("America/Los_Angeles", (2026, 11, 3), "c2", "2026-11-01 18:00"),
    ("America/Anchorage", (2026, 11, 3), "c2", "2026-11-01 19:00"),
]


@pytest.mark.parametrize(("zone", "day", "slot", "expected"), DST_CASES)
def test_send_time_is_local_across_dst(
    zone: str, day: tuple[int, int, int], slot: str, expected: str
) -> None:
    plan = plan_reminders(request(appointment(local(zone, *day, 9, 30), zone)))
    assert f"{_live(plan.messages)[slot]:%Y-%m-%d %H:%M}" == expected


def test_send_time_in_the_repeated_hour_takes_its_first_occurrence() -> None:
    # 01:30 on 1 Nov 2026 happens twice in Chicago; the reminder goes at the first (CDT).
    policy = DeliveryPolicy(working_hours=TimeWindow(time(0), time(0)))
    plan = plan_reminders(request(
        appointment(local("America/Chicago", 2026, 11, 3, 9, 30)),
        settings={"send_time": "01:30"}, policy=policy,
    ))
    assert f"{_live(plan.messages)['c2']:%Y-%m-%d %H:%M}" == "2026-11-01 06:30"


HOLIDAY_CASES = [
    # (appointment local day, cadence, slot, expected local send, rule) -- REM-11
    ((2026, 12, 27), (7, 5, 2), "c2", "Thu 2026-12-24 10:00", "REM-11"),  # Christmas -> eve
    ((2026, 7, 8), (7, 5, 2), "c5", "Thu 2026-07-02 10:00", "REM-11"),  # 4 July observed Fri
    ((2026, 1, 3), (2,), "c2", "Wed 2025-12-31 10:00", "REM-11"),  # New Year's Day
    ((2026, 11, 28), (2,), "c2", "Wed 2026-11-25 10:00", "REM-11"),  # Thanksgiving
]


@pytest.mark.parametrize(("day", "cadence", "slot", "expected", "rule"), HOLIDAY_CASES)
@pytest.mark.parametrize("zone", ["America/New_York", "America/Phoenix", "Pacific/Honolulu"])
def test_holiday_moves_the_reminder_to_an_earlier_day(
    zone: str, day: tuple[int, int, int], cadence: tuple[int, ...], slot: str, expected: str,
    rule: str,
) -> None:
    plan = plan_reminders(request(appointment(local(zone, *day, 9, 30), zone),
                                  settings={"cadence_days": cadence}))
    message = next(m for m in plan.messages if m.slot == slot)
    assert message.status is PlanStatus.PLANNED
    assert _wall(message.due_at, zone).startswith(expected)  # type: ignore[arg-type]
    assert message.notes[-1].rule == rule and message.notes[-1].action == "moved"
    assert "holiday" in message.reason


def test_holiday_reminder_is_skipped_when_it_cannot_move_before_the_previous_one() -> None:
    # Cadence 2 and 1 days before Sat 26 Dec: the 1-day reminder falls on Christmas and the
    # day before already has the 2-day reminder, so it is skipped (REM-11).
    plan = plan_reminders(request(appointment(local("America/Chicago", 2026, 12, 26, 9, 30)),
                                  settings={"cadence_days": (2, 1)}))
    by_slot = {m.slot: m for m in plan.messages}
    assert by_slot["c1"].status is PlanStatus.SKIPPED
    assert by_slot["c1"].notes[-1].rule == "REM-11"
    assert "Christmas" in by_slot["c1"].reason
    assert by_slot["c2"].kind is PlanKind.FINAL  # the last one actually placed


def test_closed_week_skips_the_reminder() -> None:
    closed = frozenset(date(2026, 4, d) for d in range(1, 13))
    policy = DeliveryPolicy(holiday_calendar=HolidayCalendar(extra_dates=closed))
    plan = plan_reminders(request(appointment(local("America/Denver", 2026, 4, 14, 9, 30),
                                              "America/Denver"),
                                  settings={"cadence_days": (2,)}, policy=policy))
    (message,) = plan.messages
    assert message.status is PlanStatus.SKIPPED and "Office closed" in message.reason


def test_send_on_holidays_keeps_the_holiday_reminder() -> None:
    plan = plan_reminders(request(appointment(local("America/Chicago", 2026, 12, 27, 9, 30)),
                                  settings={"send_on_holidays": True}))
    assert _wall(_live(plan.messages)["c2"], "America/Chicago").startswith(
        "Fri 2026-12-25 10:00")


@pytest.mark.parametrize("zone", ZONES)
def test_sunday_goes_to_saturday_at_the_same_local_time(zone: str) -> None:
    # REM-52, across the spring-forward Sunday: Saturday is still standard time.
    plan = plan_reminders(request(appointment(local(zone, 2026, 3, 10, 9, 30), zone),
                                  settings={"sunday_to_saturday": True}))
    message = next(m for m in plan.messages if m.slot == "c2")
    assert _wall(message.due_at, zone).startswith("Sat 2026-03-07 10:00")  # type: ignore[arg-type]
    assert message.notes[-1].rule == "REM-52"


def test_sundays_are_allowed_by_default() -> None:
    plan = plan_reminders(request(appointment(local("America/Chicago", 2026, 4, 14, 9, 30))))
    assert _live(plan.messages)["c2"].astimezone(ZoneInfo("America/Chicago")).weekday() == 6


@pytest.mark.parametrize(
    ("send_time", "policy", "expected", "rule"),
    [
        ("07:00", DeliveryPolicy(), "08:00", "REM-09"),  # before working hours: same day 08:00
        ("22:30", DeliveryPolicy(), "20:59", "REM-09"),  # after: last minute of the day
        ("10:00", DeliveryPolicy(quiet_hours=(QuietHours(time(9, 30), time(11)),)), "09:29",
         "REM-10"),
        ("10:00", DeliveryPolicy(template_windows=(TemplateWindow(
            "appointment_reminder", frozenset(range(7)), TimeWindow(time(12), time(14))),)),
         "12:00", "REM-12"),
    ],
)
def test_hours_and_windows_move_the_reminder_within_the_day(
    send_time: str, policy: DeliveryPolicy, expected: str, rule: str
) -> None:
    plan = plan_reminders(request(appointment(local("America/Los_Angeles", 2026, 4, 14, 9, 30),
                                              "America/Los_Angeles"),
                                  settings={"send_time": send_time}, policy=policy))
    message = next(m for m in plan.messages if m.slot == "c5")
    assert _wall(message.due_at, "America/Los_Angeles")[15:20] == expected  # type: ignore[arg-type]
    assert message.notes[-1].rule == rule


def test_weekday_only_window_moves_a_weekend_reminder_to_friday() -> None:
    window = TemplateWindow("appointment_reminder", frozenset(range(5)),
                            TimeWindow(time(9), time(17)))
    plan = plan_reminders(request(appointment(local("America/Chicago", 2026, 4, 14, 9, 30)),
                                  policy=DeliveryPolicy(template_windows=(window,))))
    assert _wall(_live(plan.messages)["c2"], "America/Chicago").startswith(
        "Fri 2026-04-10 10:00")


def test_a_reminder_not_before_the_appointment_is_skipped() -> None:
    # Same-day reminder at 10:00 for a 09:30 appointment.
    plan = plan_reminders(request(appointment(local("America/Chicago", 2026, 4, 14, 9, 30)),
                                  settings={"cadence_days": (1, 0)}))
    by_slot = {m.slot: m for m in plan.messages}
    assert by_slot["c0"].status is PlanStatus.SKIPPED
    assert by_slot["c1"].kind is PlanKind.FINAL
