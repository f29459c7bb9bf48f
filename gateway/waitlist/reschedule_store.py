"""Storage of reschedule sessions and self-schedule links."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import NotFound
from domain.reschedule import SessionState
from domain.storage.repositories._mapping import to_values
from domain.storage.tables_waitlist import reschedule_sessions as RS
from domain.storage.tables_waitlist import self_schedule_links as L

__all__ = ["RescheduleSession", "RescheduleStore", "SelfScheduleLink"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RescheduleSession:
    """One patient's attempt to move one appointment by text."""

    id: str
    org_id: str
    appointment_id: str
    patient_id: str
    state: SessionState
    created_at: datetime
    updated_at: datetime
    conversation_id: str | None = None
    prompt_id: str | None = None
    restarts: int = 0
    options: list[str] = field(default_factory=list)
    """Slot ids offered in the latest list."""
    tried: list[str] = field(default_factory=list)
    """Slot ids chosen but found taken (never offered again)."""
    chosen_slot_id: str | None = None
    new_appointment_id: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SelfScheduleLink:
    id: str
    org_id: str
    appointment_id: str
    token_hash: str
    single_use: bool
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    new_appointment_id: str | None = None


def _session(row: Any) -> RescheduleSession:
    values = dict(row)
    values["state"] = SessionState(values["state"])
    return RescheduleSession(**values)


class RescheduleStore:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, session: RescheduleSession) -> None:
        await self.conn.execute(RS.insert().values(**to_values(session)))

    async def save(self, session: RescheduleSession, expected: SessionState) -> bool:
        """Write ``session`` only if it is still in ``expected`` state (False otherwise)."""
        values = to_values(session, exclude=("id", "org_id", "created_at"))
        result = await self.conn.execute(
            RS.update().where(RS.c.id == session.id, RS.c.state == expected.value).values(**values)
        )
        return result.rowcount == 1

    async def get(self, session_id: str) -> RescheduleSession:
        row = (await self.conn.execute(sa.select(RS).where(RS.c.id == session_id))).mappings()
        found = row.first()
        if found is None:
            raise NotFound("reschedule session", session_id)
        return _session(found)

    async def open_for(self, appointment_id: str) -> RescheduleSession | None:
        """The appointment's session still waiting for the patient, if any."""
        row = (await self.conn.execute(
            sa.select(RS).where(RS.c.appointment_id == appointment_id,
                                RS.c.state == SessionState.OPTIONS_SENT.value)
        )).mappings().first()
        return None if row is None else _session(row)

    async def sessions(self, org_id: str, *, limit: int = 200) -> list[RescheduleSession]:
        rows = (await self.conn.execute(
            sa.select(RS).where(RS.c.org_id == org_id)
            .order_by(RS.c.created_at.desc(), RS.c.id.desc()).limit(limit)
        )).mappings()
        return [_session(r) for r in rows]

    async def due_to_expire(self, now: datetime) -> list[RescheduleSession]:
        rows = (await self.conn.execute(
            sa.select(RS).where(RS.c.state == SessionState.OPTIONS_SENT.value,
                                RS.c.expires_at <= now)
        )).mappings()
        return [_session(r) for r in rows]

    # -- links -----------------------------------------------------------------------------

    async def add_link(self, link: SelfScheduleLink) -> None:
        await self.conn.execute(L.insert().values(**to_values(link)))

    async def link(self, token_hash: str) -> SelfScheduleLink | None:
        row = (await self.conn.execute(
            sa.select(L).where(L.c.token_hash == token_hash)
        )).mappings().first()
        return None if row is None else SelfScheduleLink(**dict(row))

    async def use_link(
        self, link: SelfScheduleLink, now: datetime, new_appointment_id: str
    ) -> bool:
        """Mark a link used; for a single-use link only the first use succeeds (RSC-08)."""
        query = L.update().where(L.c.id == link.id)
        if link.single_use:
            query = query.where(L.c.used_at.is_(None))
        result = await self.conn.execute(
            query.values(used_at=now, new_appointment_id=new_appointment_id)
        )
        return result.rowcount == 1

