"""Waitlist prompts: an offer of an earlier opening (WL-05, WL-09, WL-16) and an invitation
to join the waitlist (WL-13, WL-31, WL-33).

Both flows are pure. Whether a YES wins the opening is decided by the waitlist service, which
takes the slot with one conditional update (first accept wins) and answers the patient: the
flow only records the answer as a ``waitlist.accepted`` event. A NO, LEAVEWAITLIST or an
unclear answer is answered here.

Offer prompt ``data``: ``offer_id``, ``slot_start`` (ISO), ``zone`` (the facility's), and
``patient_id``. Invitation prompt ``data``: ``patient_id``, ``source`` (``invite`` after a
cancellation, ``scheduled`` for WL-31) and the appointment it is about in ``appointment_id``.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from dialogs.context import DialogContext
from dialogs.effects import ClosePrompt, EmitEvent, LeaveWaitlist, Reply, RouteToHub
from dialogs.flows.base import FlowEffect, FlowModel, FlowSpec, Reading, Step, Trigger, sets
from dialogs.flows.base import reply_language as _language
from dialogs.replies import format_when
from dialogs.understanding.intents import Context
from domain.model import Prompt
from domain.waitlist.texts import render

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

__all__ = [
    "INVITE_FLOW",
    "INVITE_SPEC",
    "OFFER_FLOW",
    "OFFER_SPEC",
    "InviteState",
    "OfferPromptState",
    "WaitlistInviteFlow",
    "WaitlistOfferFlow",
]


class OfferPromptState(Enum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LEFT = "left"
    EXPIRED = "expired"


S = OfferPromptState

OFFER_TRANSITIONS: list[TransitionConfigDict] = [
    {"trigger": "accept", "source": S.OFFERED, "dest": S.ACCEPTED,
     "before": sets(outcome="accepted")},
    {"trigger": "decline", "source": S.OFFERED, "dest": S.DECLINED,
     "before": sets(outcome="declined")},
    {"trigger": "leave", "source": S.OFFERED, "dest": S.LEFT, "before": sets(outcome="left")},
    {"trigger": "timeout", "source": S.OFFERED, "dest": S.EXPIRED,
     "before": sets(outcome="expired")},
    {"trigger": "unexpected", "source": S.OFFERED, "dest": None,
     "before": sets(outcome="ask_again")},
]

OFFER_SPEC = FlowSpec(
    name="waitlist_offer",
    states=OfferPromptState,
    initial=S.OFFERED,
    transitions=OFFER_TRANSITIONS,
    terminal=frozenset({S.ACCEPTED, S.DECLINED, S.LEFT, S.EXPIRED}),
    summary="A waitlisted patient answers an offer of an earlier opening: YES claims it (the "
    "waitlist decides who was first), NO passes, LEAVEWAITLIST leaves the list.",
)

_OFFER_EVENTS = {
    Trigger.CONFIRM: "accept",
    Trigger.CANCEL: "decline",
    Trigger.LEAVE_WAITLIST: "leave",
    Trigger.TIMEOUT: "timeout",
}


def _slot_when(prompt: Prompt, language: str | None) -> str:
    start = prompt.data.get("slot_start")
    zone = prompt.data.get("zone") or "UTC"
    if not isinstance(start, str):
        return "the offered time"
    return format_when(datetime.fromisoformat(start), ZoneInfo(str(zone)), language)


def _patient_id(prompt: Prompt, ctx: DialogContext) -> str | None:
    value = prompt.data.get("patient_id")
    if isinstance(value, str):
        return value
    return ctx.patient.id if ctx.patient is not None else None


class WaitlistOfferFlow:
    """Answers to an offer of an opening (see the module docstring)."""

    spec = OFFER_SPEC
    context = Context.WAITLIST_OFFER

    def options(self, prompt: Prompt) -> int:
        return 0

    def describe(self, prompt: Prompt, ctx: DialogContext, language: str | None) -> str:
        return f"Earlier opening on {_slot_when(prompt, language)}"

    def step(self, prompt: Prompt, reading: Reading, ctx: DialogContext) -> Step[OfferPromptState]:
        state = OFFER_SPEC.state_of(prompt.state)
        event = _OFFER_EVENTS.get(reading.trigger, "unexpected")
        model = OFFER_SPEC.fire(FlowModel[OfferPromptState](), state, event)
        language = _language(reading, ctx)
        when = _slot_when(prompt, language)
        payload: dict[str, Any] = {
            "offer_id": prompt.ref_id or prompt.data.get("offer_id"),
            "prompt_id": prompt.id,
            "conversation_id": prompt.conversation_id,
            "language": language,
        }
        effects: list[FlowEffect] = []
        if model.outcome == "accepted":
            effects = [ClosePrompt(prompt.id, S.ACCEPTED.value),
                       EmitEvent("waitlist.accepted", payload)]
        elif model.outcome == "declined":
            effects = [ClosePrompt(prompt.id, S.DECLINED.value),
                       EmitEvent("waitlist.declined", payload),
                       Reply(render("waitlist.declined", language), key="waitlist.declined")]
        elif model.outcome == "left":
            effects = [ClosePrompt(prompt.id, S.LEFT.value),
                       EmitEvent("waitlist.declined", payload)]
            patient_id = _patient_id(prompt, ctx)
            if patient_id is not None:
                effects.append(LeaveWaitlist(patient_id))
            effects.append(Reply(render("waitlist.left", language), key="waitlist.left"))
        elif model.outcome == "expired":
            effects = [ClosePrompt(prompt.id, S.EXPIRED.value)]
        else:
            effects = [
                RouteToHub("unexpected_reply"),
                Reply(render("waitlist.ask_again", language, when=when), key="waitlist.ask_again"),
            ]
        return Step(model.state, tuple(effects))


class InviteState(Enum):
    INVITED = "invited"
    JOINED = "joined"
    DECLINED = "declined"
    EXPIRED = "expired"


V = InviteState

INVITE_TRANSITIONS: list[TransitionConfigDict] = [
    {"trigger": "join", "source": V.INVITED, "dest": V.JOINED, "before": sets(outcome="joined")},
    {"trigger": "decline", "source": V.INVITED, "dest": V.DECLINED,
     "before": sets(outcome="declined")},
    {"trigger": "timeout", "source": V.INVITED, "dest": V.EXPIRED,
     "before": sets(outcome="expired")},
    {"trigger": "unexpected", "source": V.INVITED, "dest": None,
     "before": sets(outcome="to_staff")},
]

INVITE_SPEC = FlowSpec(
    name="waitlist_invite",
    states=InviteState,
    initial=V.INVITED,
    transitions=INVITE_TRANSITIONS,
    terminal=frozenset({V.JOINED, V.DECLINED, V.EXPIRED}),
    summary="A patient answers an invitation to join the waitlist: YES joins (with a "
    "confirmation unless WL-33 turns it off), NO or LEAVEWAITLIST declines.",
)

_INVITE_EVENTS = {
    Trigger.CONFIRM: "join",
    Trigger.CANCEL: "decline",
    Trigger.LEAVE_WAITLIST: "decline",
    Trigger.TIMEOUT: "timeout",
}


class WaitlistInviteFlow:
    """Answers to an invitation to join the waitlist."""

    spec = INVITE_SPEC
    context = Context.WAITLIST_OFFER

    def options(self, prompt: Prompt) -> int:
        return 0

    def describe(self, prompt: Prompt, ctx: DialogContext, language: str | None) -> str:
        return "Invitation to join the waitlist"

    def step(self, prompt: Prompt, reading: Reading, ctx: DialogContext) -> Step[InviteState]:
        state = INVITE_SPEC.state_of(prompt.state)
        event = _INVITE_EVENTS.get(reading.trigger, "unexpected")
        model = INVITE_SPEC.fire(FlowModel[InviteState](), state, event)
        language = _language(reading, ctx)
        effects: list[FlowEffect] = []
        patient_id = _patient_id(prompt, ctx)
        if model.outcome == "joined" and patient_id is not None:
            payload = {
                "patient_id": patient_id,
                "appointment_id": prompt.appointment_id,
                "source": prompt.data.get("source", "invite"),
                "prompt_id": prompt.id,
            }
            effects = [ClosePrompt(prompt.id, V.JOINED.value), EmitEvent("waitlist.join", payload)]
            if ctx.settings.waitlist.confirm_on_join:
                effects.append(Reply(render("waitlist.joined", language), key="waitlist.joined"))
        elif model.outcome == "declined":
            effects = [ClosePrompt(prompt.id, V.DECLINED.value),
                       Reply(render("waitlist.invite_declined", language),
                             key="waitlist.invite_declined")]
        elif model.outcome == "expired":
            effects = [ClosePrompt(prompt.id, V.EXPIRED.value)]
        else:
            effects = [RouteToHub("unexpected_reply")]
        return Step(model.state, tuple(effects))


OFFER_FLOW = WaitlistOfferFlow()
INVITE_FLOW = WaitlistInviteFlow()
