"""The offer state machine: which events move an offer from which state (WL-05, WL-09, WL-27).

The table is data; one ``transitions`` Machine serves every offer. :func:`advance` is the only
way the waitlist changes an offer's state, so an impossible move (accepting an expired offer,
approving twice) is refused the same way everywhere.

::

    offered --accept--> accepted --approve--> booked
       |                   |  \\--reject--> rejected
       |                   \\--fail----> failed
       |--book (no approval needed)--> booked
       |--lose (slot already taken)--> taken     (also from withdrawn: a late YES)
       |--decline--> declined     |--expire--> expired     |--withdraw--> withdrawn
    withdrawn --reopen--> offered   (the slot came back: staff turned the winner down)
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from transitions import Machine

from domain.errors import Conflict
from domain.waitlist.model import OfferState

if TYPE_CHECKING:  # the TypedDict exists only in the package's stubs
    from transitions.core import TransitionConfigDict

__all__ = ["TRANSITIONS", "OfferEvent", "advance", "allowed_events"]

St = OfferState


class OfferEvent:
    ACCEPT = "accept"
    BOOK = "book"
    APPROVE = "approve"
    REJECT = "reject"
    FAIL = "fail"
    LOSE = "lose"
    DECLINE = "decline"
    EXPIRE = "expire"
    WITHDRAW = "withdraw"
    REOPEN = "reopen"


TRANSITIONS: tuple[TransitionConfigDict, ...] = (
    {"trigger": OfferEvent.ACCEPT, "source": St.OFFERED, "dest": St.ACCEPTED},
    {"trigger": OfferEvent.BOOK, "source": [St.OFFERED, St.ACCEPTED], "dest": St.BOOKED},
    {"trigger": OfferEvent.APPROVE, "source": St.ACCEPTED, "dest": St.BOOKED},
    {"trigger": OfferEvent.REJECT, "source": St.ACCEPTED, "dest": St.REJECTED},
    {"trigger": OfferEvent.FAIL, "source": [St.OFFERED, St.ACCEPTED], "dest": St.FAILED},
    {"trigger": OfferEvent.LOSE, "source": [St.OFFERED, St.WITHDRAWN], "dest": St.TAKEN},
    {"trigger": OfferEvent.DECLINE, "source": St.OFFERED, "dest": St.DECLINED},
    {"trigger": OfferEvent.EXPIRE, "source": St.OFFERED, "dest": St.EXPIRED},
    {"trigger": OfferEvent.WITHDRAW, "source": [St.OFFERED, St.ACCEPTED], "dest": St.WITHDRAWN},
    {"trigger": OfferEvent.REOPEN, "source": St.WITHDRAWN, "dest": St.OFFERED},
)


class _Offer:
    state: OfferState


@lru_cache(maxsize=1)
def _machine() -> Machine:
    return Machine(
        model=None,
        states=OfferState,
        initial=St.OFFERED,
        transitions=list(TRANSITIONS),
        auto_transitions=False,
        ignore_invalid_triggers=False,
        name="waitlist_offer_lifecycle",
    )


def allowed_events(state: OfferState) -> list[str]:
    """The events an offer in ``state`` accepts."""
    return sorted({
        str(t["trigger"]) for t in TRANSITIONS
        if state in (t["source"] if isinstance(t["source"], list) else [t["source"]])
    })


def advance(state: OfferState, event: str) -> OfferState:
    """The state an offer in ``state`` moves to on ``event``.

    Raises:
        Conflict: the event is not allowed in ``state`` (e.g. accepting an expired offer).
    """
    if event not in allowed_events(state):
        raise Conflict(f"an offer that is {state.value} cannot {event}")
    model = _Offer()
    machine = _machine()
    machine.add_model(model, initial=state)
    try:
        model.trigger(event)  # type: ignore[attr-defined]
    finally:
        machine.remove_model(model)
    return OfferState(model.state)
