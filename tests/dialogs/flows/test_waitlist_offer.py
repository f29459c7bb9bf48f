"""The waitlist offer and invitation flows, through the dialog manager (so that the patient's
words are read the way they will be): YES claims, NO passes, LEAVEWAITLIST leaves, anything
else is asked again and shown to staff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.effects import (
    ClosePrompt,
    EmitEvent,
    LeaveWaitlist,
    Reply,
    RouteToHub,
)
from dialogs.flows.base import Reading, Trigger
from dialogs.flows.waitlist_offer import INVITE_FLOW, OFFER_FLOW
from dialogs.manager import DialogManager
from domain.model import Organization, Prompt
from domain.org_settings import OrgSettings, WaitlistSettings
from tests.dialogs.builders import NOW, context, of_type, prompt, replies


def offer_prompt(**data: Any) -> Prompt:
    values = {"offer_id": "OFF1", "slot_start": (NOW + timedelta(days=1)).isoformat(),
              "zone": "America/Chicago", "patient_id": "PAT1"}
    values.update(data)
    return prompt("PR-OFFER", flow="waitlist_offer", state="offered", appointment_id=None,
                  ref_id="OFF1", data=values, expires_at=NOW + timedelta(minutes=30))


def invite_prompt() -> Prompt:
    return prompt("PR-INV", flow="waitlist_invite", state="invited", appointment_id="APT1",
                  data={"patient_id": "PAT1", "source": "invite"},
                  expires_at=NOW + timedelta(hours=24))


def manager() -> DialogManager:
    found = DialogManager()
    found.register(OFFER_FLOW)
    found.register(INVITE_FLOW)
    return found


def decide(text: str, open_prompt: Prompt, **fields: Any):  # type: ignore[no-untyped-def]
    return manager().decide(context(text, prompts=(open_prompt,), **fields))


@pytest.mark.parametrize("text", ["YES", "yes", "Y", "Yes please", "sí", "ok"])
def test_yes_claims_the_opening_without_answering_yet(text: str) -> None:
    decision = decide(text, offer_prompt())
    assert decision.handled_by == "waitlist_offer"
    (event,) = of_type(decision.effects, EmitEvent)
    assert event.kind == "waitlist.accepted"
    assert event.payload["offer_id"] == "OFF1"
    assert of_type(decision.effects, ClosePrompt)[0].state == "accepted"
    # Whether the patient was first is only known once the slot is taken: no answer here.
    assert replies(decision.effects) == []


@pytest.mark.parametrize("text", ["NO", "no thanks", "N"])
def test_no_passes_and_keeps_the_patient_on_the_list(text: str) -> None:
    decision = decide(text, offer_prompt())
    kinds = [e.kind for e in of_type(decision.effects, EmitEvent)]
    assert kinds == ["waitlist.declined"]
    assert replies(decision.effects) == ["No problem, you're still on our waitlist."]
    assert not of_type(decision.effects, LeaveWaitlist)


def test_leavewaitlist_takes_the_patient_off() -> None:
    decision = decide("LEAVEWAITLIST", offer_prompt())
    assert of_type(decision.effects, LeaveWaitlist) == [LeaveWaitlist("PAT1")]
    assert replies(decision.effects)


def test_flow_step_handles_leave_itself() -> None:
    step = OFFER_FLOW.step(offer_prompt(), Reading(Trigger.LEAVE_WAITLIST), context("x"))
    assert of_type(step.effects, LeaveWaitlist) == [LeaveWaitlist("PAT1")]
    assert [e.kind for e in of_type(step.effects, EmitEvent)] == ["waitlist.declined"]
    assert step.state.value == "left"


def test_anything_else_is_asked_again_and_shown_to_staff() -> None:
    decision = decide("what time was that again?", offer_prompt())
    assert of_type(decision.effects, RouteToHub)
    (text,) = replies(decision.effects)
    assert text.startswith("Please reply YES to take the Wed, Mar 11 at 10:00 AM opening")
    assert not of_type(decision.effects, ClosePrompt)


def test_spanish_speakers_are_answered_in_spanish() -> None:
    decision = decide("no gracias", offer_prompt())
    assert replies(decision.effects) == ["De acuerdo, sigue en nuestra lista de espera."]


def test_timeout_closes_the_prompt_silently() -> None:
    step = OFFER_FLOW.step(offer_prompt(), Reading(Trigger.TIMEOUT), context(""))
    assert step.effects == (ClosePrompt("PR-OFFER", "expired"),)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(list(Trigger)), st.integers(min_value=0, max_value=5))
def test_every_reading_ends_or_keeps_the_offer_open_and_never_raises(
    trigger: Trigger, option: int
) -> None:
    reading = Reading(trigger, option if trigger is Trigger.OPTION else None)
    step = OFFER_FLOW.step(offer_prompt(), reading, context("x"))
    closed = of_type(step.effects, ClosePrompt)
    if step.state in OFFER_FLOW.spec.terminal:
        assert closed and closed[0].state == step.state.value
    else:
        assert not closed and of_type(step.effects, RouteToHub)


def test_yes_to_an_invitation_joins_and_confirms() -> None:
    decision = decide("yes", invite_prompt())
    (event,) = of_type(decision.effects, EmitEvent)
    assert (event.kind, event.payload["patient_id"], event.payload["appointment_id"]) == (
        "waitlist.join", "PAT1", "APT1")
    assert replies(decision.effects)[0].startswith("You're on our waitlist.")


def test_no_confirmation_when_wl33_turns_it_off() -> None:
    quiet = Organization(id="ORG1", name="Lakeside Health", public_key="lakeside-key-1",
                         settings=OrgSettings(waitlist=WaitlistSettings(confirm_on_join=False)))
    decision = decide("yes", invite_prompt(), organization=quiet)
    assert [e.kind for e in of_type(decision.effects, EmitEvent)] == ["waitlist.join"]
    assert replies(decision.effects) == []


def test_no_to_an_invitation_declines() -> None:
    decision = decide("no", invite_prompt())
    assert not of_type(decision.effects, EmitEvent)
    assert replies(decision.effects) == ["OK, we won't add you to the waitlist."]
    assert isinstance(decision.effects[-1], Reply)
