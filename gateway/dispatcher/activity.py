"""Messaging activity for staff (REM-44..REM-48): the queries behind the activity API.

* last sent (REM-45): newest first, with the delivery status the provider reported;
* last undelivered (REM-46): failed, blocked and unknown messages with the stored reason;
  ``final`` tells whether a retry was planned (``retried_by``) or this is the end;
* needs attention: messages whose fate is unknown after an interrupted attempt;
* last patient responses (REM-47): inbound messages, newest first;
* next scheduled (REM-48): pending messages by due time, with the reason when deferred.

Every query is limited to one organisation and, optionally, a set of facilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import OutboxState
from domain.storage import tables as t

__all__ = [
    "ActivityScope",
    "last_responses",
    "last_sent",
    "last_undelivered",
    "needs_attention",
    "next_scheduled",
]

_O = t.outbox.c
_M = t.messages.c
_P = t.patients.c
_EXCERPT = 160


@dataclass(frozen=True, slots=True)
class ActivityScope:
    """What a staff member may see: one organisation, and (``None`` = all) some facilities;
    ``staff_user_id`` names who acts (recorded on messages they send again)."""

    org_id: str
    facility_ids: frozenset[str] | None = None
    staff_user_id: str | None = None


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _excerpt(text: str | None) -> str | None:
    if text is None or len(text) <= _EXCERPT:
        return text
    return text[: _EXCERPT - 1] + "…"


def _split_reason(reason: str | None) -> tuple[str | None, str | None]:
    if reason is None:
        return None, None
    code, sep, text = reason.partition(": ")
    if sep and code.replace("_", "").isalnum() and code.islower():
        return code, text
    return None, reason


def _patient(row: Any) -> dict[str, str] | None:
    if row.patient_id is None:
        return None
    name = f"{row.first_name or ''} {row.last_name or ''}".strip()
    return {"id": row.patient_id, "name": name or "Unknown sender"}


def _outbox_query(scope: ActivityScope, *extra: Any) -> Any:
    delivery = (
        sa.select(_M.status)
        .where(
            _M.channel == _O.channel,
            _M.direction == "outbound",
            _M.provider_id == _O.provider_id,
        )
        .limit(1)
        .scalar_subquery()
        .label("delivery")
    )
    query = (
        sa.select(*t.outbox.c, _P.first_name, _P.last_name, delivery)
        .select_from(t.outbox.outerjoin(t.patients, _P.id == _O.patient_id))
        .where(_O.org_id == scope.org_id, *extra)
    )
    if scope.facility_ids is not None:
        query = query.where(_O.facility_id.in_(sorted(scope.facility_ids)))
    return query


def _item(row: Any) -> dict[str, Any]:
    code, reason = _split_reason(row.reason)
    return {
        "id": row.id,
        "kind": row.kind,
        "channel": row.channel,
        "to": row.to_address,
        "from": row.from_address,
        "state": row.state,
        "reason_code": code,
        "reason": reason,
        "patient": _patient(row),
        "appointment_id": row.appointment_id,
        "facility_id": row.facility_id,
        "template_key": row.template_key,
        "body": _excerpt(row.body),
        "attempts": row.attempts,
        "due_at": _iso(row.due_at),
        "sent_at": _iso(row.sent_at),
        "updated_at": _iso(row.updated_at),
        "provider_id": row.provider_id,
        "delivery": row.delivery,
        "retry_of": row.retry_of,
    }


async def last_sent(
    conn: AsyncConnection, scope: ActivityScope, *, limit: int
) -> list[dict[str, Any]]:
    """The latest messages sent (REM-45)."""
    rows = await conn.execute(
        # sent_at IS NOT NULL (true of every sent row) lets SQLite use the partial index.
        _outbox_query(scope, _O.state == OutboxState.SENT.value, _O.sent_at.is_not(None))
        .order_by(_O.sent_at.desc(), _O.id.desc())
        .limit(limit)
    )
    return [_item(r) for r in rows]


async def _with_retries(
    conn: AsyncConnection, items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    ids = [i["id"] for i in items]
    retried: dict[str, str] = {}
    if ids:
        found = await conn.execute(sa.select(_O.id, _O.retry_of).where(_O.retry_of.in_(ids)))
        retried = {r.retry_of: r.id for r in found}
    for item in items:
        item["retried_by"] = retried.get(item["id"])
        item["final"] = item["retried_by"] is None and item["state"] != OutboxState.UNKNOWN.value
    return items


async def last_undelivered(
    conn: AsyncConnection, scope: ActivityScope, *, limit: int, final_only: bool = False
) -> list[dict[str, Any]]:
    """Messages that could not be delivered: failed, blocked or unknown (REM-46)."""
    states = [OutboxState.FAILED.value, OutboxState.BLOCKED.value, OutboxState.UNKNOWN.value]
    extra: list[Any] = [_O.state.in_(states)]
    if final_only:
        retry = t.outbox.alias("retry")
        retried = sa.select(retry.c.retry_of).where(retry.c.retry_of.is_not(None))
        extra.append(_O.id.not_in(retried))
    rows = await conn.execute(
        _outbox_query(scope, *extra).order_by(_O.updated_at.desc(), _O.id.desc()).limit(limit)
    )
    return await _with_retries(conn, [_item(r) for r in rows])


async def needs_attention(
    conn: AsyncConnection, scope: ActivityScope, *, limit: int
) -> list[dict[str, Any]]:
    """Messages whose fate is unknown: staff decide whether to resend."""
    rows = await conn.execute(
        _outbox_query(scope, _O.state == OutboxState.UNKNOWN.value)
        .order_by(_O.updated_at.desc(), _O.id.desc())
        .limit(limit)
    )
    return [_item(r) for r in rows]


async def next_scheduled(
    conn: AsyncConnection, scope: ActivityScope, *, limit: int
) -> list[dict[str, Any]]:
    """Pending messages, the next due first (REM-48); overdue ones lead."""
    rows = await conn.execute(
        _outbox_query(scope, _O.state == OutboxState.PENDING.value)
        .order_by(_O.due_at, _O.id)
        .limit(limit)
    )
    return [_item(r) for r in rows]


async def last_responses(
    conn: AsyncConnection, scope: ActivityScope, *, limit: int
) -> list[dict[str, Any]]:
    """The most recent patient messages (REM-47)."""
    c = t.conversations.c
    query = (
        sa.select(
            _M.id, _M.conversation_id, _M.channel, _M.body, _M.created_at, c.patient_address,
            c.patient_id, c.facility_id, _P.first_name, _P.last_name,
        )
        .select_from(
            t.messages.join(t.conversations, c.id == _M.conversation_id).outerjoin(
                t.patients, _P.id == c.patient_id
            )
        )
        .where(_M.org_id == scope.org_id, _M.direction == "inbound")
        .order_by(_M.created_at.desc(), _M.id.desc())
        .limit(limit)
    )
    if scope.facility_ids is not None:
        query = query.where(c.facility_id.in_(sorted(scope.facility_ids)))
    rows = await conn.execute(query)
    return [
        {
            "id": r.id,
            "conversation_id": r.conversation_id,
            "channel": r.channel,
            "from": r.patient_address,
            "patient": _patient(r),
            "facility_id": r.facility_id,
            "body": _excerpt(r.body),
            "received_at": _iso(r.created_at),
        }
        for r in rows
    ]

