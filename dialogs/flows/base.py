"""What every flow is made of: a state Enum, a transition table (data), one ``transitions``
Machine per flow type serving many short-lived models, and a pure ``step``.

A step builds a model holding the facts the guards read, puts it in the prompt's state, fires
one event, and reads back the new state and the ``outcome`` field the callbacks set. Callbacks
only set fields (transitions cannot roll a state change back); the flow turns the outcome
into effects afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from transitions import EventData, Machine

from dialogs.context import DialogContext
from dialogs.effects import Effect
from dialogs.replies import LANGUAGES
from dialogs.understanding.intents import Classification, Context, Intent
from domain.model import Prompt

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

__all__ = [
    "FlowEffect",
    "FlowModel",
    "FlowSpec",
    "PromptFlow",
    "Reading",
    "Redirect",
    "Step",
    "Trigger",
    "reply_language",
    "sets",
]

S = TypeVar("S", bound=Enum)
M = TypeVar("M", bound="FlowModel[Any]")


class Trigger(StrEnum):
    """What happened to a flow: the reply's intent, or the prompt timing out."""

    CONFIRM = "confirm"
    CANCEL = "cancel"
    RESCHEDULE = "reschedule"
    STOP = "stop"
    START = "start"
    HELP = "help"
    LEAVE_WAITLIST = "leave_waitlist"
    ARRIVED = "arrived"
    OPTION = "option"
    UNKNOWN = "unknown"
    TIMEOUT = "timeout"


@dataclass(frozen=True, slots=True)
class Reading:
    """A reply as the flows see it: its trigger, the option chosen, its language."""

    trigger: Trigger
    option: int | None = None
    language: str | None = None
    confidence: float = 0.0

    @classmethod
    def of(cls, classification: Classification) -> Reading:
        intent = Intent(classification.intent)
        option = classification.option if intent is Intent.OPTION else None
        trigger = Trigger(intent.value)
        if trigger is Trigger.OPTION and option is None:
            trigger = Trigger.UNKNOWN
        return cls(trigger, option, classification.language, classification.confidence)


@dataclass(frozen=True, slots=True)
class Redirect:
    """Handle ``reading`` with the open prompt ``prompt_id`` (the which-message flow's answer).

    Only the dialog manager sees it; it never reaches the gateway.
    """

    prompt_id: str
    reading: Reading


FlowEffect = Effect | Redirect


@dataclass(frozen=True, slots=True)
class Step(Generic[S]):
    """The result of one event: the flow's new state and what should happen."""

    state: S
    effects: tuple[FlowEffect, ...] = ()


class FlowModel(Generic[S]):
    """The machine's model: the current state plus the fields callbacks set."""

    state: S
    outcome: str

    def __init__(self) -> None:
        self.outcome = ""


def reply_language(reading: Reading, ctx: DialogContext) -> str:
    """The language to answer in: the reply's own, else the patient's preferred one. When the
    reply is in the patient's language, their own variant wins ("zh" read from a ``zh-TW``
    patient answers in Traditional Chinese)."""
    preferred = ctx.patient.preferred_language if ctx.patient is not None else None
    if reading.language is not None and reading.language in LANGUAGES:
        if preferred and preferred.replace("_", "-").split("-")[0].lower() == reading.language:
            return preferred
        return reading.language
    return preferred or "en"


def sets(**fields: object) -> Callable[[EventData], None]:
    """A callback that only sets fields on the model (STYLE.md: callbacks only set fields)."""

    def callback(event: EventData) -> None:
        for name, value in fields.items():
            setattr(event.model, name, value)

    callback.__name__ = ", ".join(f"{k}={v}" for k, v in fields.items())
    return callback


class FlowSpec(Generic[S]):
    """A flow type as data: its states, its transitions, which states wait for the patient and
    which end the flow. Builds its one ``Machine`` on first use (never at import time).

    Args:
        name: the flow's name (stored as ``Prompt.flow``).
        states: the state Enum.
        initial: the state a new prompt starts in.
        transitions: the transition table; ``trigger`` names are the flow's events.
        terminal: states that end the flow (its prompt is closed).
        summary: one sentence for the docs.
    """

    def __init__(
        self,
        *,
        name: str,
        states: type[S],
        initial: S,
        transitions: Sequence[TransitionConfigDict],
        terminal: frozenset[S],
        summary: str,
    ) -> None:
        self.name = name
        self.states = states
        self.initial = initial
        self.transitions = tuple(transitions)
        self.terminal = terminal
        self.waiting = frozenset(s for s in states if s not in terminal)
        self.summary = summary
        self._machine: Machine | None = None

    @property
    def events(self) -> tuple[str, ...]:
        """Every event name of the table, in first-use order."""
        return tuple(dict.fromkeys(str(t["trigger"]) for t in self.transitions))

    @property
    def machine(self) -> Machine:
        if self._machine is None:
            self._machine = Machine(
                model=None,
                states=self.states,
                initial=self.initial,
                transitions=list(self.transitions),
                auto_transitions=False,
                send_event=True,
                ignore_invalid_triggers=False,
                name=self.name,
            )
        return self._machine

    def state_of(self, value: str | None) -> S:
        """The state stored as ``value`` (the initial state for None or an unknown value)."""
        if value is None:
            return self.initial
        try:
            return self.states(value)
        except ValueError:
            return self.initial

    def fire(self, model: M, state: S, event: str) -> M:
        """Put ``model`` in ``state`` and fire ``event`` on it; returns the model."""
        machine = self.machine
        machine.add_model(model, initial=state)
        try:
            model.trigger(event)  # type: ignore[attr-defined]
        finally:
            machine.remove_model(model)
        return model


class PromptFlow(Protocol):
    """A flow that owns prompts: the dialog manager routes replies to it.

    Other parts (waitlist offers, reschedule options, feedback, identity questions) register
    their own flows with the manager by implementing this.
    """

    spec: FlowSpec[Any]
    context: Context
    """How the classifier should read a reply to this flow's prompts."""

    # Optional: ``handles: frozenset[Trigger]``, the keyword triggers (ARRIVED,
    # LEAVE_WAITLIST) this flow answers itself when its prompt is the one replied to. Without
    # it, a waitlist-offer flow (context WAITLIST_OFFER) gets LEAVE_WAITLIST and no flow gets
    # ARRIVED (the keyword flows answer them).

    def options(self, prompt: Prompt) -> int:
        """How many numbered choices the prompt offered (0 for none)."""
        ...

    def describe(self, prompt: Prompt, ctx: DialogContext, language: str | None) -> str:
        """A short line naming the prompt, for "which message are you answering?" (REM-64)."""
        ...

    def step(self, prompt: Prompt, reading: Reading, ctx: DialogContext) -> Step[Any]:
        """Handle one reply (or ``Trigger.TIMEOUT``) to ``prompt``.

        Returns:
            The new state and the effects, including the UpdatePrompt/ClosePrompt of the prompt
            itself. Must not raise for any reading in any non-terminal state.
        """
        ...
