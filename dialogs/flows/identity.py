"""Identity check for texts from unknown numbers (PIT-04): ask the sender's name, then their
date of birth, and hand the answers to staff.

The check starts when an organisation turned ``hub.identity_verification`` on and a text that
answers no prompt comes from a number no patient has (the dialog manager adds
:func:`start_identity_check`'s effects to its patient-initiated effects, and registers
:data:`FLOW`). The sender keeps their placeholder profile throughout: the Hub compares the
answers with the patients on file (``domain.identity.match_patient``) and suggests a match,
and a staff member verifies it. Nothing is linked on the sender's word alone, since anyone can
type a name and a birthday, and the sender is never told whether a record matched.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any

from transitions import EventData

from dialogs.context import DialogContext
from dialogs.effects import ClosePrompt, Effect, OpenPrompt, Reply, RouteToHub, UpdatePrompt
from dialogs.flows.base import FlowEffect, FlowModel, FlowSpec, Reading, Step, Trigger, sets
from dialogs.understanding.intents import Context
from domain.identity import parse_date_of_birth, parse_full_name
from domain.model import Prompt

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

__all__ = [
    "FLOW",
    "MAX_ATTEMPTS",
    "PROMPT_TTL",
    "SPEC",
    "IdentityFlow",
    "IdentityState",
    "identity_text",
    "start_identity_check",
]

MAX_ATTEMPTS = 2
"""Answers that cannot be read before the check hands over to staff."""

PROMPT_TTL = timedelta(hours=24)


class IdentityState(Enum):
    ASK_NAME = "ask_name"
    ASK_DOB = "ask_dob"
    COLLECTED = "collected"
    GAVE_UP = "gave_up"
    EXPIRED = "expired"


S = IdentityState
_WAITING = [S.ASK_NAME, S.ASK_DOB]

TRANSITIONS: list[TransitionConfigDict] = [
    {"trigger": "answer", "source": S.ASK_NAME, "dest": S.ASK_DOB, "conditions": "name_read",
     "before": sets(outcome="ask_dob")},
    {"trigger": "answer", "source": S.ASK_DOB, "dest": S.COLLECTED, "conditions": "dob_read",
     "before": sets(outcome="collected")},
    {"trigger": "answer", "source": _WAITING, "dest": S.GAVE_UP, "conditions": "out_of_tries",
     "before": sets(outcome="gave_up")},
    {"trigger": "answer", "source": _WAITING, "dest": None, "before": sets(outcome="retry")},
    {"trigger": "timeout", "source": _WAITING, "dest": S.EXPIRED,
     "before": sets(outcome="expired")},
]

SPEC = FlowSpec(
    name="identity",
    states=IdentityState,
    initial=S.ASK_NAME,
    transitions=TRANSITIONS,
    terminal=frozenset({S.COLLECTED, S.GAVE_UP, S.EXPIRED}),
    summary="An unknown sender is asked for their name and date of birth; staff verify the "
    "suggested patient in the Hub.",
)

_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "ask_name": "To help us find your record, please reply with your first and last name.",
        "retry_name": "Sorry, we could not read a full name. Please reply with your first and "
        "last name, for example: Maria Lopez.",
        "ask_dob": "Thank you. Please reply with your date of birth, for example 04/27/1985.",
        "retry_dob": "Sorry, we could not read that date. Please reply with your date of birth "
        "as month/day/year, for example 04/27/1985.",
        "done": "Thank you. A member of our team will reply here soon.",
    },
    "es": {
        "ask_name": "Para encontrar su expediente, responda con su nombre y apellido.",
        "retry_name": "Disculpe, no pudimos leer un nombre completo. Responda con su nombre y "
        "apellido, por ejemplo: María López.",
        "ask_dob": "Gracias. Responda con su fecha de nacimiento, por ejemplo 27/04/1985.",
        "retry_dob": "Disculpe, no pudimos leer esa fecha. Responda con su fecha de nacimiento "
        "como día/mes/año, por ejemplo 27/04/1985.",
        "done": "Gracias. Una persona de nuestro equipo le responderá aquí pronto.",
    },
}


def identity_text(key: str, language: str | None) -> Reply:
    """The check's own text ``key`` in ``language`` (English for languages it lacks)."""
    base = (language or "en").split("-")[0].lower()
    texts = _TEXTS.get(base, _TEXTS["en"])
    return Reply(texts[key], key=f"identity.{key}")


