"""The outbox table: planned and sent messages (claiming and leases live in the dispatcher)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import NotFound
from domain.model import OutboxMessage, OutboxState
from domain.storage import tables as t
from domain.storage.repositories._mapping import from_row, to_values

__all__ = ["OutboxRepository"]


class OutboxRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, message: OutboxMessage) -> bool:
        """Insert unless a row with the same dedupe key exists. True when inserted."""
        return await self.add_many([message]) == 1

    async def add_many(self, messages: Sequence[OutboxMessage]) -> int:
        """Insert rows, skipping dedupe keys already present. Returns how many were inserted."""
        if not messages:
            return 0
        rows = [self.values(m) for m in messages]
        if self.conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            statement: Any = pg_insert(t.outbox).on_conflict_do_nothing(
                index_elements=["dedupe_key"]
            )
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            statement = sqlite_insert(t.outbox).on_conflict_do_nothing(
                index_elements=["dedupe_key"]
            )
        result = await self.conn.execute(statement, rows)
        return max(result.rowcount, 0)

    @staticmethod
    def values(message: OutboxMessage) -> dict[str, Any]:
        return to_values(message) | {"updated_at": message.created_at}

    async def get(self, outbox_id: str) -> OutboxMessage:
        row = (
            await self.conn.execute(sa.select(t.outbox).where(t.outbox.c.id == outbox_id))
        ).mappings().first()
        if row is None:
            raise NotFound("outbox message", outbox_id)
        return from_row(OutboxMessage, row)

    async def for_appointment(self, appointment_id: str) -> list[OutboxMessage]:
        rows = (
            await self.conn.execute(
                sa.select(t.outbox)
                .where(t.outbox.c.appointment_id == appointment_id)
                .order_by(t.outbox.c.due_at)
            )
        ).mappings()
        return [from_row(OutboxMessage, r) for r in rows]

    async def cancel_pending(
        self, *, appointment_id: str, at: datetime, reason: str,
        keep_keys: Sequence[str] = (),
    ) -> int:
        """Cancel an appointment's pending rows except ``keep_keys`` (re-planning)."""
        condition = sa.and_(
            t.outbox.c.appointment_id == appointment_id,
            t.outbox.c.state == OutboxState.PENDING.value,
        )
        if keep_keys:
            condition = sa.and_(condition, t.outbox.c.dedupe_key.not_in(list(keep_keys)))
        result = await self.conn.execute(
            t.outbox.update().where(condition).values(
                state=OutboxState.CANCELLED.value, reason=reason, updated_at=at
            )
        )
        return result.rowcount
