"""Which message are you answering? (REM-64, an option): when several prompts wait for an
answer and the patient's reply could answer more than one, ask them to pick by number, then
hand their original reply to the prompt they chose.

Two wrong answers in a row, and the question goes to staff with the original reply.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any

from transitions import EventData

from dialogs.context import DialogContext
from dialogs.effects import ClosePrompt, OpenPrompt, RouteToHub, UpdatePrompt
from dialogs.flows.base import (
    FlowEffect,
    FlowModel,
    FlowSpec,
    Reading,
    Redirect,
    Step,
    Trigger,
    reply_language,
    sets,
)
from dialogs.replies import reply
from dialogs.understanding.intents import Context
from domain.model import Prompt

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

__all__ = ["ASK_AGAIN", "FLOW", "SPEC", "WhichMessageFlow", "WhichState", "ask_which_message"]

ASK_AGAIN = 1
"""How many times the question is asked again after an answer that is not a choice."""
EXPIRES_AFTER = timedelta(hours=12)
MAX_CHOICES = 9


class WhichState(Enum):
    ASKING = "asking"
    ANSWERED = "answered"
    GAVE_UP = "gave_up"
    EXPIRED = "expired"


W = WhichState

TRANSITIONS: list[TransitionConfigDict] = [
    {"trigger": "option", "source": W.ASKING, "dest": W.ANSWERED, "conditions": "valid_choice",
     "before": sets(outcome="answered")},
    {"trigger": "option", "source": W.ASKING, "dest": None, "conditions": "may_ask_again",
     "before": sets(outcome="ask_again")},
    {"trigger": "option", "source": W.ASKING, "dest": W.GAVE_UP, "before": sets(outcome="gave_up")},
    {"trigger": "unexpected", "source": W.ASKING, "dest": None, "conditions": "may_ask_again",
     "before": sets(outcome="ask_again")},
    {"trigger": "unexpected", "source": W.ASKING, "dest": W.GAVE_UP,
     "before": sets(outcome="gave_up")},
    {"trigger": "timeout", "source": W.ASKING, "dest": W.EXPIRED,
     "before": sets(outcome="expired")},
]

SPEC = FlowSpec(
    name="which_message",
    states=WhichState,
    initial=W.ASKING,
    transitions=TRANSITIONS,
    terminal=frozenset({W.ANSWERED, W.GAVE_UP, W.EXPIRED}),
    summary="Several messages await an answer: ask which one the patient is answering (REM-64), "
    "then pass their reply on.",
)


def _candidates(prompt: Prompt) -> list[str]:
    raw = prompt.data.get("candidates", [])
    return [str(c) for c in raw] if isinstance(raw, list) else []


def _attempts(prompt: Prompt) -> int:
    raw = prompt.data.get("attempts", 0)
    return raw if isinstance(raw, int) else 0


class _Choice(FlowModel[WhichState]):
    def __init__(self, prompt: Prompt, reading: Reading) -> None:
        super().__init__()
        self.count = len(_candidates(prompt))
        self.choice = reading.option
        self.attempts = _attempts(prompt)

    def valid_choice(self, event: EventData) -> bool:
        return self.choice is not None and 1 <= self.choice <= self.count

    def may_ask_again(self, event: EventData) -> bool:
        return self.attempts < ASK_AGAIN


def _pending(prompt: Prompt) -> Reading:
    raw: Any = prompt.data.get("pending", {})
    pending = raw if isinstance(raw, dict) else {}
    try:
        trigger = Trigger(pending.get("trigger", "unknown"))
    except ValueError:
        trigger = Trigger.UNKNOWN
    option = pending.get("option")
    language = pending.get("language")
    return Reading(
        trigger,
        option if isinstance(option, int) else None,
        language if isinstance(language, str) else None,
    )


class WhichMessageFlow:
    """The which-message flow (see the module docstring)."""

    spec = SPEC
    context = Context.OPEN_CHAT

    def options(self, prompt: Prompt) -> int:
        return len(_candidates(prompt))

    def describe(self, prompt: Prompt, ctx: DialogContext, language: str | None) -> str:
        return "Which message are you answering?"

    def step(self, prompt: Prompt, reading: Reading, ctx: DialogContext) -> Step[WhichState]:
        event = {Trigger.OPTION: "option", Trigger.TIMEOUT: "timeout"}.get(
            reading.trigger, "unexpected"
        )
        model = SPEC.fire(_Choice(prompt, reading), SPEC.state_of(prompt.state), event)
        candidates = _candidates(prompt)
        effects: list[FlowEffect] = []
        if model.outcome == "answered" and model.choice is not None:
            effects = [
                ClosePrompt(prompt.id, W.ANSWERED.value),
                Redirect(candidates[model.choice - 1], _pending(prompt)),
            ]
        elif model.outcome == "ask_again":
            data = dict(prompt.data) | {"attempts": model.attempts + 1}
            language = reply_language(reading, ctx)
            effects = [
                UpdatePrompt(prompt.id, W.ASKING.value, data),
                reply("which.again", language, count=len(candidates)),
            ]
        elif model.outcome == "gave_up":
            note = "The patient did not say which message they were answering."
            effects = [
                ClosePrompt(prompt.id, W.GAVE_UP.value),
                RouteToHub("which_message_unanswered", reopen=True, note=note),
            ]
        elif model.outcome == "expired":
            effects = [ClosePrompt(prompt.id, W.EXPIRED.value)]
        return Step(model.state, tuple(effects))


def ask_which_message(
    prompts: list[tuple[Prompt, str]], reading: Reading, ctx: DialogContext
) -> list[FlowEffect]:
    """Open the question for ``prompts`` (each with its description, most recent first) and
    keep ``reading`` to pass on once the patient picks one."""
    chosen = prompts[:MAX_CHOICES]
    language = reply_language(reading, ctx)
    choices = "\n".join(f"{n}. {label}" for n, (_, label) in enumerate(chosen, start=1))
    pending = {"trigger": reading.trigger.value, "option": reading.option,
               "language": reading.language}
    return [
        OpenPrompt(
            flow=SPEC.name,
            state=SPEC.initial.value,
            data={"candidates": [p.id for p, _ in chosen], "pending": pending, "attempts": 0},
            expires_at=ctx.now + EXPIRES_AFTER,
        ),
        reply("which.ask", language, choices=choices),
    ]


FLOW = WhichMessageFlow()
