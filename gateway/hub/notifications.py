"""Notifications of @mentions (HUB-12): one row per mentioned user, read or not."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import new_id
from domain.storage import tables as t
from domain.storage import tables_hub as h

__all__ = ["NotificationStore"]


class NotificationStore:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add_mentions(
        self, *, org_id: str, user_ids: Sequence[str], conversation_id: str, note_id: str,
        actor_id: str, at: datetime,
    ) -> None:
        """Notify each of ``user_ids`` that ``actor_id`` mentioned them in a note."""
        if not user_ids:
            return
        await self.conn.execute(
            h.notifications.insert(),
            [
                {"id": new_id(), "org_id": org_id, "user_id": user_id, "kind": "mention",
                 "conversation_id": conversation_id, "note_id": note_id, "actor_id": actor_id,
                 "created_at": at}
                for user_id in user_ids
            ],
        )

    async def for_user(self, user_id: str, *, unread_only: bool = False,
                       limit: int = 50) -> list[dict[str, Any]]:
        """The user's notifications, newest first, with the conversation's facility (for
        scoping) and the mentioning user's name."""
        n = h.notifications
        query = (
            sa.select(n, t.conversations.c.facility_id, t.staff_users.c.name.label("actor_name"))
            .select_from(
                n.outerjoin(t.conversations, t.conversations.c.id == n.c.conversation_id)
                .outerjoin(t.staff_users, t.staff_users.c.id == n.c.actor_id)
            )
            .where(n.c.user_id == user_id)
            .order_by(n.c.created_at.desc(), n.c.id.desc())
            .limit(limit)
        )
        if unread_only:
            query = query.where(n.c.read_at.is_(None))
        return [dict(row) for row in (await self.conn.execute(query)).mappings()]

    async def unread_count(self, user_id: str) -> int:
        n = h.notifications
        result = await self.conn.execute(
            sa.select(sa.func.count()).where(n.c.user_id == user_id, n.c.read_at.is_(None))
        )
        return int(result.scalar_one())

    async def mark_read(self, user_id: str, at: datetime,
                        ids: Sequence[str] | None = None) -> int:
        """Mark the user's notifications read (``ids`` None: all). Returns how many changed."""
        n = h.notifications
        query = n.update().where(n.c.user_id == user_id, n.c.read_at.is_(None))
        if ids is not None:
            query = query.where(n.c.id.in_(list(ids)))
        return (await self.conn.execute(query.values(read_at=at))).rowcount
