"""Bulk state changes of outbox rows (for the outbox repository): many rows, each under a
condition, in as few statements as each database allows, reporting exactly which changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import OutboxState
from domain.storage import tables as t
from domain.storage.arrays import unnest_columns

__all__ = ["Transition", "apply_transitions"]

_CHUNK = 400
_C = t.outbox.c
_OPTIONAL = ("due_at", "provider_id", "sent_at")


@dataclass(frozen=True, slots=True)
class Transition:
    """A new state for one row. ``None`` fields are left as they are, except ``reason`` which
    is always written (``None`` clears it)."""

    id: str
    state: OutboxState
    reason: str | None = None
    due_at: datetime | None = None
    provider_id: str | None = None
    sent_at: datetime | None = None


async def apply_transitions(
    conn: AsyncConnection, transitions: Sequence[Transition], condition: Any, now: datetime
) -> set[str]:
    """Apply ``transitions``, each row under ``condition``; returns the ids changed.

    PostgreSQL: one ``UPDATE … FROM unnest(arrays) RETURNING`` per chunk. SQLite (which has no
    column list for a VALUES alias): one statement per row, sent as a batch, with the changed
    rows read back only when not all of them matched.
    """
    if conn.dialect.name != "postgresql":
        return await _apply_many(conn, transitions, condition, now)
    changed: set[str] = set()
    for start in range(0, len(transitions), _CHUNK):
        changed |= await _apply_values(conn, transitions[start : start + _CHUNK], condition, now)
    return changed


def _common(now: datetime) -> dict[str, Any]:
    return {"lease_expires_at": None, "updated_at": now}


_ROWS = unnest_columns(t.outbox, ("id", "state", "reason", *_OPTIONAL), prefix="t_", alias="v")


async def _apply_values(
    conn: AsyncConnection, chunk: Sequence[Transition], condition: Any, now: datetime
) -> set[str]:
    # The rows travel as one array per column (``unnest``), so the statement is the same for
    # every chunk: compiled once, prepared once, and no bound parameter per value.
    v = _ROWS
    values = _common(now) | {"state": v.c.state, "reason": v.c.reason}
    for name in _OPTIONAL:  # None keeps the stored value
        values[name] = sa.func.coalesce(getattr(v.c, name), getattr(_C, name))
    result = await conn.execute(
        t.outbox.update().where(_C.id == v.c.id, condition).values(values).returning(_C.id),
        {
            "t_id": [x.id for x in chunk],
            "t_state": [x.state.value for x in chunk],
            "t_reason": [x.reason for x in chunk],
            **{f"t_{n}": [getattr(x, n) for x in chunk] for n in _OPTIONAL},
        },
    )
    return set(result.scalars().all())


async def _apply_many(
    conn: AsyncConnection, transitions: Sequence[Transition], condition: Any, now: datetime
) -> set[str]:
    if not transitions:
        return set()
    groups: dict[tuple[str, ...], list[Transition]] = {}
    for x in transitions:
        names = tuple(n for n in _OPTIONAL if getattr(x, n) is not None)
        groups.setdefault(names, []).append(x)
    matched = 0
    for names, members in groups.items():
        values = _common(now) | {"state": sa.bindparam("b_state"),
                                 "reason": sa.bindparam("b_reason")}
        values.update({n: sa.bindparam(f"b_{n}", type_=getattr(_C, n).type) for n in names})
        result = await conn.execute(
            t.outbox.update().where(_C.id == sa.bindparam("b_id"), condition).values(values),
            [
                {"b_id": x.id, "b_state": x.state.value, "b_reason": x.reason}
                | {f"b_{n}": getattr(x, n) for n in names}
                for x in members
            ],
        )
        matched += result.rowcount
    if matched == len(transitions):
        return {x.id for x in transitions}
    return await _read_back(conn, transitions, now)


async def _read_back(
    conn: AsyncConnection, transitions: Sequence[Transition], now: datetime
) -> set[str]:
    changed: set[str] = set()
    wanted = {x.id: x for x in transitions}
    ids = list(wanted)
    for start in range(0, len(ids), _CHUNK):
        rows = await conn.execute(
            sa.select(_C.id, _C.state, _C.reason, _C.updated_at).where(
                _C.id.in_(ids[start : start + _CHUNK])
            )
        )
        for row in rows:
            x = wanted[row[0]]
            if row[1] == x.state.value and row[2] == x.reason and row[3] == now:
                changed.add(row[0])
    return changed
