"""Patients with their contact points, and the do-not-contact list."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import NotFound
from domain.model import ContactPoint, DncEntry, Patient, new_id
from domain.storage import tables as t
from domain.storage.repositories._mapping import from_row, to_values

__all__ = ["PatientRepository"]


class PatientRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, patient: Patient, at: Any) -> None:
        await self.add_many([patient], at)

    async def add_many(self, patients: Sequence[Patient], at: Any) -> None:
        """Insert patients and their contacts in bulk (one statement per table)."""
        if not patients:
            return
        rows = [
            to_values(p, exclude=("contacts",)) | {"created_at": at, "updated_at": at}
            for p in patients
        ]
        await self.conn.execute(t.patients.insert(), rows)
        contacts = [
            self._contact_values(p, c, index)
            for p in patients
            for index, c in enumerate(p.contacts)
        ]
        if contacts:
            await self.conn.execute(t.contact_points.insert(), contacts)

    async def replace_contacts(self, patient: Patient, at: Any) -> None:
        await self.conn.execute(
            t.contact_points.delete().where(t.contact_points.c.patient_id == patient.id)
        )
        rows = [self._contact_values(patient, c, i) for i, c in enumerate(patient.contacts)]
        if rows:
            await self.conn.execute(t.contact_points.insert(), rows)
        await self.conn.execute(
            t.patients.update().where(t.patients.c.id == patient.id).values(updated_at=at)
        )

    @staticmethod
    def _contact_values(patient: Patient, contact: ContactPoint, index: int) -> dict[str, Any]:
        return to_values(contact) | {
            "id": new_id(),
            "org_id": patient.org_id,
            "patient_id": patient.id,
            "position": index,
        }

    async def get(self, patient_id: str) -> Patient:
        found = await self.get_many([patient_id])
        if patient_id not in found:
            raise NotFound("patient", patient_id)
        return found[patient_id]

    async def get_many(self, ids: Iterable[str]) -> dict[str, Patient]:
        wanted = list(set(ids))
        if not wanted:
            return {}
        rows = (
            (await self.conn.execute(sa.select(t.patients).where(t.patients.c.id.in_(wanted))))
            .mappings()
            .all()
        )
        return await self._with_contacts(rows)

    async def find_by_address(self, org_id: str, address: str) -> list[Patient]:
        """Patients having ``address`` (E.164 number or email) among their contacts."""
        ids = (
            (
                await self.conn.execute(
                    sa.select(t.contact_points.c.patient_id)
                    .where(t.contact_points.c.org_id == org_id, t.contact_points.c.value == address)
                    .distinct()
                )
            )
            .scalars()
            .all()
        )
        found = await self.get_many(ids)
        return sorted(found.values(), key=lambda p: (p.placeholder, p.last_name, p.first_name))

    async def search(self, org_id: str, text: str = "", limit: int = 50) -> list[Patient]:
        query = sa.select(t.patients).where(t.patients.c.org_id == org_id)
        if text:
            like = f"%{text.lower()}%"
            query = query.where(
                sa.or_(
                    sa.func.lower(t.patients.c.first_name).like(like),
                    sa.func.lower(t.patients.c.last_name).like(like),
                    t.patients.c.mrn == text,
                )
            )
        query = query.order_by(t.patients.c.last_name, t.patients.c.first_name).limit(limit)
        rows = (await self.conn.execute(query)).mappings().all()
        found = await self._with_contacts(rows)
        return [found[row["id"]] for row in rows]

    async def _with_contacts(self, rows: Sequence[Any]) -> dict[str, Patient]:
        if not rows:
            return {}
        contacts: dict[str, list[ContactPoint]] = defaultdict(list)
        result = await self.conn.execute(
            sa.select(t.contact_points)
            .where(t.contact_points.c.patient_id.in_([r["id"] for r in rows]))
            .order_by(t.contact_points.c.position)
        )
        for c in result.mappings():
            contacts[c["patient_id"]].append(from_row(ContactPoint, c))
        return {r["id"]: from_row(Patient, r, contacts=tuple(contacts[r["id"]])) for r in rows}

    # -- do not contact --------------------------------------------------------------------

    async def dnc_entries(
        self, org_id: str, addresses: Iterable[str] | None = None
    ) -> list[DncEntry]:
        query = sa.select(t.dnc_entries).where(t.dnc_entries.c.org_id == org_id)
        if addresses is not None:
            query = query.where(t.dnc_entries.c.address.in_(list(addresses)))
        rows = (await self.conn.execute(query.order_by(t.dnc_entries.c.created_at))).mappings()
        return [from_row(DncEntry, r) for r in rows]

    async def add_dnc(self, entry: DncEntry) -> bool:
        """Add an entry; False when the address is already listed from that source (and, for
        patient opt-outs, from the same Careline number)."""
        number = t.dnc_entries.c.careline_number
        existing = await self.conn.execute(
            sa.select(t.dnc_entries.c.id).where(
                t.dnc_entries.c.org_id == entry.org_id,
                t.dnc_entries.c.address == entry.address,
                t.dnc_entries.c.source == entry.source.value,
                number.is_(None) if entry.careline_number is None
                else number == entry.careline_number,
            )
        )
        if existing.first() is not None:
            return False
        await self.conn.execute(t.dnc_entries.insert().values(id=new_id(), **to_values(entry)))
        return True

    async def remove_dnc(
        self, org_id: str, address: str, source: str, *, careline_number: str | None = None
    ) -> int:
        """Remove entries of ``source`` for ``address`` (only the one made from
        ``careline_number`` when given). Returns how many were removed."""
        condition = sa.and_(
            t.dnc_entries.c.org_id == org_id,
            t.dnc_entries.c.address == address,
            t.dnc_entries.c.source == source,
        )
        if careline_number is not None:
            condition = sa.and_(condition, t.dnc_entries.c.careline_number == careline_number)
        result = await self.conn.execute(t.dnc_entries.delete().where(condition))
        return result.rowcount
