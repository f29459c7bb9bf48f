"""Each organisation's bot catalog (flows and reworded messages), built from storage and kept
for a few seconds: a change made by staff reaches every gateway process within ``ttl``."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.bot.catalog import Catalog
from gateway.bot.flow_store import FlowStore

__all__ = ["CatalogCache"]


class CatalogCache:
    """Catalogs by organisation.

    Args:
        ttl: seconds a catalog is reused before it is read again.
        seed_examples: give organisations without flows the shipped examples.
    """

    def __init__(self, *, ttl: float = 5.0, seed_examples: bool = True) -> None:
        self.ttl = ttl
        self.seed_examples = seed_examples
        self._cache: dict[str, tuple[float, Catalog]] = {}

    async def get(self, conn: AsyncConnection, org_id: str, now: datetime) -> Catalog:
        """The organisation's catalog. ``conn`` must be in a transaction that commits: an
        organisation's first use may add the example flows."""
        cached = self._cache.get(org_id)
        clock = time.monotonic()
        if cached is not None and cached[0] > clock:
            return cached[1]
        store = FlowStore(conn)
        if self.seed_examples:
            await store.seed_examples(org_id, now)
        catalog = Catalog(await store.definitions(org_id), await store.texts(org_id))
        self._cache[org_id] = (clock + self.ttl, catalog)
        return catalog

    def invalidate(self, org_id: str) -> None:
        """Forget the organisation's catalog (after staff changed a flow or a message)."""
        self._cache.pop(org_id, None)
