"""What the dispatcher publishes on pub/sub so the Hub updates live.

One message per organisation per recorded batch, on :func:`outbox_channel`::

    {"type": "outbox.updated", "org_id": "...",
     "items": [{"outbox_id": "...", "state": "sent", "reason": null,
                "conversation_id": "..." | null, "message_id": "..." | null}]}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.stores.ports import JsonObject

__all__ = ["OutboxEvent", "outbox_channel", "outbox_message"]


def outbox_channel(org_id: str) -> str:
    """The pub/sub channel of an organisation's outbox updates."""
    return f"org:{org_id}:outbox"


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    outbox_id: str
    state: str
    reason: str | None = None
    conversation_id: str | None = None
    message_id: str | None = None


def outbox_message(org_id: str, events: Sequence[OutboxEvent]) -> JsonObject:
    """The pub/sub message announcing ``events`` of one organisation."""
    return {
        "type": "outbox.updated",
        "org_id": org_id,
        "items": [
            {
                "outbox_id": e.outbox_id,
                "state": e.state,
                "reason": e.reason,
                "conversation_id": e.conversation_id,
                "message_id": e.message_id,
            }
            for e in events
        ],
    }
