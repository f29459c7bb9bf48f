"""The batch planner gives every appointment exactly the pending reminders of the plain
planner: generated batches share settings, policy and ``now`` and reuse a few start times and
patients, so most appointments are answered from the batch's cache -- a key that misses an
input shows up as a difference here."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.model import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    ConfirmationState,
    ContactKind,
    ContactPoint,
    Patient,
    ResourceFlags,
)
from domain.org_settings import ReminderSettings
from domain.reminders import PlanRequest, Practice, ReminderPlan, plan_reminders
from domain.reminders.batch import BatchPlanner, PendingReminder
from domain.reminders.planner import address_digest
from domain.rules import DeliveryPolicy, QuietHours, TemplateWindow, TimeWindow
from tests.domain.reminders.builders import (
    ORG,
    PATIENT,
    PROVIDER,
    TYPE,
    ZONES,
    facility_id,
    practice,
)

_BASE = datetime(2026, 2, 20, tzinfo=UTC)

_CONTACTS = (
    (),
    (ContactPoint(kind=ContactKind.SMS, value="+12025550101", preferred=True),),
    (ContactPoint(kind=ContactKind.SMS, value="+12025550102"),
     ContactPoint(kind=ContactKind.SMS, value="+12025550103", preferred=True),
     ContactPoint(kind=ContactKind.VOICE, value="+12025550104")),
    (ContactPoint(kind=ContactKind.SMS, value="+12025550105"),
     ContactPoint(kind=ContactKind.SMS, value="+12025550109")),
    (ContactPoint(kind=ContactKind.EMAIL, value="pat@example.org", preferred=True),
     ContactPoint(kind=ContactKind.SMS, value="+12025550106")),
    (ContactPoint(kind=ContactKind.VOICE, value="+12025550107", preferred=True),),
    (ContactPoint(kind=ContactKind.SMS, value="+12025550108", active=False),),
)
_PATIENTS = tuple(
    Patient(id=PATIENT, org_id=ORG, first_name="Ana", last_name="Ruiz", contacts=contacts)
    for contacts in _CONTACTS
)
_BOOKED_BEFORE_NOW = (-3000, -700, 0, 0, 50, 400, 700, 1300, 2000, 3 * 1440, 6 * 1440)
"""Minutes; few values, so that bookings of one start fall on both sides of its reminder
times. Negative: a booking time after ``now`` (``booked_at`` is a plain input)."""
_WINDOW = TemplateWindow("appointment_reminder", frozenset(range(5)),
                         TimeWindow(time(12), time(14)))


@st.composite
def batches(draw: st.DrawFn) -> dict[str, Any]:
    reminder_settings = ReminderSettings(
        cadence_days=tuple(draw(st.lists(st.integers(0, 9), min_size=1, max_size=4,
                                         unique=True))),
        send_time=draw(st.sampled_from([time(7, 30), time(10), time(18), time(22)])),
        forced_time=draw(st.booleans()),
        catch_up=draw(st.booleans()),
        catch_up_when_forced=draw(st.booleans()),
        catch_up_in_schedulable_window=draw(st.booleans()),
        final_after_confirmation=draw(st.booleans()),
        skip_after_confirmation=draw(st.sampled_from(["all_but_final", "all"])),
        send_on_holidays=draw(st.booleans()),
        sunday_to_saturday=draw(st.booleans()),
        late_booking=draw(st.sampled_from(["skip", "send_now"])),
        late_booking_hours=draw(st.sampled_from([1, 24, 72])),
        voice_after_unanswered_sms=draw(st.booleans()),
        multi_appointment_day=draw(st.sampled_from(["first", "each"])),
        all_contacts_of_method=draw(st.booleans()),
        channel_order=draw(st.sampled_from([("sms", "email", "voice"), ("email", "sms")])),
    )
    policy = DeliveryPolicy(
        quiet_hours=draw(st.sampled_from([(), (QuietHours(time(12), time(13)),)])),
        template_windows=draw(st.sampled_from([(), (_WINDOW,)])),
        send_to_inactive_methods=draw(st.booleans()),
    )
    now = _BASE + timedelta(minutes=draw(st.integers(0, 10 * 24 * 60)))
    # Starts from an hour to 12 days after now, on a quarter hour; a few per batch, so that
    # appointments share them. (sampled_from spreads the values where integers() would
    # favour the smallest ones.)
    starts = draw(st.lists(st.sampled_from(range(4, 12 * 24 * 4, 7)), min_size=1, max_size=3))
    appointments = draw(st.lists(st.fixed_dictionaries({
        "start": st.sampled_from(starts),
        "zone": st.sampled_from(ZONES[:3]),
        "booked_minutes_before_now": st.sampled_from(_BOOKED_BEFORE_NOW),
        "booked_at": st.booleans(),
        "patient": st.integers(0, len(_PATIENTS) - 1),
        "status": st.sampled_from([AppointmentStatus.BOOKED] * 5 + [AppointmentStatus.CANCELLED]),
        "confirmed": st.sampled_from([False, False, True]),
        "blocked": st.sampled_from([False] * 5 + [True]),
        "replied_hours": st.sampled_from([None, None, -100, -1, 30, 100]),
        "same_day": st.booleans(),
        "disabled_type": st.sampled_from([False, False, False, True]),
    }), min_size=20, max_size=60))
    return {"settings": reminder_settings, "policy": policy, "now": now,
            "appointments": appointments}


_OFF_TYPE = "01TYP0000000000000000000OF"


def _practice() -> Practice:
    """The builders' practice plus an appointment type with reminders off (REM-55)."""
    base = practice()
    off = AppointmentType(id=_OFF_TYPE, org_id=ORG, name="Lab draw",
                          flags=ResourceFlags(reminders=False))
    return Practice(base.facilities, base.providers, {**base.types, _OFF_TYPE: off})


