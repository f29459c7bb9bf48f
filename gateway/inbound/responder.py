"""The port between the inbound pipeline and whoever acts on a message (the dialog manager)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from channels.envelope import Envelope
from domain.model import Conversation, Message, Organization, Patient

__all__ = ["InboundContext", "Responder"]


@dataclass(frozen=True, slots=True, kw_only=True)
class InboundContext:
    """A stored inbound message and what the pipeline already knows about it.

    Attributes:
        org: the organisation that owns the address the message was sent to.
        conversation: the thread (created when new; see ``conversation_created``).
        message: the inbound message as stored.
        envelope: the normalised message as received.
        patients: patients that have the sender's address among their contacts (0, 1 or more:
            family members may share a number).
        conversation_created: True when this message opened a new thread.
        now: the clock's time for this message.
    """

    org: Organization
    conversation: Conversation
    message: Message
    envelope: Envelope
    patients: tuple[Patient, ...]
    conversation_created: bool
    now: datetime


class Responder(Protocol):
    async def respond(self, conn: AsyncConnection, inbound: InboundContext) -> list[str]:
        """Act on a stored inbound message inside the pipeline's transaction.

        Runs under the conversation's lock; everything it writes on ``conn`` commits together
        with the stored message. It stores any answer it gives as outbound messages.

        Returns:
            Texts to answer with immediately, in order (the channel sends them inline where it
            can, e.g. as TwiML, or through the outbox otherwise). Empty for no answer.
        """
        ...
