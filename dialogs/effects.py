"""Effects: what a flow decides should happen, as plain values. Flows return them; the gateway's
dialog responder applies them all in one database transaction. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.model import Channel, MessageKind

__all__ = [
    "CancelAppointment",
    "ClosePrompt",
    "ConfirmAppointment",
    "Effect",
    "EmitEvent",
    "FlagForFollowUp",
    "InviteToWaitlist",
    "LeaveWaitlist",
    "MarkArrived",
    "OpenPrompt",
    "OptIn",
    "OptOut",
    "Reply",
    "RouteToHub",
    "SendMessage",
    "UpdatePrompt",
]


@dataclass(frozen=True, slots=True)
class Reply:
    """Answer the patient now, on the channel the message came from (inline where possible).

    ``key`` names the text in the reply catalogue; it is stored as the message's template key
    (the Hub shows which automatic answer went out; "send once" rules look for it).
    """

    text: str
    key: str = ""


@dataclass(frozen=True, slots=True)
class ConfirmAppointment:
    """The patient confirmed (REM-23); a cancelled appointment is booked again (REM-26)."""

    appointment_id: str


@dataclass(frozen=True, slots=True)
class CancelAppointment:
    """The patient cancelled (REM-24).

    ``no_show`` records the cancellation as a no-show (REM-07); ``fee_notice`` says the patient
    was told that a cancellation fee may apply.
    """

    appointment_id: str
    no_show: bool = False
    fee_notice: bool = False


@dataclass(frozen=True, slots=True)
class MarkArrived:
    """The patient reported arriving (WR-02, WR-03): the Waiting Room shows them Arrived."""

    appointment_id: str


@dataclass(frozen=True, slots=True)
class FlagForFollowUp:
    """Staff should look at this appointment (e.g. a bare CANCEL opted the number out)."""

    appointment_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class OptOut:
    """Put ``address`` on the Do Not Contact list as a patient opt-out from ``careline_number``
    (REM-36, REM-38)."""

    address: str
    careline_number: str
    patient_id: str | None = None


@dataclass(frozen=True, slots=True)
class OptIn:
    """Lift the patient's own opt-out of ``address`` from ``careline_number`` (REM-39)."""

    address: str
    careline_number: str


@dataclass(frozen=True, slots=True)
class RouteToHub:
    """Staff must read this message: it is unexpected (HUB-13, PIT-02), so the chat goes to
    the Hub's queues, unread. A closed chat reopens (unassigned) when the message is long
    enough (HUB-20); ``reopen`` reopens it whatever the length, for requests staff must act on
    (a reschedule hand-off, a bare CANCEL). ``note`` adds an internal note for staff (patients
    never see it). ``reason`` is short (at most 30 characters).
    """

    reason: str
    reopen: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class OpenPrompt:
    """Start waiting for the patient's answer to something we asked (a new prompt row)."""

    flow: str
    state: str
    data: dict[str, Any] = field(default_factory=dict)
    appointment_id: str | None = None
    ref_id: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class UpdatePrompt:
    """The prompt's flow moved to ``state`` (still waiting for answers)."""

    prompt_id: str
    state: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ClosePrompt:
    """The prompt is answered for good (or expired, or superseded) in final ``state``."""

    prompt_id: str
    state: str


@dataclass(frozen=True, slots=True)
class LeaveWaitlist:
    """The patient asked to leave the waitlist (WL-16)."""

    patient_id: str


@dataclass(frozen=True, slots=True)
class InviteToWaitlist:
    """Offer the patient a place on the waitlist after cancelling ``appointment_id`` (WL-13).

    Stored as a ``waitlist.invite`` domain event that the waitlist consumes.
    """

    patient_id: str
    appointment_id: str


@dataclass(frozen=True, slots=True)
class EmitEvent:
    """Record a domain event for other parts to consume (e.g. ``reschedule.requested``)."""

    kind: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SendMessage:
    """A message that does not go inline: written to the outbox, sent by the dispatcher under
    every delivery rule. ``dedupe_key`` makes a repeated decision write one row."""

    to_address: str
    body: str
    channel: Channel
    dedupe_key: str
    due_at: datetime | None = None
    """None: as soon as the delivery rules allow."""
    kind: MessageKind = MessageKind.TRANSACTIONAL
    from_address: str | None = None
    appointment_id: str | None = None
    language: str = "en"


Effect = (
    Reply
    | ConfirmAppointment
    | CancelAppointment
    | MarkArrived
    | FlagForFollowUp
    | OptOut
    | OptIn
    | RouteToHub
    | OpenPrompt
    | UpdatePrompt
    | ClosePrompt
    | LeaveWaitlist
    | InviteToWaitlist
    | EmitEvent
    | SendMessage
)
"""Every effect a flow may return."""