def _request(case: dict[str, Any], number: int, spec: dict[str, Any],
             where: Any) -> PlanRequest:
    now = case["now"]
    start = (now + timedelta(minutes=15 * spec["start"])).replace(minute=0) + timedelta(
        minutes=15 * (spec["start"] % 4))
    booked = min(now - timedelta(minutes=spec["booked_minutes_before_now"]), start)
    appointment = Appointment(
        id=f"01APT{number:021d}", org_id=ORG, patient_id=PATIENT,
        facility_id=facility_id(spec["zone"]), provider_id=PROVIDER,
        type_id=_OFF_TYPE if spec["disabled_type"] else TYPE,
        start=start, duration_minutes=30, status=spec["status"],
        confirmation=(ConfirmationState.CONFIRMED if spec["confirmed"]
                      else ConfirmationState.UNCONFIRMED),
        reminders_blocked=spec["blocked"],
        created_at=booked if not spec["booked_at"] else booked - timedelta(days=3),
        updated_at=booked,
    )
    earlier = dataclasses.replace(appointment, id="01APT" + "9" * 21,
                                  start=start - timedelta(hours=1))
    replied = spec["replied_hours"]
    return PlanRequest(
        appointment=appointment, patient=_PATIENTS[spec["patient"]], practice=where,
        settings=case["settings"], policy=case["policy"], now=case["now"],
        booked_at=booked if spec["booked_at"] else None,
        same_day=(earlier,) if spec["same_day"] else (),
        patient_replied_at=None if replied is None else case["now"] + timedelta(hours=replied),
    )


def _resolved(pending: tuple[PendingReminder, ...], addresses: Any,
              appointment_id: str) -> list[tuple[Any, ...]]:
    found = []
    for item in pending:
        address = item.address(addresses)
        key = f"rem:{appointment_id}{item.key_head}{address_digest(address)}{item.key_tail}"
        found.append((item.slot, item.kind, item.days_before, item.due_at, item.channel,
                      address, item.template_key, key))
    return found


