"""Arrival: "HERE" / "I'm here" near the appointment time moves the patient to the Waiting
Room's Arrived section (WR-02, WR-03).

It answers an arrival prompt (the arrival-instructions message sent before the appointment
opens one with :func:`arrival_prompt`), or, without one, any arrival message from a known
patient whose appointment is about to start or under way. A claim that matches no appointment
goes to staff.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING

from transitions import EventData

from dialogs.context import DialogContext
from dialogs.effects import ClosePrompt, MarkArrived, RouteToHub, UpdatePrompt
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
from dialogs.replies import format_when, reply
from dialogs.understanding.intents import Context
from domain.model import ACTIVE_STATUSES, Appointment, AppointmentStatus, Prompt, new_id

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

__all__ = [
    "ARRIVAL_EARLY",
    "FLOW",
    "SPEC",
    "ArrivalFlow",
    "ArrivalState",
    "arrival_prompt",
    "arrival_step",
    "due_appointment",
]

ARRIVAL_EARLY = timedelta(minutes=60)
"""How long before the start an arrival counts (arrival instructions go out 30 minutes
before, WR-02; patients are often early)."""


class ArrivalState(Enum):
    EXPECTED = "expected"
    ARRIVED = "arrived"
    CLOSED = "closed"


A = ArrivalState
_OPEN = [A.EXPECTED, A.ARRIVED]

TRANSITIONS: list[TransitionConfigDict] = [
    {"trigger": "arrived", "source": A.EXPECTED, "dest": A.ARRIVED, "conditions": "is_due",
     "before": sets(outcome="arrived")},
    {"trigger": "arrived", "source": A.EXPECTED, "dest": None, "before": sets(outcome="unmatched")},
    {"trigger": "arrived", "source": A.ARRIVED, "dest": None, "before": sets(outcome="already")},
    {"trigger": "unexpected", "source": _OPEN, "dest": None, "before": sets(outcome="to_staff")},
    {"trigger": "timeout", "source": _OPEN, "dest": A.CLOSED, "before": sets(outcome="closed")},
]

SPEC = FlowSpec(
    name="arrival",
    states=ArrivalState,
    initial=A.EXPECTED,
    transitions=TRANSITIONS,
    terminal=frozenset({A.CLOSED}),
    summary="The patient texts that they have arrived; near the appointment time they are "
    "marked Arrived in the Waiting Room.",
)


def _is_due(appointment: Appointment | None, now: datetime) -> bool:
    return (
        appointment is not None
        and appointment.can_become(AppointmentStatus.ARRIVED)
        and appointment.status in ACTIVE_STATUSES
        and appointment.start - ARRIVAL_EARLY <= now < appointment.end
    )


def due_appointment(ctx: DialogContext) -> Appointment | None:
    """The patient's appointment an arrival message is about: the earliest one that starts
    within the next hour or is under way."""
    for appointment in ctx.upcoming(since=timedelta(hours=12)):
        if _is_due(appointment, ctx.now):
            return appointment
    return None


class _Arrival(FlowModel[ArrivalState]):
    def __init__(self, appointment: Appointment | None, now: datetime) -> None:
        super().__init__()
        self.appointment = appointment
        self.now = now

    def is_due(self, event: EventData) -> bool:
        return _is_due(self.appointment, self.now)


def _start_state(appointment: Appointment | None) -> ArrivalState:
    arrived = (AppointmentStatus.ARRIVED, AppointmentStatus.CHECKED_IN)
    return A.ARRIVED if appointment is not None and appointment.status in arrived else A.EXPECTED


def _event(reading: Reading) -> str:
    return {Trigger.ARRIVED: "arrived", Trigger.TIMEOUT: "timeout"}.get(
        reading.trigger, "unexpected"
    )


def _effects(model: _Arrival, ctx: DialogContext, reading: Reading) -> list[FlowEffect]:
    language = reply_language(reading, ctx)
    if model.outcome == "arrived" and model.appointment is not None:
        return [MarkArrived(model.appointment.id), reply("arrival.arrived", language)]
    if model.outcome == "already":
        return [reply("arrival.already", language)]
    if model.outcome == "unmatched":
        note = "The patient says they have arrived, but no appointment of theirs is due now."
        return [RouteToHub("arrival_unmatched", reopen=True, note=note)]
    if model.outcome == "to_staff":
        return [RouteToHub("unexpected_reply")]
    return []


def arrival_step(reading: Reading, ctx: DialogContext) -> Step[ArrivalState]:
    """Handle an arrival message that answers no arrival prompt."""
    appointment = due_appointment(ctx)
    model = SPEC.fire(_Arrival(appointment, ctx.now), _start_state(appointment), _event(reading))
    return Step(model.state, tuple(_effects(model, ctx, reading)))


class ArrivalFlow:
    """The arrival flow for replies to an arrival prompt."""

    spec = SPEC
    context = Context.OPEN_CHAT
    handles = frozenset({Trigger.ARRIVED})

    def options(self, prompt: Prompt) -> int:
        return 0

    def describe(self, prompt: Prompt, ctx: DialogContext, language: str | None) -> str:
        appointment = ctx.appointments.get(prompt.appointment_id or "")
        if appointment is None:
            return "Arrival check-in"
        when = format_when(appointment.start, ctx.zone(appointment), language)
        return f"Arrival check-in, {when}"

    def step(self, prompt: Prompt, reading: Reading, ctx: DialogContext) -> Step[ArrivalState]:
        appointment = ctx.appointments.get(prompt.appointment_id or "")
        state = SPEC.state_of(prompt.state)
        if state is A.EXPECTED:
            state = _start_state(appointment)
        model = SPEC.fire(_Arrival(appointment, ctx.now), state, _event(reading))
        effects = _effects(model, ctx, reading)
        if model.state is A.CLOSED:
            effects.append(ClosePrompt(prompt.id, A.CLOSED.value))
        elif model.state.value != prompt.state:
            effects.append(UpdatePrompt(prompt.id, model.state.value, dict(prompt.data)))
        return Step(model.state, tuple(effects))


def arrival_prompt(
    *,
    org_id: str,
    conversation_id: str,
    appointment_id: str,
    created_at: datetime,
    expires_at: datetime | None = None,
) -> Prompt:
    """The open prompt of an arrival-instructions message (WR-02), for its sender to store."""
    return Prompt(
        id=new_id(),
        org_id=org_id,
        conversation_id=conversation_id,
        flow=SPEC.name,
        state=SPEC.initial.value,
        created_at=created_at,
        expires_at=expires_at,
        appointment_id=appointment_id,
    )


FLOW = ArrivalFlow()
