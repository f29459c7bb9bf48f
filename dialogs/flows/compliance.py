"""Opt-out, opt-in and help: the first flow in line for every inbound message.

Carrier words (STOP, STOPALL, UNSUBSCRIBE, END, QUIT, REVOKE, OPTOUT, a bare CANCEL and plain
revocations such as "stop texting me") come from the classifier as ``stop``; START and UNSTOP
as ``start``; HELP and INFO as ``help``.

- STOP opts the address out of this Careline number and gets exactly one confirmation; a
  repeated STOP gets none (REM-36, REM-38).
- A bare CANCEL is an opt-out too (it is a carrier word); by default the patient's next
  appointment is also flagged for staff, who may find they meant to cancel it
  (``ReplySettings.bare_cancel``).
- START (or a plain YES) after an opt-out from this number opts back in; a START to another
  number is told which number to answer (REM-38, REM-39).
- HELP answers with the organisation's name and phone number, opted out or not.
- Anything else from an opted-out address goes to staff without an automatic answer.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from transitions import EventData

from dialogs.context import DialogContext
from dialogs.effects import FlagForFollowUp, OptIn, OptOut, RouteToHub
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
from dialogs.replies import format_phone, reply
from domain.model import ACTIVE_STATUSES, Appointment

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

__all__ = ["SPEC", "ComplianceState", "compliance_event", "compliance_step"]


class ComplianceState(Enum):
    SUBSCRIBED = "subscribed"
    OPTED_OUT = "opted_out"


C = ComplianceState
_BOTH = [C.SUBSCRIBED, C.OPTED_OUT]

TRANSITIONS: list[TransitionConfigDict] = [
    {"trigger": "stop", "source": C.SUBSCRIBED, "dest": C.OPTED_OUT, "conditions": "bare_cancel",
     "before": sets(outcome="opted_out_by_cancel")},
    {"trigger": "stop", "source": C.SUBSCRIBED, "dest": C.OPTED_OUT,
     "before": sets(outcome="opted_out")},
    {"trigger": "stop", "source": C.OPTED_OUT, "dest": None, "before": sets(outcome="repeat")},
    {"trigger": "start", "source": C.OPTED_OUT, "dest": C.SUBSCRIBED,
     "before": sets(outcome="opted_in")},
    {"trigger": "start", "source": C.SUBSCRIBED, "dest": None,
     "conditions": "opted_out_elsewhere", "before": sets(outcome="start_elsewhere")},
    {"trigger": "start", "source": C.SUBSCRIBED, "dest": None,
     "before": sets(outcome="subscribed")},
    {"trigger": "yes", "source": C.OPTED_OUT, "dest": C.SUBSCRIBED,
     "before": sets(outcome="opted_in")},
    {"trigger": "help", "source": _BOTH, "dest": None, "before": sets(outcome="help")},
    {"trigger": "other", "source": C.OPTED_OUT, "dest": None, "before": sets(outcome="held")},
    {"trigger": "yes", "source": C.SUBSCRIBED, "dest": None, "before": sets(outcome="pass")},
    {"trigger": "other", "source": C.SUBSCRIBED, "dest": None, "before": sets(outcome="pass")},
]

SPEC = FlowSpec(
    name="compliance",
    states=ComplianceState,
    initial=C.SUBSCRIBED,
    transitions=TRANSITIONS,
    terminal=frozenset(),
    summary="Carrier keywords first: STOP opts out with one confirmation, START or YES opts "
    "back in on the same number, HELP names the clinic and its phone.",
)

_FLAG_REASON = (
    "The patient replied CANCEL, which opted their number out of text messages. They may "
    "have meant to cancel this appointment."
)


class _Keywords(FlowModel[ComplianceState]):
    def __init__(self, ctx: DialogContext, *, bare_cancel: bool) -> None:
        super().__init__()
        self.is_bare_cancel = bare_cancel
        self.elsewhere = tuple(n for n in ctx.opted_out_from if n != ctx.careline_address)

    def bare_cancel(self, event: EventData) -> bool:
        return self.is_bare_cancel

    def opted_out_elsewhere(self, event: EventData) -> bool:
        return bool(self.elsewhere)


def compliance_event(reading: Reading, *, yes: bool) -> str:
    """The event a reading fires: ``yes`` is a plain Yes (strict), which opts back in."""
    if reading.trigger in (Trigger.STOP, Trigger.START, Trigger.HELP):
        return reading.trigger.value
    return "yes" if yes else "other"


def compliance_step(
    reading: Reading, ctx: DialogContext, *, yes: bool = False, bare_cancel: bool = False
) -> Step[ComplianceState]:
    """Handle a reply with the compliance flow.

    Args:
        reading: the classified reply.
        ctx: the message's context; the state is ``opted_out`` when the address opted out
            from this conversation's number.
        yes: the reply is a plain Yes in the strict sense (opts back in after an opt-out).
        bare_cancel: the reply is the single word CANCEL.

    Returns:
        The new state and its effects; no effects at all means "not for this flow" (the
        manager routes the message on).
    """
    state = C.OPTED_OUT if ctx.opted_out_here else C.SUBSCRIBED
    model = SPEC.fire(_Keywords(ctx, bare_cancel=bare_cancel), state, compliance_event(
        reading, yes=yes))
    return Step(model.state, tuple(_effects(model, ctx, reading)))


def _effects(model: _Keywords, ctx: DialogContext, reading: Reading) -> list[FlowEffect]:
    language = reply_language(reading, ctx)
    org = ctx.org.name
    outcome = model.outcome
    patient_id = ctx.patient.id if ctx.patient is not None else None
    if outcome in ("opted_out", "opted_out_by_cancel"):
        effects: list[FlowEffect] = [
            OptOut(ctx.address, ctx.careline_address, patient_id),
            reply("compliance.opted_out", language, org=org),
        ]
        if outcome == "opted_out_by_cancel" and ctx.settings.replies.bare_cancel == (
            "opt_out_and_flag"
        ):
            target = _next_appointment(ctx)
            if target is not None:
                effects.append(FlagForFollowUp(target.id, _FLAG_REASON))
            effects.append(RouteToHub("bare_cancel", reopen=True, note=_FLAG_REASON))
        return effects
    if outcome == "opted_in":
        return [OptIn(ctx.address, ctx.careline_address), reply("compliance.opted_in", language,
                                                                 org=org)]
    if outcome == "start_elsewhere":
        numbers = ", ".join(model.elsewhere)
        return [reply("compliance.start_elsewhere", language, org=org, numbers=numbers)]
    if outcome == "subscribed":
        return [reply("compliance.subscribed", language, org=org)]
    if outcome == "help":
        return [reply("compliance.help", language, org=org, phone=format_phone(ctx.phone()))]
    if outcome == "held":
        return [RouteToHub("message_while_opted_out")]
    return []  # "repeat": exactly one confirmation per opt-out; "pass": not ours


def _next_appointment(ctx: DialogContext) -> Appointment | None:
    """The appointment a bare CANCEL most likely meant: the one of the newest open reminder,
    else the patient's next one."""
    for prompt in ctx.prompts:
        appointment = ctx.appointments.get(prompt.appointment_id or "")
        if prompt.flow == "reminder" and appointment is not None and (
            appointment.status in ACTIVE_STATUSES
        ):
            return appointment
    upcoming = ctx.upcoming()
    return upcoming[0] if upcoming else None
