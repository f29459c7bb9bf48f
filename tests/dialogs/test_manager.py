"""The dialog manager: what a message answers, and the flows that come first."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from dialogs.context import DialogContext
from dialogs.effects import (
    CancelAppointment,
    ClosePrompt,
    ConfirmAppointment,
    FlagForFollowUp,
    LeaveWaitlist,
    MarkArrived,
    OpenPrompt,
    OptIn,
    OptOut,
    Reply,
    RouteToHub,
    UpdatePrompt,
)
from dialogs.flows import ALL_SPECS, which_message
from dialogs.flows.base import FlowSpec, Reading, Step, Trigger
from dialogs.manager import AUTO_REPLY_KEY, DialogManager, is_bare_cancel
from dialogs.understanding.intents import Context
from domain.model import AppointmentStatus, ConversationStatus, Prompt
from domain.org_settings import HubSettings, OrgSettings, ReplySettings
from tests.dialogs.builders import (
    CLINIC_NUMBER,
    NOW,
    OTHER_CLINIC_NUMBER,
    PATIENT_PHONE,
    appointment,
    context,
    conversation,
    of_type,
    org,
    prompt,
    replies,
    simulate,
)

manager = DialogManager()


def _org_with(**hub: object) -> object:
    return replace(org(), settings=OrgSettings(hub=HubSettings(**hub)))  # type: ignore[arg-type]


# -- patient-initiated -----------------------------------------------------------------------


def test_a_message_without_open_prompt_goes_to_staff_without_a_guess() -> None:
    decision = manager.decide(context("C", prompts=()))
    assert decision.handled_by == "hub"
    assert decision.effects == (RouteToHub("patient_message"),)


def test_the_auto_reply_goes_out_once() -> None:
    organization = _org_with(auto_reply="Thanks for your message! We'll reply within a day.")
    ctx = context("Do you take new patients?", prompts=(), organization=organization)
    first = manager.decide(ctx)
    assert [e.key for e in of_type(first.effects, Reply)] == [AUTO_REPLY_KEY]
    second = manager.decide(simulate(ctx, first.effects))
    assert not of_type(second.effects, Reply)
    assert of_type(second.effects, RouteToHub)


def test_a_prompt_of_an_unknown_flow_sends_the_reply_to_staff() -> None:
    ctx = context("yes", prompts=(prompt(flow="feedback", appointment_id=None),))
    assert manager.decide(ctx).effects == (RouteToHub("unexpected_reply"),)


# -- compliance first ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["STOP", "stop", "Unsubscribe", "stop texting me", "STOPALL"])
def test_stop_opts_out_with_one_confirmation_whatever_is_open(text: str) -> None:
    ctx = context(text)
    decision = manager.decide(ctx)
    assert decision.handled_by == "compliance"
    assert of_type(decision.effects, OptOut) == [OptOut(PATIENT_PHONE, CLINIC_NUMBER, "PAT1")]
    assert len(replies(decision.effects)) == 1
    assert not of_type(decision.effects, CancelAppointment)
    again = manager.decide(simulate(ctx, decision.effects))
    assert again.effects == (), "a second STOP gets no second confirmation"


def test_a_bare_cancel_opts_out_and_flags_the_appointment() -> None:
    assert is_bare_cancel(" Cancel! ") and not is_bare_cancel("cancel my appointment")
    decision = manager.decide(context("CANCEL"))
    assert of_type(decision.effects, OptOut)
    (flag,) = of_type(decision.effects, FlagForFollowUp)
    assert flag.appointment_id == "APT1"
    assert of_type(decision.effects, RouteToHub)[0].reopen
    assert not of_type(decision.effects, CancelAppointment)


def test_a_bare_cancel_without_flagging_when_configured() -> None:
    decision = manager.decide(context("cancel", organization=org(bare_cancel="opt_out")))
    assert of_type(decision.effects, OptOut)
    assert not of_type(decision.effects, FlagForFollowUp)


def test_a_bare_cancel_flags_the_next_appointment_when_no_reminder_is_open() -> None:
    later = appointment("APT9", start=NOW + timedelta(days=9))
    decision = manager.decide(context("CANCEL", prompts=(), appointments=(later,)))
    assert [f.appointment_id for f in of_type(decision.effects, FlagForFollowUp)] == ["APT9"]


def test_start_after_stop_opts_back_in_on_the_same_number() -> None:
    ctx = context("START", opted_out_here=True, opted_out_from=(CLINIC_NUMBER,))
    decision = manager.decide(ctx)
    assert of_type(decision.effects, OptIn) == [OptIn(PATIENT_PHONE, CLINIC_NUMBER)]
    assert replies(decision.effects)


@pytest.mark.parametrize(("text", "opted_in"), [("YES", True), ("yes", True), ("sí", True),
                                                ("C", False), ("What is this?", False)])
def test_a_plain_yes_after_stop_opts_back_in(text: str, opted_in: bool) -> None:
    ctx = context(text, opted_out_here=True, opted_out_from=(CLINIC_NUMBER,))
    decision = manager.decide(ctx)
    assert bool(of_type(decision.effects, OptIn)) is opted_in
    assert not of_type(decision.effects, ConfirmAppointment), "opted out: no reminder answers"
    if not opted_in:
        assert of_type(decision.effects, RouteToHub) and not replies(decision.effects)


def test_start_to_another_number_names_the_number_to_answer() -> None:
    ctx = context("START", opted_out_from=(OTHER_CLINIC_NUMBER,))
    decision = manager.decide(ctx)
    assert not of_type(decision.effects, OptIn)
    (text,) = replies(decision.effects)
    assert OTHER_CLINIC_NUMBER in text


@pytest.mark.parametrize("opted_out", [False, True])
def test_help_names_the_clinic_and_its_phone(opted_out: bool) -> None:
    ctx = context("HELP", opted_out_here=opted_out,
                  opted_out_from=(CLINIC_NUMBER,) if opted_out else ())
    (text,) = replies(manager.decide(ctx).effects)
    assert "Lakeside Health" in text and "(312) 555-0111" in text


# -- keyword flows ----------------------------------------------------------------------------


def test_here_near_the_appointment_marks_the_patient_arrived() -> None:
    soon = appointment(start=NOW + timedelta(minutes=20))
    decision = manager.decide(context("I'm here", appointments=(soon,)))
    assert decision.handled_by == "arrival"
    assert of_type(decision.effects, MarkArrived) == [MarkArrived("APT1")]
    already = manager.decide(context("here", appointments=(
        soon.with_status(AppointmentStatus.ARRIVED, NOW),)))
    assert not of_type(already.effects, MarkArrived) and replies(already.effects)


def test_here_far_from_any_appointment_goes_to_staff() -> None:
    decision = manager.decide(context("I'm here"))  # the appointment is tomorrow
    assert not of_type(decision.effects, MarkArrived)
    assert of_type(decision.effects, RouteToHub)


def test_an_arrival_prompt_answers_here() -> None:
    soon = appointment(start=NOW + timedelta(minutes=30))
    ctx = context("here", appointments=(soon,),
                  prompts=(prompt("AR1", flow="arrival", state="expected"),))
    decision = manager.decide(ctx)
    assert decision.prompt_id == "AR1"
    assert UpdatePrompt("AR1", "arrived", {}) in decision.effects


@pytest.mark.parametrize("text", ["LEAVEWAITLIST", "take me off the waitlist"])
def test_leave_waitlist(text: str) -> None:
    decision = manager.decide(context(text))
    assert of_type(decision.effects, LeaveWaitlist) == [LeaveWaitlist("PAT1")]
    unknown = manager.decide(context(text, patient=None))
    assert not of_type(unknown.effects, LeaveWaitlist) and of_type(unknown.effects, RouteToHub)


# -- several prompts ---------------------------------------------------------------------------


def _two_reminders() -> dict[str, object]:
    return {
        "appointments": (appointment("APT1"), appointment("APT2", start=NOW + timedelta(days=5))),
        "prompts": (prompt("PR2", appointment_id="APT2", created_at=NOW - timedelta(hours=1)),
                    prompt("PR1", appointment_id="APT1", created_at=NOW - timedelta(days=1))),
    }


def test_several_prompts_the_most_recent_answers_by_default() -> None:
    decision = manager.decide(context("C", **_two_reminders()))  # type: ignore[arg-type]
    assert of_type(decision.effects, ConfirmAppointment) == [ConfirmAppointment("APT2")]


def test_several_prompts_ask_which_message_when_configured() -> None:
    ctx = context("C", organization=org(ask_which_message=True), **_two_reminders())  # type: ignore[arg-type]
    asked = manager.decide(ctx)
    assert asked.handled_by == "which_message"
    assert not of_type(asked.effects, ConfirmAppointment)
    (question,) = of_type(asked.effects, OpenPrompt)
    assert question.data["candidates"] == ["PR2", "PR1"]
    (text,) = replies(asked.effects)
    assert "1. Appointment on Sun, Mar 15" in text and "2. Appointment on Wed, Mar 11" in text

    ctx = simulate(replace(ctx, text="2"), asked.effects)
    answered = manager.decide(ctx)
    assert of_type(answered.effects, ConfirmAppointment) == [ConfirmAppointment("APT1")]
    assert any(isinstance(e, ClosePrompt) and e.state == "answered" for e in answered.effects)


def test_which_message_gives_up_to_staff_after_another_miss() -> None:
    ctx = context("C", organization=org(ask_which_message=True), **_two_reminders())  # type: ignore[arg-type]
    ctx = simulate(ctx, manager.decide(ctx).effects)
    miss = manager.decide(replace(ctx, text="7"))
    assert [e.key for e in of_type(miss.effects, Reply)] == ["which.again"]
    ctx = simulate(replace(ctx, text="whatever"), miss.effects)
    gave_up = manager.decide(ctx)
    assert of_type(gave_up.effects, RouteToHub)
    assert not of_type(gave_up.effects, ConfirmAppointment)


def test_unknown_text_is_not_asked_about_it_goes_to_staff() -> None:
    ctx = context("what?", organization=org(ask_which_message=True), **_two_reminders())  # type: ignore[arg-type]
    decision = manager.decide(ctx)
    assert not of_type(decision.effects, OpenPrompt) and of_type(decision.effects, RouteToHub)


def test_an_older_reminder_for_the_same_visit_is_superseded() -> None:
    ctx = context("C", prompts=(prompt("NEW", created_at=NOW - timedelta(hours=1)),
                                prompt("OLD", created_at=NOW - timedelta(days=2))),
                  organization=org(ask_which_message=True))
    decision = manager.decide(ctx)
    assert ClosePrompt("OLD", "superseded") in decision.effects
    assert decision.prompt_id == "NEW"
    assert not of_type(decision.effects, OpenPrompt)


def test_expire_closes_with_the_flows_timeout_state() -> None:
    ctx = context("")
    assert manager.expire(prompt(), ctx) == (ClosePrompt("PR1", "expired"),)
    assert manager.expire(prompt(flow="unknown"), ctx) == (ClosePrompt("PR1", "expired"),)


def test_flows_do_not_shadow_machine_methods(caplog: pytest.LogCaptureFixture) -> None:
    """A model attribute named like a trigger would be silently skipped by transitions."""
    caplog.set_level(logging.WARNING, logger="transitions")
    for text in ["C", "2", "R", "what", "STOP", "HELP", "here", "LEAVEWAITLIST", "1"]:
        for extra in ({}, {"organization": org(ask_which_message=True)}):
            ctx = context(text, **_two_reminders(), **extra)  # type: ignore[arg-type]
            ctx = simulate(ctx, manager.decide(ctx).effects)
            manager.decide(replace(ctx, text="1"))
    assert [r.getMessage() for r in caplog.records if r.name.startswith("transitions")] == []
    assert {spec.name for spec in ALL_SPECS} == {
        "compliance", "reminder", "arrival", "leave_waitlist", "which_message"}


def test_closed_chat_routing_is_left_to_the_hub_rule() -> None:
    closed = conversation(status=ConversationStatus.CLOSED, closed_at=NOW - timedelta(days=1))
    decision = manager.decide(context("What time?", conversation=closed))
    assert decision.effects == (RouteToHub("unexpected_reply"),)
    expected = manager.decide(context("C", conversation=closed))
    assert not of_type(expected.effects, RouteToHub)


def test_strict_mode_only_applies_to_reminders() -> None:
    organization = replace(org(), settings=OrgSettings(replies=ReplySettings(strict_yes_no=True)))
    decision = manager.decide(context("yes", organization=organization))
    assert of_type(decision.effects, ConfirmAppointment)


class _OfferFlow:
    """A stand-in for another part's flow: a waitlist offer."""

    context = Context.WAITLIST_OFFER

    def __init__(self, name: str) -> None:
        spec = which_message.SPEC
        self.spec = FlowSpec(name=name, states=spec.states, initial=spec.initial,
                             transitions=spec.transitions, terminal=spec.terminal, summary="")
        self.seen: list[Reading] = []

    def options(self, prompt: Prompt) -> int:
        return 0

    def describe(self, prompt: Prompt, ctx: DialogContext, language: str | None) -> str:
        return "An earlier opening"

    def step(self, prompt: Prompt, reading: Reading, ctx: DialogContext) -> Step[Any]:
        self.seen.append(reading)
        return Step(which_message.WhichState.ASKING, (RouteToHub("offer_answer"),))


def test_another_parts_flow_is_routed_to_and_may_claim_leavewaitlist() -> None:
    offers = DialogManager()
    flow = _OfferFlow("waitlist_offer")
    offers.register(flow)  # type: ignore[arg-type]
    offer = prompt("OF1", flow="waitlist_offer", state="asking", appointment_id=None)
    decision = offers.decide(context("LEAVEWAITLIST", prompts=(offer,)))
    assert decision.handled_by == "waitlist_offer"
    assert [r.trigger for r in flow.seen] == [Trigger.LEAVE_WAITLIST]
    assert not of_type(decision.effects, LeaveWaitlist)
    # a reminder does not claim it: the keyword flow answers
    assert of_type(offers.decide(context("LEAVEWAITLIST")).effects, LeaveWaitlist)
