"""Consume the delivery failures the status webhook records, and plan their retries.

The channel gateway stores each failed delivery report as a ``delivery_failed`` domain event
(``gateway/inbound/delivery.py``: payload with ``provider_id`` and ``error_code``). Every
reconcile pass takes a batch of unconsumed ones (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a
single atomic statement on SQLite), applies :func:`on_delivery_failed` to each and marks them
consumed, all in one transaction -- so a failure is handled once even with several workers.
A webhook may also call :func:`on_delivery_failed` directly; the second call does nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.storage import tables as t
from gateway.dispatcher.retrying import on_delivery_failed

__all__ = ["DELIVERY_FAILED", "consume_delivery_failures"]

DELIVERY_FAILED = "delivery_failed"
_E = t.domain_events.c


async def consume_delivery_failures(
    conn: AsyncConnection, *, now: datetime, limit: int = 200
) -> int:
    """Handle up to ``limit`` unconsumed delivery failures. Returns how many were taken."""
    pending = (
        sa.select(_E.id)
        .where(_E.kind == DELIVERY_FAILED, _E.consumed_at.is_(None))
        .order_by(_E.created_at)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        pending = pending.with_for_update(skip_locked=True)
    taken = await conn.execute(
        t.domain_events.update()
        .where(_E.id.in_(pending.scalar_subquery()), _E.consumed_at.is_(None))
        .values(consumed_at=now)
        .returning(_E.payload, _E.created_at)
    )
    events: list[tuple[Any, datetime]] = [(row[0], row[1]) for row in taken]
    for payload, _ in sorted(events, key=lambda e: e[1]):
        provider_id = payload.get("provider_id") if isinstance(payload, dict) else None
        if isinstance(provider_id, str) and provider_id:
            code = payload.get("error_code")
            await on_delivery_failed(
                conn, provider_id, code if isinstance(code, str) else None, now=now
            )
    return len(events)
