"""The default Responder: every message goes to the Hub's queue for staff, with no answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import Conversation, ConversationStatus
from domain.storage.repositories import ConversationRepository
from gateway.inbound.responder import InboundContext

__all__ = ["HubResponder", "route_to_hub"]


async def route_to_hub(conn: AsyncConnection, conversation: Conversation, now: datetime) -> None:
    """Open the thread (reopening a closed one) and mark it unread for staff."""
    reopened = conversation.status is ConversationStatus.CLOSED
    updated = replace(
        conversation,
        status=ConversationStatus.OPEN,
        unread=True,
        closed_at=None if reopened else conversation.closed_at,
        reopened_at=now if reopened else conversation.reopened_at,
    )
    await ConversationRepository(conn).save(updated)


class HubResponder:
    """Used until the dialog manager is plugged in: no automatic answer, staff see the message."""

    async def respond(self, conn: AsyncConnection, inbound: InboundContext) -> list[str]:
        """Route the conversation to the Hub (open, unread); answer nothing."""
        await route_to_hub(conn, inbound.conversation, inbound.now)
        return []
