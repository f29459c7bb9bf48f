"""Appointments and open slots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import NotFound
from domain.model import ACTIVE_STATUSES, Appointment, OpenSlot
from domain.storage import tables as t
from domain.storage.repositories._mapping import from_row, to_values

__all__ = ["AppointmentRepository"]

_ACTIVE = [s.value for s in ACTIVE_STATUSES]


class AppointmentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add_many(self, appointments: Sequence[Appointment]) -> None:
        if appointments:
            await self.conn.execute(t.appointments.insert(), [to_values(a) for a in appointments])

    async def add(self, appointment: Appointment) -> None:
        await self.add_many([appointment])

    async def save(self, appointment: Appointment) -> None:
        values = to_values(appointment, exclude=("id", "org_id", "created_at"))
        await self.conn.execute(
            t.appointments.update().where(t.appointments.c.id == appointment.id).values(**values)
        )

    async def get(self, appointment_id: str, *, for_update: bool = False) -> Appointment:
        query = sa.select(t.appointments).where(t.appointments.c.id == appointment_id)
        if for_update and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await self.conn.execute(query)).mappings().first()
        if row is None:
            raise NotFound("appointment", appointment_id)
        return from_row(Appointment, row)

    async def for_patient(
        self, patient_id: str, *, start_from: datetime | None = None, active_only: bool = False
    ) -> list[Appointment]:
        query = sa.select(t.appointments).where(t.appointments.c.patient_id == patient_id)
        if start_from is not None:
            query = query.where(t.appointments.c.start >= start_from)
        if active_only:
            query = query.where(t.appointments.c.status.in_(_ACTIVE))
        rows = (await self.conn.execute(query.order_by(t.appointments.c.start))).mappings()
        return [from_row(Appointment, r) for r in rows]

    async def between(
        self, org_id: str, start: datetime, end: datetime, *, active_only: bool = True
    ) -> list[Appointment]:
        query = sa.select(t.appointments).where(
            t.appointments.c.org_id == org_id,
            t.appointments.c.start >= start,
            t.appointments.c.start < end,
        )
        if active_only:
            query = query.where(t.appointments.c.status.in_(_ACTIVE))
        rows = (await self.conn.execute(query.order_by(t.appointments.c.start))).mappings()
        return [from_row(Appointment, r) for r in rows]

    async def set_follow_up(self, appointment_id: str, reason: str | None, at: datetime) -> None:
        await self.conn.execute(
            t.appointments.update()
            .where(t.appointments.c.id == appointment_id)
            .values(needs_follow_up=reason, updated_at=at)
        )

    # -- open slots ------------------------------------------------------------------------

    async def add_slot(self, slot: OpenSlot) -> None:
        await self.conn.execute(t.open_slots.insert().values(**to_values(slot)))

    async def slot(self, slot_id: str) -> OpenSlot:
        row = (
            (await self.conn.execute(sa.select(t.open_slots).where(t.open_slots.c.id == slot_id)))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("slot", slot_id)
        return from_row(OpenSlot, row)

    async def open_slots(
        self, org_id: str, start: datetime, end: datetime, *, states: Sequence[str] = ("open",)
    ) -> list[OpenSlot]:
        rows = (
            await self.conn.execute(
                sa.select(t.open_slots)
                .where(
                    t.open_slots.c.org_id == org_id,
                    t.open_slots.c.state.in_(list(states)),
                    t.open_slots.c.start >= start,
                    t.open_slots.c.start < end,
                )
                .order_by(t.open_slots.c.start)
            )
        ).mappings()
        return [from_row(OpenSlot, r) for r in rows]

    async def take_slot(self, slot_id: str, *, expected_states: Sequence[str], to: str) -> bool:
        """Move a slot to state ``to`` only if it is still in one of ``expected_states``.

        A single conditional UPDATE, so of many concurrent takers exactly one wins on both
        SQLite and PostgreSQL. Returns True for the winner.
        """
        result = await self.conn.execute(
            t.open_slots.update()
            .where(t.open_slots.c.id == slot_id, t.open_slots.c.state.in_(list(expected_states)))
            .values(state=to, version=t.open_slots.c.version + 1)
        )
        return result.rowcount == 1

    async def count(self, org_id: str) -> int:
        result = await self.conn.execute(
            sa.select(sa.func.count())
            .select_from(t.appointments)
            .where(t.appointments.c.org_id == org_id)
        )
        return int(result.scalar_one())

    @staticmethod
    def row_values(appointment: Appointment) -> dict[str, Any]:
        return to_values(appointment)
