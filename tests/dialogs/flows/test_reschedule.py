"""The reschedule options flow, through the dialog manager: a number picks, NO keeps the
appointment, anything else is asked again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.effects import ClosePrompt, EmitEvent, RouteToHub
from dialogs.flows.base import Reading, Trigger
from dialogs.flows.reschedule import FLOW
from dialogs.manager import DialogManager
from domain.model import Prompt
from tests.dialogs.builders import NOW, context, of_type, prompt, replies


def options_prompt(count: int = 3) -> Prompt:
    options = [{"slot_id": f"SLOT{i}", "start": (NOW + timedelta(days=2, hours=i)).isoformat()}
               for i in range(1, count + 1)]
    return prompt("PR-RS", flow="reschedule", state="choosing", ref_id="SES1",
                  data={"session_id": "SES1", "zone": "America/Chicago", "options": options,
                        "current": (NOW + timedelta(days=1)).isoformat()},
                  expires_at=NOW + timedelta(hours=2))


def decide(text: str, open_prompt: Prompt | None = None):  # type: ignore[no-untyped-def]
    manager = DialogManager()
    manager.register(FLOW)
    return manager.decide(context(text, prompts=(open_prompt or options_prompt(),)))


@pytest.mark.parametrize(("text", "slot"), [("1", "SLOT1"), ("2", "SLOT2"), (" 3 ", "SLOT3"),
                                            ("#2", "SLOT2")])
def test_a_number_picks_that_option(text: str, slot: str) -> None:
    decision = decide(text)
    (event,) = of_type(decision.effects, EmitEvent)
    assert (event.kind, event.payload["session_id"], event.payload["slot_id"]) == (
        "reschedule.chosen", "SES1", slot)
    assert of_type(decision.effects, ClosePrompt)[0].state == "chosen"
    assert replies(decision.effects) == []  # the service answers once it has booked


def test_yes_picks_the_only_option() -> None:
    (event,) = of_type(decide("yes", options_prompt(1)).effects, EmitEvent)
    assert event.payload["slot_id"] == "SLOT1"


def test_yes_among_several_options_asks_for_a_number() -> None:
    decision = decide("yes")
    assert not of_type(decision.effects, EmitEvent)
    assert replies(decision.effects)[0].startswith("Please reply with a number from 1 to 3")


def test_no_keeps_the_appointment() -> None:
    decision = decide("no")
    assert [e.kind for e in of_type(decision.effects, EmitEvent)] == ["reschedule.kept"]
    assert replies(decision.effects) == [
        "OK, your appointment on Wed, Mar 11 at 10:00 AM stays as it is."]


@pytest.mark.parametrize("text", ["7", "can I come friday instead?"])
def test_anything_else_is_asked_again(text: str) -> None:
    decision = decide(text)
    assert not of_type(decision.effects, ClosePrompt)
    assert replies(decision.effects)[0].startswith("Please reply with a number from 1 to 3")


def test_an_unclear_message_is_also_shown_to_staff() -> None:
    assert of_type(decide("can I come friday instead?").effects, RouteToHub)


def test_the_classifier_is_told_how_many_options_there_are() -> None:
    assert FLOW.options(options_prompt(2)) == 2
    assert FLOW.options(prompt(flow="reschedule", data={"options": "junk"})) == 0


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(list(Trigger)), st.integers(min_value=-2, max_value=12),
       st.integers(min_value=0, max_value=4))
def test_no_reading_gets_stuck_or_picks_a_missing_option(
    trigger: Trigger, option: int, count: int
) -> None:
    open_prompt = options_prompt(count)
    step = FLOW.step(open_prompt, Reading(trigger, option), context("x"))
    chosen = [e for e in of_type(step.effects, EmitEvent) if e.kind == "reschedule.chosen"]
    offered = {o["slot_id"] for o in open_prompt.data["options"]}
    assert all(e.payload["slot_id"] in offered for e in chosen)
    if step.state in FLOW.spec.terminal:
        assert of_type(step.effects, ClosePrompt)
    else:
        assert replies(step.effects)
