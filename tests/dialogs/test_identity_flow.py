"""The identity check for texts from unknown numbers (PIT-04): ask the name, then the date of
birth, hand the answers to staff; never stuck, never telling whether a record matched."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from dialogs.context import DialogContext
from dialogs.effects import ClosePrompt, OpenPrompt, Reply, RouteToHub, UpdatePrompt
from dialogs.flows.base import Reading, Trigger
from dialogs.flows.identity import FLOW, MAX_ATTEMPTS, SPEC, IdentityState, start_identity_check
from domain.model import Channel, Conversation, Organization, Patient, Prompt
from domain.org_settings import HubSettings, OrgSettings

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def organization(*, verify: bool = True) -> Organization:
    return Organization(id="o", name="Riverbend", public_key="riverbend-key",
                        settings=OrgSettings(hub=HubSettings(identity_verification=verify)))


def context(text: str, *, verify: bool = True, patient: Patient | None = None,
            prompts: tuple[Prompt, ...] = (), patient_id: str | None = None) -> DialogContext:
    thread = Conversation(id="c", org_id="o", channel=Channel.SMS,
                          patient_address="+13125550142", careline_address="+18885550123",
                          created_at=NOW, patient_id=patient_id)
    return DialogContext(org=organization(verify=verify), conversation=thread, text=text,
                         now=NOW, patient=patient, prompts=prompts)


def opened(effects: tuple[Any, ...]) -> Prompt:
    start = next(e for e in effects if isinstance(e, OpenPrompt))
    return Prompt(id="pr", org_id="o", conversation_id="c", flow=start.flow, state=start.state,
                  created_at=NOW, expires_at=start.expires_at, data=dict(start.data))


def answer(prompt: Prompt, text: str, *, trigger: Trigger = Trigger.UNKNOWN
           ) -> tuple[Prompt, tuple[Any, ...]]:
    """Feed one reply; returns the prompt as the gateway would store it, and the effects."""
    step = FLOW.step(prompt, Reading(trigger), context(text, prompts=(prompt,)))
    for effect in step.effects:
        if isinstance(effect, UpdatePrompt):
            prompt = replace(prompt, state=effect.state, data=dict(effect.data))
        elif isinstance(effect, ClosePrompt):
            prompt = replace(prompt, state=effect.state, closed_at=NOW)
    assert step.state.value == prompt.state
    return prompt, step.effects


def texts(effects: tuple[Any, ...]) -> list[str]:
    return [e.text for e in effects if isinstance(e, Reply)]


def test_an_unknown_sender_is_asked_for_their_name_when_the_organisation_wants_it() -> None:
    effects = start_identity_check(context("Hi, is the clinic open Saturday?"))
    assert opened(effects).state == "ask_name"
    assert "first and last name" in texts(effects)[0]


def test_no_check_when_turned_off_known_sender_placeholder_or_already_asking() -> None:
    known = Patient(id="p", org_id="o", first_name="Ana", last_name="Ruiz")
    assert start_identity_check(context("hi", verify=False)) == ()
    assert start_identity_check(context("hi", patient=known)) == ()
    assert start_identity_check(context("hi", patient_id="placeholder")) == ()
    asking = opened(start_identity_check(context("hi")))
    assert start_identity_check(context("hi", prompts=(asking,))) == ()


def test_name_then_date_of_birth_then_staff() -> None:
    prompt = opened(start_identity_check(context("hello")))
    prompt, effects = answer(prompt, "Ana Ruiz")
    assert prompt.state == "ask_dob"
    assert "date of birth" in texts(effects)[0]
    prompt, effects = answer(prompt, "April 27, 1985")
    assert prompt.state == "collected" and prompt.closed_at is not None
    assert prompt.data | {"attempts": 0} == {
        "attempts": 0, "language": "en", "first_name": "Ana", "last_name": "Ruiz",
        "date_of_birth": "1985-04-27",
    }
    assert any(isinstance(e, RouteToHub) and e.reason == "identity_check" for e in effects)
    # The sender is never told whether a record matched.
    assert texts(effects) == ["Thank you. A member of our team will reply here soon."]


def test_an_unreadable_answer_is_asked_again_then_handed_to_staff() -> None:
    prompt = opened(start_identity_check(context("hello")))
    prompt, effects = answer(prompt, "why do you need this")
    assert prompt.state == "ask_name" and "could not read" in texts(effects)[0]
    for _ in range(MAX_ATTEMPTS - 1):
        prompt, effects = answer(prompt, "???")
    assert prompt.state == "gave_up"
    assert any(isinstance(e, RouteToHub) for e in effects)


def test_spanish_speakers_are_asked_in_spanish_and_dates_read_day_first() -> None:
    prompt = opened(start_identity_check(context("hola"), language="es"))
    prompt, effects = answer(prompt, "Lucía Castellanos")
    assert "fecha de nacimiento" in texts(effects)[0]
    prompt, _ = answer(prompt, "03/04/1985")
    assert prompt.data["date_of_birth"] == "1985-04-03"


def test_a_timed_out_check_goes_to_staff() -> None:
    prompt = opened(start_identity_check(context("hello")))
    prompt, effects = answer(prompt, "", trigger=Trigger.TIMEOUT)
    assert prompt.state == "expired"
    assert effects[-1] == RouteToHub("identity_check")


@given(st.lists(st.one_of(st.text(max_size=30), st.sampled_from(
    ["Ana Ruiz", "04/27/1985", "Ruiz, Ana", "no", "1/1/80"])), max_size=8))
def test_no_sequence_of_replies_leaves_the_check_stuck(replies: list[str]) -> None:
    prompt = opened(start_identity_check(context("hello")))
    steps = 0
    for text in replies:
        if prompt.closed_at is not None:
            break
        prompt, _ = answer(prompt, text)
        steps += 1
    # Every reply moves the check on: at most 2 tries per question, so 4 replies always end it.
    if len(replies) >= 2 * MAX_ATTEMPTS:
        assert prompt.closed_at is not None
    assert IdentityState(prompt.state) in SPEC.waiting | SPEC.terminal
    assert (prompt.closed_at is not None) == (IdentityState(prompt.state) in SPEC.terminal)


def test_the_prompt_expires_after_a_day() -> None:
    prompt = opened(start_identity_check(context("hello")))
    assert prompt.expires_at == NOW + timedelta(hours=24)
