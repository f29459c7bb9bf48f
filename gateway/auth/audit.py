"""The audit log: who viewed or changed what, when. Entries name ids and actions, never message
text, names or contact details."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.storage import tables as t
from domain.storage.repositories import StaffRepository
from gateway.auth.principal import Principal

__all__ = ["VIEW_WINDOW", "audit", "audit_view"]

VIEW_WINDOW = timedelta(minutes=10)
"""Views of one thing by one user closer together than this make one audit entry (the Hub
re-reads an open chat at every live update)."""


async def audit(
    conn: AsyncConnection,
    principal: Principal | None,
    action: str,
    entity: str,
    entity_id: str | None,
    at: datetime,
    *,
    org_id: str | None = None,
    **detail: Any,
) -> None:
    """Record one audit entry in the caller's transaction.

    Args:
        conn: the transaction to write in (so the entry commits with the change).
        principal: who did it (None for the system or an anonymous caller, then ``org_id``).
        action: a verb such as ``view``, ``assign``, ``close``, ``sign_in``.
        entity: what kind of thing (``conversation``, ``patient``, ``session``...).
        entity_id: which one.
        at: when.
        org_id: the organisation, when there is no principal.
        **detail: extra JSON-safe facts (ids, counts, flags; never patient data). A token
            used instead of a session is recorded as ``via_token``.
    """
    if principal is not None and principal.token_id is not None:
        detail.setdefault("via_token", principal.token_id)
    owner = principal.org_id if principal is not None else org_id
    if owner is None:
        raise ValueError("an audit entry needs an organisation")
    await StaffRepository(conn).audit(
        org_id=owner, actor_id=principal.user_id if principal else None, action=action,
        entity=entity, entity_id=entity_id, at=at, detail=detail,
    )


async def audit_view(conn: AsyncConnection, principal: Principal, entity: str, entity_id: str,
                     at: datetime) -> None:
    """Record that the principal viewed ``entity_id``, unless they did within
    ``VIEW_WINDOW`` already."""
    a = t.audit_log
    recent = await conn.execute(
        sa.select(a.c.id).where(
            a.c.org_id == principal.org_id, a.c.actor_id == principal.user_id,
            a.c.action == "view", a.c.entity == entity, a.c.entity_id == entity_id,
            a.c.at > at - VIEW_WINDOW,
        ).limit(1)
    )
    if recent.first() is None:
        await audit(conn, principal, "view", entity, entity_id, at)
