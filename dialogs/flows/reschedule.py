"""Reschedule options: the patient picks one of the times we texted (RSC-01, RSC-02, RSC-11).

The flow is pure. A pick is recorded as a ``reschedule.chosen`` event; the reschedule service
books it (or, when someone took it meanwhile, texts fresh options or gives up after the
configured restarts) and answers the patient. NO keeps the appointment as it is.

Prompt ``data``: ``session_id``, ``options`` (a list of ``{"slot_id", "start"}``, ``start`` in
ISO form), ``zone`` (the facility's) and ``current`` (the appointment's start, ISO).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from transitions import EventData

from dialogs.context import DialogContext
from dialogs.effects import ClosePrompt, EmitEvent, Reply, RouteToHub
from dialogs.flows.base import (
    FlowEffect,
    FlowModel,
    FlowSpec,
    Reading,
    Step,
    Trigger,
    reply_language,
    sets,
)
from dialogs.replies import format_when
from dialogs.understanding.intents import Context
from domain.model import Prompt
from domain.waitlist.texts import render

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

__all__ = ["FLOW", "SPEC", "RescheduleFlow", "RescheduleState", "options_of"]


class RescheduleState(Enum):
    CHOOSING = "choosing"
    CHOSEN = "chosen"
    KEPT = "kept"
    EXPIRED = "expired"


R = RescheduleState

TRANSITIONS: list[TransitionConfigDict] = [
    {"trigger": "option", "source": R.CHOOSING, "dest": R.CHOSEN, "conditions": "valid_choice",
     "before": sets(outcome="chosen")},
    {"trigger": "option", "source": R.CHOOSING, "dest": None, "before": sets(outcome="pick")},
    {"trigger": "yes", "source": R.CHOOSING, "dest": R.CHOSEN, "conditions": "single_option",
     "before": sets(outcome="chosen")},
    {"trigger": "yes", "source": R.CHOOSING, "dest": None, "before": sets(outcome="pick")},
    {"trigger": "keep", "source": R.CHOOSING, "dest": R.KEPT, "before": sets(outcome="kept")},
    {"trigger": "timeout", "source": R.CHOOSING, "dest": R.EXPIRED,
     "before": sets(outcome="expired")},
    {"trigger": "unexpected", "source": R.CHOOSING, "dest": None,
     "before": sets(outcome="to_staff")},
]

SPEC = FlowSpec(
    name="reschedule",
    states=RescheduleState,
    initial=R.CHOOSING,
    transitions=TRANSITIONS,
    terminal=frozenset({R.CHOSEN, R.KEPT, R.EXPIRED}),
    summary="A patient picks one of the new times offered for their appointment, or keeps it.",
)

_EVENTS = {
    Trigger.OPTION: "option",
    Trigger.CONFIRM: "yes",
    Trigger.CANCEL: "keep",
    Trigger.TIMEOUT: "timeout",
}


def options_of(prompt: Prompt) -> list[dict[str, str]]:
    """The options the prompt offered, in the order they were numbered."""
    raw = prompt.data.get("options")
    if not isinstance(raw, list):
        return []
    return [o for o in raw if isinstance(o, dict) and isinstance(o.get("slot_id"), str)]


class _Choice(FlowModel[RescheduleState]):
    def __init__(self, count: int, option: int | None) -> None:
        super().__init__()
        self.count = count
        self.option = option

    def valid_choice(self, event: EventData) -> bool:
        return self.option is not None and 1 <= self.option <= self.count

    def single_option(self, event: EventData) -> bool:
        if self.count == 1:
            self.option = 1
            return True
        return False


def _when(value: object, prompt: Prompt, language: str | None) -> str:
    if not isinstance(value, str):
        return "your appointment time"
    zone = ZoneInfo(str(prompt.data.get("zone") or "UTC"))
    return format_when(datetime.fromisoformat(value), zone, language)


class RescheduleFlow:
    """Answers to a list of reschedule options (see the module docstring)."""

    spec = SPEC
    context = Context.RESCHEDULE_OPTIONS

    def options(self, prompt: Prompt) -> int:
        return len(options_of(prompt))

    def describe(self, prompt: Prompt, ctx: DialogContext, language: str | None) -> str:
        current = _when(prompt.data.get("current"), prompt, language)
        return f"New times for your appointment on {current}"

    def step(self, prompt: Prompt, reading: Reading, ctx: DialogContext) -> Step[RescheduleState]:
        choices = options_of(prompt)
        state = SPEC.state_of(prompt.state)
        model = SPEC.fire(_Choice(len(choices), reading.option), state,
                          _EVENTS.get(reading.trigger, "unexpected"))
        language = reply_language(reading, ctx)
        current = _when(prompt.data.get("current"), prompt, language)
        payload: dict[str, Any] = {
            "session_id": prompt.ref_id or prompt.data.get("session_id"),
            "prompt_id": prompt.id,
            "language": language,
        }
        effects: list[FlowEffect]
        if model.outcome == "chosen" and model.option is not None:
            payload["slot_id"] = choices[model.option - 1]["slot_id"]
            effects = [ClosePrompt(prompt.id, R.CHOSEN.value),
                       EmitEvent("reschedule.chosen", payload)]
        elif model.outcome == "kept":
            effects = [ClosePrompt(prompt.id, R.KEPT.value), EmitEvent("reschedule.kept", payload),
                       Reply(render("reschedule.kept", language, current=current),
                             key="reschedule.kept")]
        elif model.outcome == "expired":
            effects = [ClosePrompt(prompt.id, R.EXPIRED.value)]
        else:
            effects = [Reply(render("reschedule.pick", language, count=len(choices),
                                    current=current), key="reschedule.pick")]
            if model.outcome == "to_staff":
                effects.insert(0, RouteToHub("unexpected_reply"))
        return Step(model.state, tuple(effects))


FLOW = RescheduleFlow()
