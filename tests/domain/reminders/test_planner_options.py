"""Every reminder setting and rule of the planner, one behaviour per test (REM rows)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.model import (
    AppointmentStatus,
    Channel,
    ConfirmationState,
    ContactKind,
    ContactPoint,
    ResourceFlags,
)
from domain.org_settings import ReminderSettings
from domain.reminders import (
    PlanKind,
    PlannedMessage,
    PlanStatus,
    appointments_list_in_day,
    plan_reminders,
    same_day_group,
)
from domain.rules import DeliveryPolicy, TemplateWindow, TimeWindow
from tests.domain.reminders.builders import (
    EMAIL,
    PHONE,
    appointment,
    local,
    patient,
    practice,
    request,
)

CHI = "America/Chicago"
START = local(CHI, 2026, 3, 10, 9, 30)  # Tuesday, just after the spring-forward Sunday


def _by_slot(messages: tuple[PlannedMessage, ...]) -> dict[str, PlannedMessage]:
    return {m.slot: m for m in messages}


def _wall(moment: datetime | None) -> str:
    assert moment is not None
    return moment.astimezone(ZoneInfo(CHI)).strftime("%a %d %H:%M")


def _live(messages: tuple[PlannedMessage, ...]) -> list[PlannedMessage]:
    return [m for m in messages if m.status in (PlanStatus.PLANNED, PlanStatus.DUE)]


# -- catch-up (REM-42, REM-43, REM-61) ----------------------------------------------------


@pytest.mark.parametrize(
    ("booked", "expected"),
    [
        (local(CHI, 2026, 3, 8, 19, 0), "Mon 09 09:00"),  # after Sunday's 2-day reminder
        (local(CHI, 2026, 3, 8, 12, 0), "Sun 08 18:00"),  # the 18:00 time of the same day
        (local(CHI, 2026, 3, 9, 8, 59), "Mon 09 09:00"),
    ],
)
def test_catch_up_goes_at_the_next_catch_up_time_after_booking(
    booked: datetime, expected: str
) -> None:
    plan = plan_reminders(request(appointment(START, booked=booked)))
    live = _live(plan.messages)
    assert [(m.kind, _wall(m.due_at)) for m in live] == [(PlanKind.CATCH_UP, expected)]
    missed = [m for m in plan.messages if m.status is PlanStatus.MISSED]
    assert {m.slot for m in missed} == {"c7", "c5", "c2"}


def test_no_catch_up_when_the_final_reminder_is_still_ahead() -> None:
    # Booked after the 7-day reminder's time but before the 5-day one: only the cadence.
    plan = plan_reminders(request(appointment(START, booked=local(CHI, 2026, 3, 4, 12, 0))))
    assert [m.slot for m in _live(plan.messages)] == ["c5", "c2"]
    assert all(m.kind is not PlanKind.CATCH_UP for m in plan.messages)


def test_catch_up_can_be_turned_off() -> None:
    plan = plan_reminders(request(appointment(START, booked=local(CHI, 2026, 3, 8, 19, 0)),
                                  settings={"catch_up": False}))
    assert _live(plan.messages) == []
    assert _by_slot(plan.messages)["catch_up"].notes[-1].rule == "REM-42"


def test_forced_time_without_catch_up_when_forced_has_no_catch_up() -> None:
    plan = plan_reminders(request(appointment(START, booked=local(CHI, 2026, 3, 8, 19, 0)),
                                  settings={"forced_time": True, "catch_up_when_forced": False}))
    catch_up = _by_slot(plan.messages)["catch_up"]
    assert catch_up.status is PlanStatus.SKIPPED and catch_up.notes[-1].rule == "REM-43"


def test_forced_time_keeps_catch_ups_by_default() -> None:
    plan = plan_reminders(request(appointment(START, booked=local(CHI, 2026, 3, 8, 19, 0)),
                                  settings={"forced_time": True}))
    assert [m.kind for m in _live(plan.messages)] == [PlanKind.CATCH_UP]


WINDOW = DeliveryPolicy(template_windows=(TemplateWindow(
    "appointment_reminder", frozenset(range(5)), TimeWindow(time(12), time(14))),))


def test_catch_up_outside_the_schedulable_window_is_not_sent_by_default() -> None:
    plan = plan_reminders(request(appointment(START, booked=local(CHI, 2026, 3, 8, 19, 0)),
                                  policy=WINDOW))
    catch_up = _by_slot(plan.messages)["catch_up"]
    assert catch_up.status is PlanStatus.SKIPPED and catch_up.notes[-1].rule == "REM-61"


def test_catch_up_inside_the_schedulable_window_with_rem_61() -> None:
    plan = plan_reminders(request(appointment(START, booked=local(CHI, 2026, 3, 8, 19, 0)),
                                  policy=WINDOW,
                                  settings={"catch_up_in_schedulable_window": True}))
    catch_up = _by_slot(plan.messages)["catch_up"]
    assert _wall(catch_up.due_at) == "Mon 09 12:00" and catch_up.notes[-1].rule == "REM-61"


def test_catch_up_skips_a_holiday_catch_up_time() -> None:
    # Booked Christmas Eve 19:00 for Sat 26 Dec 17:00: Christmas times are holidays, so the
    # catch-up is Saturday 09:00.
    start = local(CHI, 2026, 12, 26, 17, 0)
    plan = plan_reminders(request(appointment(start, booked=local(CHI, 2026, 12, 24, 19, 0)),
                                  now=local(CHI, 2026, 12, 24, 19, 0)))
    (live,) = _live(plan.messages)
    assert live.kind is PlanKind.CATCH_UP
    assert live.due_at is not None
    assert live.due_at.astimezone(ZoneInfo(CHI)).strftime("%d %H:%M") == "26 09:00"


# -- late bookings (REM-53) ---------------------------------------------------------------


def test_booked_less_than_24h_ahead_gets_nothing_by_default() -> None:
    booked = START - timedelta(hours=20)
    plan = plan_reminders(request(appointment(START, booked=booked), now=booked))
    assert _live(plan.messages) == []
    assert _by_slot(plan.messages)["immediate"].notes[-1].rule == "REM-53"


def test_booked_less_than_24h_ahead_can_send_at_once() -> None:
    booked = local(CHI, 2026, 3, 9, 15, 0)
    plan = plan_reminders(request(appointment(START, booked=booked), now=booked,
                                  settings={"late_booking": "send_now"}))
    (live,) = _live(plan.messages)
    assert live.kind is PlanKind.IMMEDIATE and live.due_at == booked


def test_immediate_reminder_waits_for_working_hours() -> None:
    booked = local(CHI, 2026, 3, 9, 23, 0)
    plan = plan_reminders(request(appointment(START, booked=booked), now=booked,
                                  settings={"late_booking": "send_now"}))
    (live,) = _live(plan.messages)
    assert _wall(live.due_at) == "Tue 10 08:00"


# -- confirmation (REM-05, REM-23) --------------------------------------------------------


def _confirmed(**settings: object) -> tuple[PlannedMessage, ...]:
    confirmed_at = local(CHI, 2026, 3, 3, 12, 0)  # after the 7-day reminder
    appt = appointment(START, confirmation=ConfirmationState.CONFIRMED, confirmed_at=confirmed_at)
    return plan_reminders(request(appt, now=confirmed_at, settings=dict(settings))).messages


def test_after_confirmation_only_the_final_reminder_goes() -> None:
    messages = _by_slot(_confirmed())
    assert messages["c5"].status is PlanStatus.SKIPPED and messages["c5"].notes[-1].rule == "REM-23"
    assert messages["c2"].status is PlanStatus.PLANNED and messages["c2"].kind is PlanKind.FINAL
    assert messages["c2"].notes[-1].rule == "REM-05"
    # sent before the confirmation: re-planning leaves a sent row alone; a still-pending one
    # is cancelled
    assert messages["c7"].status is PlanStatus.SKIPPED


def test_final_reminder_can_be_withheld_after_confirmation() -> None:
    messages = _by_slot(_confirmed(final_after_confirmation=False))
    assert messages["c2"].status is PlanStatus.SKIPPED and messages["c2"].notes[-1].rule == "REM-05"


def test_confirmation_can_skip_everything() -> None:
    messages = _by_slot(_confirmed(skip_after_confirmation="all"))
    assert {messages[s].status for s in ("c5", "c2")} == {PlanStatus.SKIPPED}


# -- blocking, gates, resources -----------------------------------------------------------


def test_blocked_appointment_gets_no_reminder_until_unblocked() -> None:
    blocked = plan_reminders(request(appointment(START, reminders_blocked=True)))
    assert {m.status for m in blocked.messages} == {PlanStatus.BLOCKED}
    assert blocked.to_write == () and blocked.messages[0].notes[-1].rule == "REM-51"
    unblocked = plan_reminders(request(appointment(START)))
    assert len(unblocked.to_write) == 3


@pytest.mark.parametrize("which", ["facility", "provider", "type"])
def test_resource_with_reminders_disabled_gets_none(which: str) -> None:
    off = ResourceFlags(reminders=False)
    where = practice(**{f"{which}_flags": off})
    plan = plan_reminders(request(appointment(START), where=where))
    assert plan.to_write == ()
    assert plan.messages[0].notes[-1].rule == "REM-55"


@pytest.mark.parametrize("status", [AppointmentStatus.CANCELLED, AppointmentStatus.NOSHOW])
def test_inactive_appointment_gets_none(status: AppointmentStatus) -> None:
    plan = plan_reminders(request(appointment(START, status=status)))
    assert plan.to_write == () and status.value in plan.messages[0].reason


def test_organisation_can_turn_reminders_off() -> None:
    assert plan_reminders(request(appointment(START), settings={"enabled": False})).to_write == ()


# -- multi-appointment days (REM-20, REM-22, REM-04, REM-55) -------------------------------

SECOND = "01APT0000000000000000000BB"


def test_only_the_first_appointment_of_the_day_is_reminded_by_default() -> None:
    first = appointment(START)
    second = appointment(START + timedelta(hours=5), ident=SECOND)
    plan_first = plan_reminders(request(first, same_day=(second,)))
    plan_second = plan_reminders(request(second, same_day=(first,)))
    assert len(plan_first.to_write) == 3
    assert plan_second.to_write == () and plan_second.messages[0].notes[-1].rule == "REM-20"


def test_each_appointment_of_the_day_can_be_reminded() -> None:
    first = appointment(START)
    second = appointment(START + timedelta(hours=5), ident=SECOND)
    plan = plan_reminders(request(second, same_day=(first,),
                                  settings={"multi_appointment_day": "each"}))
    assert len(plan.to_write) == 3


def test_a_cancelled_first_appointment_hands_the_reminder_to_the_next() -> None:
    first = appointment(START, status=AppointmentStatus.CANCELLED)
    second = appointment(START + timedelta(hours=5), ident=SECOND)
    assert len(plan_reminders(request(second, same_day=(first,))).to_write) == 3


def test_appointments_list_in_day_honours_reminder_enabled_resources() -> None:
    where = practice(type_flags=ResourceFlags(reminders=False))
    first = appointment(START, type_id=None)
    second = appointment(START + timedelta(hours=5), ident=SECOND)
    group = same_day_group(first, (second,), CHI)
    assert [a.id for a in appointments_list_in_day(group, where, ReminderSettings())] == [
        first.id, SECOND]
    only = ReminderSettings(list_only_reminder_enabled=True)
    assert [a.id for a in appointments_list_in_day(group, where, only)] == [first.id]


def test_hidden_appointment_types_are_not_listed() -> None:
    first = appointment(START, type_id=None)
    second = appointment(START + timedelta(hours=5), ident=SECOND)
    group = same_day_group(first, (second,), CHI)
    listed = appointments_list_in_day(group, practice(hidden=True), ReminderSettings())
    assert [a.id for a in listed] == [first.id]


# -- channels and contacts (REM-28, REM-58, REM-60) ----------------------------------------

SECOND_PHONE = "+12025550178"


def test_voice_after_an_unanswered_first_text() -> None:
    plan = plan_reminders(request(appointment(START),
                                  settings={"voice_after_unanswered_sms": True}))
    assert [(m.slot, m.channel) for m in plan.to_write] == [
        ("c7", Channel.SMS), ("c5", Channel.VOICE), ("c2", Channel.VOICE)]
    assert plan.to_write[1].notes[-1].rule == "REM-60"


def test_texts_continue_when_the_patient_answered_the_first_one() -> None:
    replied = local(CHI, 2026, 3, 3, 10, 5)
    plan = plan_reminders(request(appointment(START), now=replied, patient_replied_at=replied,
                                  settings={"voice_after_unanswered_sms": True}))
    assert {m.channel for m in plan.to_write} == {Channel.SMS}


def test_every_contact_of_the_method_with_rem_58() -> None:
    who = patient(ContactPoint(kind=ContactKind.SMS, value=PHONE, preferred=True),
                  ContactPoint(kind=ContactKind.SMS, value=SECOND_PHONE))
    one = plan_reminders(request(appointment(START), who=who))
    every = plan_reminders(request(appointment(START), who=who,
                                   settings={"all_contacts_of_method": True}))
    assert {m.address for m in one.to_write} == {PHONE}
    assert {m.address for m in every.to_write} == {PHONE, SECOND_PHONE}
    assert len(set(every.keep_keys)) == 6


def test_email_only_patient_gets_email_reminders() -> None:
    who = patient(ContactPoint(kind=ContactKind.EMAIL, value=EMAIL, preferred=True))
    plan = plan_reminders(request(appointment(START), who=who))
    assert {(m.channel, m.address) for m in plan.to_write} == {(Channel.EMAIL, EMAIL)}


def test_no_usable_contact_skips_with_the_reason() -> None:
    who = patient(ContactPoint(kind=ContactKind.EMAIL, value=EMAIL, preferred=True))
    policy = DeliveryPolicy(enabled_methods=frozenset({"sms", "voice"}))
    plan = plan_reminders(request(appointment(START), who=who, policy=policy))
    assert plan.to_write == () and plan.messages[0].notes[-1].rule == "REM-28"


# -- idempotent keys ----------------------------------------------------------------------


def test_dedupe_keys_are_stable_and_change_with_the_start() -> None:
    first = plan_reminders(request(appointment(START)))
    later = plan_reminders(request(appointment(START), now=local(CHI, 2026, 3, 4, 8, 0)))
    assert set(later.keep_keys) <= set(first.keep_keys)
    moved = plan_reminders(request(appointment(START + timedelta(days=1))))
    assert not set(moved.keep_keys) & set(first.keep_keys)
