"""Chat events for custom actions (HUB-22) and live-update notices between processes.

Chat events are ``domain_events`` rows written in the same transaction as the change; live
notices go over pub/sub after the commit and carry ids only, never patient data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.hub_rules import ChatEvent
from domain.model import new_id
from domain.storage import tables as t
from gateway.stores.ports import PubSub

__all__ = [
    "conversation_channel",
    "hub_channel",
    "publish_conversation",
    "publish_notification",
    "record_events",
]


def conversation_channel(org_id: str) -> str:
    """The pub/sub channel of conversation changes (the inbound pipeline publishes here too)."""
    return f"conversation:{org_id}"


def hub_channel(org_id: str) -> str:
    """The pub/sub channel of Hub-only notices (mentions)."""
    return f"hub:{org_id}"


async def record_events(
    conn: AsyncConnection, org_id: str, events: Iterable[ChatEvent], at: datetime
) -> None:
    """Store chat events as ``domain_events`` rows for the custom-actions consumer."""
    rows = [
        {"id": new_id(), "org_id": org_id, "kind": event.kind.value, "payload": event.payload(),
         "created_at": at}
        for event in events
    ]
    if rows:
        await conn.execute(t.domain_events.insert(), rows)


async def publish_conversation(
    pubsub: PubSub, org_id: str, conversation_id: str, action: str, **extra: Any
) -> None:
    """Tell every gateway process that a conversation changed (after the commit)."""
    await pubsub.publish(
        conversation_channel(org_id),
        {"type": "conversation.updated", "conversation_id": conversation_id, "action": action,
         **extra},
    )


async def publish_notification(
    pubsub: PubSub, org_id: str, user_ids: Iterable[str], conversation_id: str
) -> None:
    """Tell the mentioned users' browsers that they have a new notification."""
    users = sorted(set(user_ids))
    if users:
        await pubsub.publish(
            hub_channel(org_id),
            {"type": "notification", "user_ids": users, "conversation_id": conversation_id},
        )