def start_identity_check(ctx: DialogContext, language: str | None = None) -> tuple[Effect, ...]:
    """The effects that start the check for a patient-initiated text, or none.

    It starts only when the organisation asks for identity verification, the thread has no
    patient yet (a number nobody on file has; the Hub gives it a placeholder profile) and no
    check is open.
    """
    if not ctx.settings.hub.identity_verification:
        return ()
    if ctx.patient is not None or ctx.conversation.patient_id is not None:
        return ()
    if any(p.flow == SPEC.name for p in ctx.prompts):
        return ()
    language = (language or "en").split("-")[0].lower()
    return (
        OpenPrompt(flow=SPEC.name, state=S.ASK_NAME.value,
                   data={"attempts": 0, "language": language},
                   expires_at=ctx.now + PROMPT_TTL),
        identity_text("ask_name", language),
    )


class _Check(FlowModel[IdentityState]):
    def __init__(self, prompt: Prompt, ctx: DialogContext) -> None:
        super().__init__()
        self.data: dict[str, Any] = dict(prompt.data)
        self.language = str(self.data.get("language") or "en")
        self.text = ctx.text
        self.today = ctx.now.date()
        self.name = parse_full_name(ctx.text)
        self.dob = parse_date_of_birth(ctx.text, today=self.today,
                                       day_first=self.language == "es")

    def name_read(self, event: EventData) -> bool:
        return self.name is not None

    def dob_read(self, event: EventData) -> bool:
        return self.dob is not None

    def out_of_tries(self, event: EventData) -> bool:
        return int(self.data.get("attempts", 0)) + 1 >= MAX_ATTEMPTS


class IdentityFlow:
    """The identity check as a prompt flow of the dialog manager."""

    spec = SPEC
    context = Context.IDENTITY

    def options(self, prompt: Prompt) -> int:
        return 0

    def describe(self, prompt: Prompt, ctx: DialogContext, language: str | None) -> str:
        return "Identity check" if (language or "en").startswith("en") else "Verificación"

    def step(self, prompt: Prompt, reading: Reading, ctx: DialogContext) -> Step[IdentityState]:
        """Read a name or a date of birth from the reply (or time out); see the module doc."""
        event = "timeout" if reading.trigger is Trigger.TIMEOUT else "answer"
        model = SPEC.fire(_Check(prompt, ctx), SPEC.state_of(prompt.state), event)
        return Step(model.state, tuple(_effects(prompt, model)))


def _effects(prompt: Prompt, model: _Check) -> list[FlowEffect]:
    data = dict(model.data)
    language = model.language
    if model.outcome == "ask_dob" and model.name is not None:
        data.update(first_name=model.name[0], last_name=model.name[1], attempts=0)
        return [UpdatePrompt(prompt.id, S.ASK_DOB.value, data),
                identity_text("ask_dob", language)]
    if model.outcome == "collected" and model.dob is not None:
        data.update(date_of_birth=model.dob.isoformat())
        return [UpdatePrompt(prompt.id, S.COLLECTED.value, data),
                ClosePrompt(prompt.id, S.COLLECTED.value), RouteToHub("identity_check"),
                identity_text("done", language)]
    if model.outcome == "retry":
        data["attempts"] = int(data.get("attempts", 0)) + 1
        key = "retry_name" if model.state is S.ASK_NAME else "retry_dob"
        return [UpdatePrompt(prompt.id, model.state.value, data), identity_text(key, language)]
    if model.outcome == "gave_up":
        return [ClosePrompt(prompt.id, S.GAVE_UP.value), RouteToHub("identity_check"),
                identity_text("done", language)]
    return [ClosePrompt(prompt.id, S.EXPIRED.value), RouteToHub("identity_check")]


FLOW = IdentityFlow()
"""Register with ``DialogManager.register(FLOW)``."""
