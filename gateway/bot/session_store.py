"""Storage of bot sessions: one per widget conversation, with its state and its timer."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.bot.engine import new_state
from dialogs.bot.session import SessionStatus, next_check_at
from dialogs.bot.state import BotState
from domain.model import new_id
from domain.org_settings import BotSettings
from domain.storage import tables_bot as b

__all__ = ["BotSession", "BotSessionStore"]


@dataclass(frozen=True, slots=True, kw_only=True)
class BotSession:
    """A stored bot session.

    Attributes:
        id: the session row's id.
        org_id, conversation_id: whose and which chat.
        state: the engine's state.
        last_activity_at: when the visitor last wrote (or the session began).
        prompted_at: when "Are you still there?" was asked (None unless checking).
        next_check_at: when the inactivity timer fires next (None: no timer).
        created: True when the row is new (not stored yet).
    """

    id: str
    org_id: str
    conversation_id: str
    state: BotState
    last_activity_at: datetime
    prompted_at: datetime | None = None
    next_check_at: datetime | None = None
    ended_at: datetime | None = None
    created_at: datetime
    created: bool = False

    def moved(self, state: BotState, *, now: datetime, settings: BotSettings,
              visitor_wrote: bool) -> BotSession:
        """The session after a turn that left it in ``state``, with its timer set again."""
        last = now if visitor_wrote else self.last_activity_at
        was_checking = self.state.status is SessionStatus.CHECKING
        prompted = None
        if state.status is SessionStatus.CHECKING:
            prompted = self.prompted_at if was_checking and self.prompted_at else now
        ended = now if state.status is SessionStatus.CLOSED else None
        return replace(
            self, state=state, last_activity_at=last, prompted_at=prompted, ended_at=ended,
            next_check_at=next_check_at(state.status, last_activity=last, prompted_at=prompted,
                                        verified=state.verified, settings=settings),
        )


class BotSessionStore:
    """Bot sessions on one connection (writes join its transaction)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, conversation_id: str) -> BotSession | None:
        row = (await self.conn.execute(
            sa.select(b.bot_sessions).where(b.bot_sessions.c.conversation_id == conversation_id)
        )).mappings().first()
        return None if row is None else _session(row)

    async def get_or_new(self, org_id: str, conversation_id: str, now: datetime) -> BotSession:
        """The conversation's session, or a new one (stored by :meth:`save`)."""
        found = await self.get(conversation_id)
        if found is not None:
            return found
        return BotSession(id=new_id(), org_id=org_id, conversation_id=conversation_id,
                          state=new_state(), last_activity_at=now, created_at=now, created=True)

    async def save(self, session: BotSession, now: datetime) -> BotSession:
        """Insert or update the session."""
        values = {
            "status": session.state.status.value,
            "state": session.state.to_dict(),
            "patient_id": session.state.patient_id,
            "verified": session.state.verified,
            "last_activity_at": session.last_activity_at,
            "prompted_at": session.prompted_at,
            "next_check_at": session.next_check_at,
            "ended_at": session.ended_at,
            "updated_at": now,
        }
        if session.created:
            await self.conn.execute(b.bot_sessions.insert().values(
                id=session.id, org_id=session.org_id, conversation_id=session.conversation_id,
                created_at=session.created_at, **values,
            ))
            return replace(session, created=False)
        await self.conn.execute(
            b.bot_sessions.update().where(b.bot_sessions.c.id == session.id).values(**values)
        )
        return session

    async def due(self, now: datetime, *, limit: int = 200) -> list[tuple[str, str]]:
        """(org id, conversation id) of sessions whose timer is due, the most overdue first."""
        rows = await self.conn.execute(
            sa.select(b.bot_sessions.c.org_id, b.bot_sessions.c.conversation_id)
            .where(b.bot_sessions.c.next_check_at <= now)
            .order_by(b.bot_sessions.c.next_check_at)
            .limit(limit)
        )
        return [(str(r.org_id), str(r.conversation_id)) for r in rows]


def _session(row: Any) -> BotSession:
    raw = row["state"]
    state = BotState.from_dict(raw if isinstance(raw, dict) else {})
    return BotSession(
        id=row["id"], org_id=row["org_id"], conversation_id=row["conversation_id"],
        state=state, last_activity_at=row["last_activity_at"], prompted_at=row["prompted_at"],
        next_check_at=row["next_check_at"], ended_at=row["ended_at"],
        created_at=row["created_at"],
    )
