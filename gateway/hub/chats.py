"""Hub chats in storage: which threads are Hub chats, and the queue listings with filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.hub_rules import Queue
from domain.model import ConversationStatus
from domain.storage import tables as t
from domain.storage import tables_hub as h
from gateway.auth.principal import Principal
from gateway.auth.scoping import facility_condition

__all__ = ["ChatFilter", "ChatStore"]

PREVIEW_CHARS = 140


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatFilter:
    """What a queue listing shows (HUB-08, HUB-18).

    Attributes:
        queue: one queue, or None for every open chat and the closed ones.
        text: words in the patient's name, number or any message of the chat.
        facility_id: chats of this facility only.
        group_id: chats of this group (assigned to it or to one of its members).
        user_id: chats this user is assigned to or sent a message in.
        limit: at most this many chats.
        offset: skip this many first (paging).
    """

    queue: Queue | None = None
    text: str = ""
    facility_id: str | None = None
    group_id: str | None = None
    user_id: str | None = None
    limit: int = 50
    offset: int = 0


class ChatStore:
    """Hub chat queries on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def is_chat(self, conversation_id: str) -> bool:
        """Whether the thread has been routed to the Hub (see ``ChatStore.listing`` for the
        unread threads it also lists)."""
        found = await self.conn.execute(
            sa.select(h.hub_chats.c.conversation_id).where(
                h.hub_chats.c.conversation_id == conversation_id
            )
        )
        return found.first() is not None

    async def route(self, *, conversation_id: str, org_id: str, reason: str,
                    at: datetime) -> bool:
        """Make the thread a Hub chat (idempotent). True when it was not one before."""
        if await self.is_chat(conversation_id):
            return False
        await self.conn.execute(
            h.hub_chats.insert().values(conversation_id=conversation_id, org_id=org_id,
                                        reason=reason, routed_at=at)
        )
        return True

    async def listing(self, principal: Principal, chat_filter: ChatFilter) -> list[dict[str, Any]]:
        """Chats the principal may see that match ``chat_filter``, most recent first."""
        c = t.conversations
        p = t.patients
        activity = sa.func.coalesce(c.c.last_message_at, c.c.created_at)
        preview = (
            sa.select(t.messages.c.body)
            .where(t.messages.c.conversation_id == c.c.id)
            .order_by(t.messages.c.created_at.desc(), t.messages.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = (
            sa.select(
                c, p.c.first_name, p.c.last_name, p.c.placeholder, p.c.mrn,
                preview.label("preview"),
            )
            .select_from(self._base())
            .order_by(activity.desc(), c.c.id.desc())
            .limit(chat_filter.limit)
            .offset(chat_filter.offset)
        )
        query = query.where(*self._conditions(principal, chat_filter, with_queue=True))
        rows = (await self.conn.execute(query)).mappings().all()
        return [dict(row) | {"preview": (row["preview"] or "")[:PREVIEW_CHARS]} for row in rows]

    async def counts(self, principal: Principal, chat_filter: ChatFilter) -> dict[str, int]:
        """How many visible chats each queue holds under the filter's other criteria."""
        queue = self._queue_case(principal)
        query = (
            sa.select(queue.label("queue"), sa.func.count().label("n"))
            .select_from(self._base())
            .where(*self._conditions(principal, chat_filter, with_queue=False))
            .group_by(queue)
        )
        counts = {q.value: 0 for q in Queue}
        for row in (await self.conn.execute(query)).mappings():
            counts[row["queue"]] = int(row["n"])
        return counts

    @staticmethod
    def _base() -> Any:
        c = t.conversations
        return c.outerjoin(h.hub_chats, h.hub_chats.c.conversation_id == c.c.id).outerjoin(
            t.patients, t.patients.c.id == c.c.patient_id
        )

    @staticmethod
    def _queue_case(principal: Principal) -> Any:
        c = t.conversations.c
        return sa.case(
            (c.status == ConversationStatus.CLOSED.value, Queue.CLOSED.value),
            (c.assignee_id.is_(None), Queue.UNASSIGNED.value),
            (c.assignee_id == principal.user_id, Queue.MINE.value),
            else_=Queue.OTHERS.value,
        )

    @staticmethod
    def _conditions(principal: Principal, f: ChatFilter, *, with_queue: bool) -> list[Any]:
        c = t.conversations.c
        # A Hub chat: routed here, or marked unread for staff by another part of Careline
        # (the inbound pipeline does that when a message could not be handled).
        conditions: list[Any] = [
            c.org_id == principal.org_id,
            sa.or_(h.hub_chats.c.conversation_id.is_not(None), c.unread.is_(True)),
        ]
        scope = facility_condition(c.facility_id, principal)
        if scope is not None:
            conditions.append(scope)
        if with_queue and f.queue is not None:
            conditions.append(ChatStore._queue_case(principal) == f.queue.value)
        if f.facility_id is not None:
            conditions.append(c.facility_id == f.facility_id)
        if f.group_id is not None:
            members = sa.select(t.user_groups.c.user_id).where(
                t.user_groups.c.group_id == f.group_id
            )
            conditions.append(sa.or_(c.group_id == f.group_id, c.assignee_id.in_(members)))
        if f.user_id is not None:
            authored = sa.select(t.messages.c.conversation_id).where(
                t.messages.c.author_id == f.user_id
            )
            conditions.append(sa.or_(c.assignee_id == f.user_id, c.id.in_(authored)))
        words = f.text.lower().split()
        for word in words[:5]:
            like = f"%{_escape_like(word)}%"
            conditions.append(
                sa.or_(
                    sa.func.lower(t.patients.c.first_name).like(like, escape="\\"),
                    sa.func.lower(t.patients.c.last_name).like(like, escape="\\"),
                    sa.func.lower(c.patient_address).like(like, escape="\\"),
                    c.id.in_(
                        sa.select(t.messages.c.conversation_id).where(
                            sa.func.lower(t.messages.c.body).like(like, escape="\\")
                        )
                    ),
                )
            )
        return conditions


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def pending_outbox(conn: AsyncConnection, conversation_id: str) -> list[dict[str, Any]]:
    """Outbound rows of the chat not yet recorded as messages (queued, sending, waiting for a
    delivery rule), oldest first: the Hub shows them as "sending"."""
    o = t.outbox
    recorded = sa.select(t.messages.c.outbox_id).where(
        t.messages.c.conversation_id == conversation_id, t.messages.c.outbox_id.is_not(None)
    )
    rows = await conn.execute(
        sa.select(o.c.id, o.c.kind, o.c.channel, o.c.body, o.c.state, o.c.reason,
                  o.c.facility_id, o.c.context, o.c.created_at, o.c.due_at)
        .where(o.c.conversation_id == conversation_id, o.c.id.not_in(recorded))
        .order_by(o.c.created_at, o.c.id)
        .limit(50)
    )
    return [dict(r) for r in rows.mappings()]
