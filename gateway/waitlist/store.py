"""Storage of waitlist entries and offers (tables in ``domain/storage/tables_waitlist.py``).

Every method works on the caller's connection, so several changes share one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import NotFound
from domain.storage.repositories._mapping import from_row, to_values
from domain.storage.tables_waitlist import waitlist_entries as E
from domain.storage.tables_waitlist import waitlist_offers as O
from domain.waitlist import EntryStatus, Offer, OfferState, PastOffer, WaitlistEntry

__all__ = ["WaitlistStore"]


class WaitlistStore:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    # -- entries ---------------------------------------------------------------------------

    async def add_entries(self, entries: Sequence[WaitlistEntry]) -> None:
        if entries:
            await self.conn.execute(E.insert(), [to_values(e) for e in entries])

    async def save_entry(self, entry: WaitlistEntry) -> None:
        values = to_values(entry, exclude=("id", "org_id", "added_at"))
        await self.conn.execute(E.update().where(E.c.id == entry.id).values(**values))

    async def entry(self, org_id: str, entry_id: str) -> WaitlistEntry:
        row = (await self.conn.execute(
            sa.select(E).where(E.c.id == entry_id, E.c.org_id == org_id)
        )).mappings().first()
        if row is None:
            raise NotFound("waitlist entry", entry_id)
        return from_row(WaitlistEntry, dict(row))

    async def entries(
        self,
        org_id: str,
        *,
        status: Iterable[EntryStatus] | None = (EntryStatus.ACTIVE,),
        provider_id: str | None = None,
        facility_id: str | None = None,
        patient_id: str | None = None,
        ids: Iterable[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[WaitlistEntry]:
        """Entries of ``org_id`` matching every given filter, longest waiting first."""
        query = sa.select(E).where(E.c.org_id == org_id)
        if status is not None:
            query = query.where(E.c.status.in_([s.value for s in status]))
        for column, value in ((E.c.provider_id, provider_id), (E.c.facility_id, facility_id),
                              (E.c.patient_id, patient_id)):
            if value is not None:
                query = query.where(column == value)
        if ids is not None:
            query = query.where(E.c.id.in_(list(ids)))
        query = query.order_by(E.c.added_at, E.c.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        rows = (await self.conn.execute(query)).mappings()
        return [from_row(WaitlistEntry, dict(r)) for r in rows]

    async def waiting_counts(self, org_id: str) -> dict[str | None, int]:
        """Active entries per provider id (None: any provider)."""
        rows = await self.conn.execute(
            sa.select(E.c.provider_id, sa.func.count())
            .where(E.c.org_id == org_id, E.c.status == EntryStatus.ACTIVE.value)
            .group_by(E.c.provider_id)
        )
        return {provider: int(count) for provider, count in rows.all()}

    # -- offers ----------------------------------------------------------------------------

    async def add_offer(self, offer: Offer) -> None:
        await self.conn.execute(O.insert().values(**to_values(offer)))

    async def offer(self, offer_id: str, *, org_id: str | None = None) -> Offer:
        query = sa.select(O).where(O.c.id == offer_id)
        if org_id is not None:
            query = query.where(O.c.org_id == org_id)
        row = (await self.conn.execute(query)).mappings().first()
        if row is None:
            raise NotFound("waitlist offer", offer_id)
        return from_row(Offer, dict(row))

    async def move_offer(self, offer: Offer, expected: OfferState, **values: Any) -> bool:
        """Write ``values`` (state and stamps) only if the offer is still ``expected``.
        False when another process changed it first."""
        row_values = {k: (v.value if isinstance(v, OfferState) else v) for k, v in values.items()}
        result = await self.conn.execute(
            O.update().where(O.c.id == offer.id, O.c.state == expected.value).values(**row_values)
        )
        return result.rowcount == 1

    async def offers_for_slot(self, slot_id: str) -> list[Offer]:
        rows = (await self.conn.execute(
            sa.select(O).where(O.c.slot_id == slot_id).order_by(O.c.created_at, O.c.id)
        )).mappings()
        return [from_row(Offer, dict(r)) for r in rows]

    async def offers(
        self,
        org_id: str,
        *,
        patient_id: str | None = None,
        states: Iterable[OfferState] | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> list[Offer]:
        """Offers of ``org_id``, newest first (WL-02, WL-03, WL-07)."""
        query = sa.select(O).where(O.c.org_id == org_id)
        if patient_id is not None:
            query = query.where(O.c.patient_id == patient_id)
        if states is not None:
            query = query.where(O.c.state.in_([s.value for s in states]))
        query = query.order_by(O.c.created_at.desc(), O.c.id.desc()).limit(limit).offset(offset)
        rows = (await self.conn.execute(query)).mappings()
        return [from_row(Offer, dict(r)) for r in rows]

    async def due_to_expire(self, now: datetime, *, limit: int = 500) -> list[Offer]:
        """Offers still waiting for the patient whose time is up."""
        rows = (await self.conn.execute(
            sa.select(O)
            .where(O.c.state == OfferState.OFFERED.value, O.c.expires_at <= now)
            .order_by(O.c.expires_at).limit(limit)
        )).mappings()
        return [from_row(Offer, dict(r)) for r in rows]

    async def history(self, patient_ids: Iterable[str]) -> dict[str, list[PastOffer]]:
        """Every earlier offer of each patient, for the matching rules."""
        wanted = list(set(patient_ids))
        found: dict[str, list[PastOffer]] = {p: [] for p in wanted}
        if not wanted:
            return found
        rows = await self.conn.execute(
            sa.select(O.c.patient_id, O.c.slot_id, O.c.slot_start, O.c.state, O.c.responded_at)
            .where(O.c.patient_id.in_(wanted))
        )
        for patient_id, slot_id, start, state, responded_at in rows.all():
            found[patient_id].append(PastOffer(slot_id, start, OfferState(state), responded_at))
        return found
