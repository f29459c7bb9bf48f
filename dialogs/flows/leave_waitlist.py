"""Leave the waitlist: LEAVEWAITLIST and its natural variants ("take me off the waitlist")
take the patient off every waitlist (WL-16), whatever prompt is open.

The waitlist part owns the list itself: this flow returns a LeaveWaitlist effect, which the
gateway carries out through the ``action_leave_waitlist`` dialog action.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from transitions import EventData

from dialogs.context import DialogContext
from dialogs.effects import LeaveWaitlist, RouteToHub
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
from dialogs.replies import reply

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

__all__ = ["SPEC", "WaitlistState", "leave_waitlist_step"]


class WaitlistState(Enum):
    LISTED = "listed"
    LEFT = "left"


W = WaitlistState

TRANSITIONS: list[TransitionConfigDict] = [
    {"trigger": "leave", "source": W.LISTED, "dest": W.LEFT, "conditions": "patient_known",
     "before": sets(outcome="left")},
    {"trigger": "leave", "source": W.LISTED, "dest": None, "before": sets(outcome="to_staff")},
    {"trigger": "leave", "source": W.LEFT, "dest": None, "before": sets(outcome="already_left")},
    {"trigger": "unexpected", "source": [W.LISTED, W.LEFT], "dest": None,
     "before": sets(outcome="to_staff")},
]

SPEC = FlowSpec(
    name="leave_waitlist",
    states=WaitlistState,
    initial=W.LISTED,
    transitions=TRANSITIONS,
    terminal=frozenset(),
    summary="LEAVEWAITLIST takes a known patient off the waitlist; from an unknown sender it "
    "goes to staff.",
)


_UNKNOWN_SENDER = (
    "The sender asked to leave the waitlist, but we could not tell which patient they are."
)


class _Waitlist(FlowModel[WaitlistState]):
    def __init__(self, ctx: DialogContext) -> None:
        super().__init__()
        self.patient_id = ctx.patient.id if ctx.patient is not None else None

    def patient_known(self, event: EventData) -> bool:
        return self.patient_id is not None


def leave_waitlist_step(
    reading: Reading, ctx: DialogContext, state: WaitlistState = W.LISTED
) -> Step[WaitlistState]:
    """Handle a request to leave the waitlist (``state`` is LEFT only when replaying)."""
    event = "leave" if reading.trigger is Trigger.LEAVE_WAITLIST else "unexpected"
    model = SPEC.fire(_Waitlist(ctx), state, event)
    language = reply_language(reading, ctx)
    effects: list[FlowEffect] = []
    if model.outcome == "left" and model.patient_id is not None:
        effects = [LeaveWaitlist(model.patient_id), reply("waitlist.left", language)]
    elif model.outcome == "already_left":
        effects = [reply("waitlist.left", language)]
    elif event == "leave":
        effects = [RouteToHub("leave_waitlist", reopen=True, note=_UNKNOWN_SENDER)]
    else:
        effects = [RouteToHub("unexpected_reply")]
    return Step(model.state, tuple(effects))
