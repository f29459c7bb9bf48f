"""Find the Do Not Contact entries of a batch's addresses, whatever their spelling.

Entries should be stored in one spelling (E.164 numbers, lower-case emails:
``domain.rules.normalize_address``) and are then found by an exact, indexed look-up. An entry
stored as typed ("(312) 555-0142", "Ana@Example.org") must still block: those few are found
by a scan for non-canonical spellings, normalised here and cached per organisation until the
list changes (its entry count or newest entry time moves).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import rules
from domain.errors import ValidationError
from domain.model import DncEntry
from domain.storage import tables as t
from domain.storage.repositories import PatientRepository
from domain.storage.repositories._mapping import from_row

__all__ = ["DncIndex", "canonical"]

_D = t.dnc_entries.c


@lru_cache(maxsize=65536)
def canonical(address: str) -> str:
    """The one spelling of an address (itself when it is neither a number nor an email);
    cached, as parsing a phone number is the costliest step of a batch."""
    try:
        return rules.normalize_address(address)
    except ValidationError:
        return address.strip().lower()


def _odd_spelling() -> Any:
    email = sa.and_(_D.address.like("%@%"), _D.address != sa.func.lower(_D.address))
    phone = sa.and_(
        sa.not_(_D.address.like("%@%")),
        sa.or_(
            sa.not_(_D.address.like("+%")),
            *(_D.address.like(f"%{ch}%") for ch in (" ", "-", "(", ")", ".", "/")),
        ),
    )
    return sa.or_(email, phone)


class DncIndex:
    """Per-organisation cache of the non-canonical entries (usually none)."""

    def __init__(self) -> None:
        self._odd: dict[str, tuple[tuple[Any, ...], dict[str, list[DncEntry]]]] = {}

    async def entries(
        self, conn: AsyncConnection, org_id: str, addresses: Iterable[str]
    ) -> dict[str, list[DncEntry]]:
        """The entries of each address, keyed by :func:`canonical` spelling.

        Args:
            conn: a connection.
            org_id: the organisation.
            addresses: the addresses of a batch, as planned.

        Returns:
            canonical address -> its entries (absent when it has none).
        """
        wanted = {canonical(a): a for a in addresses}
        raw = set(wanted.values())
        spellings = sorted(set(wanted) | raw | {a.lower() for a in raw})
        found: dict[str, list[DncEntry]] = defaultdict(list)
        seen: set[tuple[str, str, str | None]] = set()
        exact = await PatientRepository(conn).dnc_entries(org_id, spellings)
        for entry in [*exact, *await self._odd_entries(conn, org_id, wanted)]:
            key = canonical(entry.address)
            identity = (entry.address, entry.source.value, entry.careline_number)
            if key in wanted and identity not in seen:
                seen.add(identity)
                found[key].append(entry)
        return dict(found)

    async def _odd_entries(
        self, conn: AsyncConnection, org_id: str, wanted: dict[str, str]
    ) -> Sequence[DncEntry]:
        version = (
            await conn.execute(
                sa.select(sa.func.count(), sa.func.max(_D.created_at)).where(_D.org_id == org_id)
            )
        ).one()
        fingerprint = (version[0], version[1])
        cached = self._odd.get(org_id)
        if cached is None or cached[0] != fingerprint:
            rows = await conn.execute(
                sa.select(t.dnc_entries).where(_D.org_id == org_id, _odd_spelling())
            )
            index: dict[str, list[DncEntry]] = defaultdict(list)
            for row in rows.mappings():
                entry = from_row(DncEntry, dict(row))
                index[canonical(entry.address)].append(entry)
            cached = (fingerprint, dict(index))
            self._odd[org_id] = cached
        return [entry for key in wanted for entry in cached[1].get(key, ())]
