"""One send attempt through a channel's Sender, and the provider look-up that settles a
message whose fate is unknown.

A provider call that may have reached the provider (a timeout, a lost answer, an unexpected
exception) is never repeated: the provider is asked what became of the message (by its
idempotency key, the outbox row id) and, when it has no trace or cannot tell, the row is
flagged ``unknown`` for staff.
"""

from __future__ import annotations

import asyncio

from channels.base import (
    OutboundMessage,
    PermanentSendError,
    Sender,
    SendResult,
    TransientSendError,
)
from domain.model import MessageStatus, OutboxMessage
from gateway.dispatcher.record import Outcome, OutcomeKind
from gateway.logs import get_logger

__all__ = ["LookupFailed", "look_up", "send_once"]

log = get_logger(__name__)

_FAILED = frozenset({MessageStatus.FAILED, MessageStatus.UNDELIVERED})


class LookupFailed(Exception):
    """The provider could not be asked (down, timeout): try the look-up again later."""


def _accepted(provider_id: str | None, status: MessageStatus) -> Outcome:
    if status in _FAILED:
        return Outcome(
            OutcomeKind.UNDELIVERED, "the provider reports the message failed",
            provider_id=provider_id, status=status,
        )
    return Outcome(OutcomeKind.SENT, provider_id=provider_id, status=status)


async def look_up(
    sender: Sender, row: OutboxMessage, *, why: str, seconds: float
) -> Outcome:
    """Settle an attempt that may have reached the provider.

    Args:
        sender: the row's channel sender.
        row: the outbox row (its id is the idempotency key).
        why: what happened to the attempt, for the reason shown to staff.
        seconds: how long the look-up may take.

    Returns:
        Sent (or undelivered) when the provider knows the message; unknown otherwise.

    Raises:
        LookupFailed: the provider could not be asked; nothing is recorded.
    """
    try:
        found: object = await asyncio.wait_for(sender.lookup(row.provider_id, row.id), seconds)
    except NotImplementedError:
        return Outcome(
            OutcomeKind.UNKNOWN,
            f"{why}; the {row.channel.value} provider cannot be asked whether it went, so it "
            "is not sent again -- check with the patient before resending",
        )
    except Exception as exc:
        raise LookupFailed(repr(exc)) from exc
    if found is None:
        return Outcome(
            OutcomeKind.UNKNOWN,
            f"{why}; the provider has no record of it, so it is not sent again -- check with "
            "the patient before resending",
        )
    if isinstance(found, SendResult):
        return _accepted(found.provider_id or row.provider_id, found.status)
    if isinstance(found, MessageStatus):
        return _accepted(row.provider_id, found)
    return _accepted(row.provider_id, MessageStatus(str(found)))


async def send_once(
    sender: Sender, message: OutboundMessage, row: OutboxMessage, *, seconds: float
) -> Outcome | None:
    """Send ``message`` once.

    Returns:
        The outcome, or ``None`` when the attempt may have gone and the provider could not be
        asked: the row keeps its sending marker and is reconciled after its lease.
    """
    why: str
    try:
        async with asyncio.timeout(seconds):  # no extra task per send, unlike wait_for
            result = await sender.send(message)
    except PermanentSendError as exc:
        return Outcome(OutcomeKind.REFUSED, exc.reason, exc.code)
    except TransientSendError as exc:
        if not exc.maybe_sent:
            return Outcome(OutcomeKind.TRANSIENT, exc.reason, exc.code)
        why = f"the provider's answer was lost ({exc.reason})"
    except TimeoutError:
        why = f"the provider did not answer within {seconds:g} s"
    except Exception as exc:  # a sender bug must not lose track of the message
        log.exception("dispatcher.sender_error", outbox_id=row.id, channel=row.channel.value)
        why = f"the sender failed unexpectedly ({type(exc).__name__})"
    else:
        return _accepted(result.provider_id, result.status)
    try:
        return await look_up(sender, row, why=why, seconds=seconds)
    except LookupFailed:
        log.warning("dispatcher.lookup_failed", outbox_id=row.id)
        return None
