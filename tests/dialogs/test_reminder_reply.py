"""The reminder reply flow against every REM reply option (table-driven)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pytest

from dialogs.effects import (
    CancelAppointment,
    ClosePrompt,
    ConfirmAppointment,
    EmitEvent,
    InviteToWaitlist,
    Reply,
    RouteToHub,
    UpdatePrompt,
)
from dialogs.manager import DialogManager
from domain.model import AppointmentStatus, CancelSource
from domain.org_settings import OrgSettings, WaitlistSettings
from tests.dialogs.builders import NOW, appointment, context, of_type, org, prompt

START = appointment().start  # 9:30 tomorrow in Chicago; NOW is 10:00 today
manager = DialogManager()


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    confirmed: tuple[str, ...] = ()
    cancelled: tuple[tuple[str, bool], ...] = ()
    """(appointment id, no-show)"""
    reply_key: str | None = None
    hub: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    appointment: dict[str, Any] = field(default_factory=dict)
    now: Any = NOW


def _confirmed() -> dict[str, Any]:
    return {"confirmation": "confirmed", "confirmed_at": NOW - timedelta(days=1)}


def _cancelled(status: AppointmentStatus = AppointmentStatus.CANCELLED) -> dict[str, Any]:
    return {"status": status, "cancelled_at": NOW - timedelta(days=1),
            "cancel_source": CancelSource.PATIENT}


CASES = [
    # REM-23 / REM-24 / REM-07 defaults
    Case("confirm", "C", confirmed=("APT1",), reply_key="reminder.confirmed"),
    Case("confirm in words", "yes I'll be there", confirmed=("APT1",),
         reply_key="reminder.confirmed"),
    Case("cancel counts as no-show by default", "2", cancelled=(("APT1", True),),
         reply_key="reminder.cancelled_fee"),
    Case("no-show never", "2", cancelled=(("APT1", False),), reply_key="reminder.cancelled",
         options={"no_show_policy": "never"}),
    Case("no-show only inside the window: outside", "cancel my appointment",
         cancelled=(("APT1", False),), reply_key="reminder.cancelled",
         options={"no_show_policy": "within_window", "no_show_window_hours": 12}),
    Case("no-show only inside the window: inside", "2", cancelled=(("APT1", True),),
         reply_key="reminder.cancelled_fee",
         options={"no_show_policy": "within_window", "no_show_window_hours": 48}),
    # REM-02 / REM-59 reply modes
    Case("confirm only: cancel is refused", "2", reply_key="reminder.cancel_by_phone", hub=True,
         options={"mode": "confirm_only"}),
    Case("confirm only: confirm works", "C", confirmed=("APT1",),
         reply_key="reminder.confirmed", options={"mode": "confirm_only"}),
    Case("replies off", "C", hub=True, options={"mode": "none"}),
    # REM-26 confirm after cancel
    Case("confirm after cancel refused by default", "C",
         reply_key="reminder.confirm_after_cancel", hub=True, appointment=_cancelled()),
    Case("confirm after cancel allowed", "C", confirmed=("APT1",),
         reply_key="reminder.confirmed", options={"confirm_after_cancel": True},
         appointment=_cancelled()),
    Case("a no-show cannot be confirmed again", "C", reply_key="reminder.confirm_after_cancel",
         hub=True, options={"confirm_after_cancel": True},
         appointment=_cancelled(AppointmentStatus.NOSHOW)),
    # REM-27 cancel after confirm
    Case("cancel after confirm allowed by default", "2", cancelled=(("APT1", True),),
         reply_key="reminder.cancelled_fee", appointment=_confirmed()),
    Case("cancel after confirm turned off", "2", reply_key="reminder.cancel_after_confirm",
         hub=True, options={"cancel_after_confirm": False}, appointment=_confirmed()),
    # REM-63 cancel after the start time
    Case("cancel after start allowed by default", "2", cancelled=(("APT1", True),),
         reply_key="reminder.cancelled_fee", now=START + timedelta(minutes=5)),
    Case("cancel after start refused", "2", reply_key="reminder.cancel_after_start", hub=True,
         options={"cancel_after_start": False}, now=START + timedelta(minutes=5)),
    Case("cancel before start still fine with the option", "2", cancelled=(("APT1", True),),
         reply_key="reminder.cancelled_fee", options={"cancel_after_start": False},
         now=START - timedelta(minutes=5)),
    # REM-50 confirm past appointments
    Case("confirming a past appointment refused by default", "C", reply_key="reminder.past",
         hub=True, now=START + timedelta(hours=2)),
    Case("confirming a past appointment allowed", "C", confirmed=("APT1",),
         reply_key="reminder.confirmed", options={"confirm_past": True},
         now=START + timedelta(hours=2)),
    # REM-57 strict yes/no
    Case("strict: C is not a yes", "C", hub=True, options={"strict_yes_no": True}),
    Case("strict: Yes confirms", "Yes", confirmed=("APT1",), reply_key="reminder.confirmed",
         options={"strict_yes_no": True}),
    Case("strict: No cancels", "No", cancelled=(("APT1", True),),
         reply_key="reminder.cancelled_fee", options={"strict_yes_no": True}),
    # idempotence
    Case("already confirmed", "C", reply_key="reminder.already_confirmed",
         appointment=_confirmed()),
    Case("already cancelled", "2", reply_key="reminder.already_cancelled",
         appointment=_cancelled()),
    # anything else: staff, no guess
    Case("a question goes to staff", "What time?", hub=True),
    Case("an unexpected answer gets the configured auto-answer", "What time?",
         reply_key="reminder.unknown_auto_answer", hub=True,
         options={"unknown_reply_auto_answer": "Thanks, our team will answer you soon."}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_reply_option(case: Case) -> None:
    ctx = context(case.text, appointments=(appointment(**case.appointment),),
                  organization=org(**case.options), now=case.now)
    effects = manager.decide(ctx).effects

    assert tuple(e.appointment_id for e in of_type(effects, ConfirmAppointment)) == case.confirmed
    assert tuple(
        (e.appointment_id, e.no_show) for e in of_type(effects, CancelAppointment)
    ) == case.cancelled
    keys = [e.key for e in of_type(effects, Reply)]
    assert keys == ([case.reply_key] if case.reply_key else [])
    assert bool(of_type(effects, RouteToHub)) == case.hub


def test_fee_notice_travels_with_a_no_show_cancellation() -> None:
    (cancel,) = of_type(manager.decide(context("2")).effects, CancelAppointment)
    assert cancel.no_show and cancel.fee_notice
    assert "cancellation fee may apply" in of_type(
        manager.decide(context("2")).effects, Reply)[0].text


@pytest.mark.parametrize(
    ("invite_on_cancel", "enabled", "invited"),
    [("both", True, True), ("reminder", True, True), ("ehr", True, False),
     ("never", True, False), ("both", False, False)],
)
def test_cancelling_invites_to_the_waitlist_per_setting(
    invite_on_cancel: str, enabled: bool, invited: bool
) -> None:
    organization = replace(org(), settings=OrgSettings(
        waitlist=WaitlistSettings(enabled=enabled, invite_on_cancel=invite_on_cancel)))  # type: ignore[arg-type]
    effects = manager.decide(context("2", organization=organization)).effects
    assert of_type(effects, InviteToWaitlist) == (
        [InviteToWaitlist("PAT1", "APT1")] if invited else [])


def _day() -> tuple[Any, ...]:
    first = appointment("APT1", start=START)
    later = appointment("APT2", start=START + timedelta(hours=2))
    hidden = appointment("APT3", start=START + timedelta(hours=3), type_id="TYPE2")
    next_day = appointment("APT4", start=START + timedelta(days=1))
    return first, later, hidden, next_day


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, ["APT1"]),  # REM-21 default: only the appointment the reminder is about
        ({"apply_to_whole_day": True}, ["APT1", "APT2"]),  # REM-54, hidden types excluded
        ({"apply_to_whole_day": True, "whole_day_includes_hidden": True},
         ["APT1", "APT2", "APT3"]),  # REM-66
    ],
)
def test_one_answer_for_the_whole_day(options: dict[str, Any], expected: list[str]) -> None:
    confirm = manager.decide(context("C", appointments=_day(), organization=org(**options)))
    assert [e.appointment_id for e in of_type(confirm.effects, ConfirmAppointment)] == expected
    cancel = manager.decide(context("2", appointments=_day(), organization=org(**options)))
    assert [e.appointment_id for e in of_type(cancel.effects, CancelAppointment)] == expected
    if len(expected) > 1:
        assert f"{len(expected)} appointments" in of_type(confirm.effects, Reply)[0].text


def test_the_prompt_stays_open_for_a_change_of_mind() -> None:
    effects = manager.decide(context("C")).effects
    assert UpdatePrompt("PR1", "confirmed", {}) in effects
    assert not of_type(effects, ClosePrompt)
    later = context("2", prompts=(prompt(state="confirmed"),),
                    appointments=(appointment(**_confirmed()),))
    assert of_type(manager.decide(later).effects, CancelAppointment)


@pytest.mark.parametrize(("self_service", "reply_key"),
                         [(True, "reschedule.soon"), (False, "reschedule.staff")])
def test_reschedule_is_handed_off(self_service: bool, reply_key: str) -> None:
    effects = manager.decide(context("I need to reschedule",
                                     reschedule_flow=self_service)).effects
    (event,) = of_type(effects, EmitEvent)
    assert event.kind == "reschedule.requested"
    assert event.payload["appointment_id"] == "APT1"
    assert ClosePrompt("PR1", "reschedule_requested") in effects
    assert [e.key for e in of_type(effects, Reply)] == [reply_key]
    hub = of_type(effects, RouteToHub)
    assert bool(hub) is not self_service
    if hub:
        assert hub[0].reopen and "reschedule" in hub[0].note


def test_replies_come_in_the_patients_language() -> None:
    effects = manager.decide(context("sí, confirmo")).effects
    assert of_type(effects, ConfirmAppointment)
    assert of_type(effects, Reply)[0].text.startswith("¡Gracias!")


def test_the_confirmation_names_the_local_time() -> None:
    effects = manager.decide(context("C")).effects
    assert "Wed, Mar 11 at 9:30 AM" in of_type(effects, Reply)[0].text
