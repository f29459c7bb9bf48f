"""Properties of every plan, over zones, dates across DST changes, bookings and settings:
no reminder at or after the appointment, none outside the allowed hours (quiet hours
included), none on a holiday that reminders avoid, at most one catch-up, the final reminder
last."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.reminders import PlanKind, PlanStatus, plan_reminders, reminder_rules
from domain.rules import DeliveryPolicy, QuietHours, is_allowed
from tests.domain.reminders.builders import ZONES, appointment, request

_WINDOW_START = datetime(2026, 1, 1, tzinfo=UTC)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, object]:
    zone = draw(st.sampled_from(ZONES))
    minutes = draw(st.integers(0, 364 * 24 * 60))
    start = _WINDOW_START + timedelta(minutes=minutes)
    booked = start - timedelta(minutes=draw(st.integers(0, 20 * 24 * 60)))
    now = booked + (start - booked) * draw(st.floats(0, 1))
    cadence = draw(st.lists(st.integers(0, 14), min_size=1, max_size=4, unique=True))
    quiet = draw(st.sampled_from([(), (QuietHours(time(12), time(13)),),
                                  (QuietHours(time(19), time(9)),)]))
    return {
        "zone": zone, "start": start, "booked": booked, "now": now,
        "settings": {
            "cadence_days": tuple(cadence),
            "send_time": draw(st.sampled_from(["07:30", "10:00", "12:30", "18:00", "22:00"])),
            "sunday_to_saturday": draw(st.booleans()),
            "send_on_holidays": draw(st.booleans()),
            "late_booking": draw(st.sampled_from(["skip", "send_now"])),
            "catch_up_in_schedulable_window": draw(st.booleans()),
        },
        "policy": DeliveryPolicy(quiet_hours=quiet),
    }


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_every_plan_keeps_the_rules(case: dict[str, object]) -> None:
    zone = str(case["zone"])
    appt = appointment(case["start"], zone, booked=case["booked"])  # type: ignore[arg-type]
    policy = case["policy"]
    assert isinstance(policy, DeliveryPolicy)
    req = request(appt, now=case["now"], settings=case["settings"],  # type: ignore[arg-type]
                  policy=policy)
    plan = plan_reminders(req)
    rules = reminder_rules(policy, req.settings, zone, req.settings.template_key)
    live = [m for m in plan.messages if m.status in (PlanStatus.PLANNED, PlanStatus.DUE)]
    for message in live:
        assert message.due_at is not None and message.due_at < appt.start
        assert is_allowed(message.due_at, rules), message.notes
        if not req.settings.send_on_holidays:
            day = message.due_at.astimezone(ZoneInfo(zone)).date()
            assert policy.holiday_calendar.holiday_name(day) is None
        if req.settings.sunday_to_saturday:
            assert message.due_at.astimezone(ZoneInfo(zone)).weekday() != 6
        assert message.due_at >= req.booking_time
    for message in plan.to_write:
        assert message.due_at is not None and message.due_at > req.now
    assert sum(m.slot == "catch_up" and m in live for m in plan.messages) <= 1
    finals = [m for m in plan.messages if m.kind is PlanKind.FINAL]
    assert len(finals) <= 1
    cadence = (PlanKind.CADENCE, PlanKind.FINAL)
    placed = [m for m in plan.messages
              if m.kind in cadence and m.status is not PlanStatus.SKIPPED]
    if finals and finals[0].status is not PlanStatus.SKIPPED:
        assert all(m.due_at <= finals[0].due_at for m in placed)  # type: ignore[operator]
    keys = [m.dedupe_key for m in plan.to_write]
    assert len(keys) == len(set(keys))


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_re_planning_later_never_adds_a_new_key(case: dict[str, object]) -> None:
    zone = str(case["zone"])
    appt = appointment(case["start"], zone, booked=case["booked"])  # type: ignore[arg-type]
    first = plan_reminders(request(appt, now=case["booked"], settings=case["settings"],  # type: ignore[arg-type]
                                   policy=case["policy"]))  # type: ignore[arg-type]
    later = plan_reminders(request(appt, now=case["now"], settings=case["settings"],  # type: ignore[arg-type]
                                   policy=case["policy"]))  # type: ignore[arg-type]
    assert set(later.keep_keys) <= set(first.keep_keys)