def _written(plan: ReminderPlan) -> list[tuple[Any, ...]]:
    return [(m.slot, m.kind, m.days_before, m.due_at, m.channel, m.address, m.template_key,
             m.dedupe_key) for m in plan.to_write]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_the_batch_planner_writes_what_the_planner_writes(case: dict[str, Any]) -> None:
    where = _practice()
    batch = BatchPlanner(where, case["settings"], case["policy"], case["now"], lambda p: p)
    for number, spec in enumerate(case["appointments"]):
        req = _request(case, number, spec, where)
        pending, addresses = batch.pending(req)
        assert _resolved(pending, addresses, req.appointment.id) == _written(plan_reminders(req))


def test_a_request_outside_the_batch_is_planned_plainly() -> None:
    where = _practice()
    batch = BatchPlanner(where, ReminderSettings(), DeliveryPolicy(), _BASE, lambda p: p)
    spec = {"start": 900, "zone": ZONES[0], "booked_minutes_before_now": 0, "booked_at": False,
            "disabled_type": False,
            "patient": 1, "status": AppointmentStatus.BOOKED, "confirmed": False,
            "blocked": False, "replied_hours": None, "same_day": False}
    case = {"settings": ReminderSettings(send_time=time(9)), "policy": DeliveryPolicy(),
            "now": _BASE}
    req = _request(case, 1, spec, where)
    assert batch.key(req)[0] is None
    pending, addresses = batch.pending(req)
    assert _resolved(pending, addresses, req.appointment.id) == _written(plan_reminders(req))
    assert pending and all(p.due_at.astimezone(UTC).hour in (14, 15) for p in pending)


_SWEEP_SETTINGS = (
    ReminderSettings(),
    ReminderSettings(cadence_days=(3,), catch_up_in_schedulable_window=True),
    ReminderSettings(cadence_days=(2,), late_booking="send_now", late_booking_hours=72),
    ReminderSettings(voice_after_unanswered_sms=True, all_contacts_of_method=True),
)


def test_bookings_swept_across_the_reminder_times_plan_alike() -> None:
    """Bookings every 97 minutes from ten days before two starts up to the start itself
    (before and after ``now``), for every patient, with catch-ups, windows, late bookings and
    voice: each distinct plan is made once and every appointment still matches the planner."""
    where = _practice()
    now = _BASE + timedelta(days=3, hours=5)
    policies = (DeliveryPolicy(), DeliveryPolicy(template_windows=(_WINDOW,)))
    for reminder_settings in _SWEEP_SETTINGS:
        for policy in policies:
            batch = BatchPlanner(where, reminder_settings, policy, now, lambda p: p)
            case = {"settings": reminder_settings, "policy": policy, "now": now}
            number = 0
            for start in (4 * 24 * 4 + 2, 6 * 24 * 4 + 37):
                for before in range(-10 * 24 * 60, 4 * 24 * 60, 97):
                    for replied in (None, -240, 240):  # the same appointment, three replies
                        number += 1
                        other = number // 3
                        spec = {
                            "start": start, "zone": ZONES[other % 3],
                            "booked_minutes_before_now": before, "booked_at": other % 5 == 0,
                            "disabled_type": other % 17 == 0, "patient": other % len(_PATIENTS),
                            "status": (AppointmentStatus.CANCELLED if other % 11 == 0
                                       else AppointmentStatus.BOOKED),
                            "confirmed": other % 4 == 0, "blocked": other % 13 == 0,
                            "replied_hours": replied, "same_day": False,
                        }
                        req = _request(case, number, spec, where)
                        pending, addresses = batch.pending(req)
                        assert _resolved(pending, addresses, req.appointment.id) == _written(
                            plan_reminders(req)), spec
            assert len(batch._plans) < number  # the cache was used
