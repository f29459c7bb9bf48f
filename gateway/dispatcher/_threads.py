"""Outbound messages in the Hub: the conversation of each recipient address and the message
rows, written in bulk for a whole batch of outcomes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import Channel, ConversationStatus, MessageStatus, new_id
from domain.storage import tables as t

__all__ = ["ThreadKey", "add_messages", "ensure_threads", "update_outbox_message"]

_CHUNK = 300
_CV = t.conversations.c


@dataclass(frozen=True, slots=True)
class ThreadKey:
    """A conversation's identity; ``patient_id`` and ``facility_id`` are used on creation."""

    org_id: str
    channel: Channel
    patient_address: str
    careline_address: str
    patient_id: str | None = None
    facility_id: str | None = None

    @property
    def identity(self) -> tuple[str, str, str, str]:
        return (self.org_id, self.channel.value, self.patient_address, self.careline_address)


def _insert(conn: AsyncConnection) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


async def _find(
    conn: AsyncConnection, identities: Sequence[tuple[str, str, str, str]]
) -> dict[tuple[str, str, str, str], str]:
    # Grouped by (org, channel) so the unique thread index serves the look-up (a row-value
    # IN list would scan the table).
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for org_id, channel, patient_address, _ in identities:
        groups[(org_id, channel)].add(patient_address)
    wanted = set(identities)
    found: dict[tuple[str, str, str, str], str] = {}
    for (org_id, channel), addresses in groups.items():
        ordered = sorted(addresses)
        for start in range(0, len(ordered), _CHUNK):
            rows = await conn.execute(
                sa.select(_CV.id, _CV.patient_address, _CV.careline_address).where(
                    _CV.org_id == org_id,
                    _CV.channel == channel,
                    _CV.patient_address.in_(ordered[start : start + _CHUNK]),
                )
            )
            for row in rows:
                identity = (org_id, channel, row[1], row[2])
                if identity in wanted:
                    found[identity] = row[0]
    return found


async def ensure_threads(
    conn: AsyncConnection, keys: Sequence[ThreadKey], *, now: datetime
) -> dict[tuple[str, str, str, str], str]:
    """The conversation id of every key, creating missing conversations (open, read) the same
    way ``ConversationRepository.get_or_create`` does, and moving their last-message time."""
    unique = {k.identity: k for k in keys}
    found = await _find(conn, list(unique))
    existing = list(set(found.values()))
    missing = [k for identity, k in unique.items() if identity not in found]
    if missing:
        rows = [
            {
                "id": new_id(), "org_id": k.org_id, "channel": k.channel.value,
                "patient_address": k.patient_address, "careline_address": k.careline_address,
                "patient_id": k.patient_id, "facility_id": k.facility_id,
                "status": ConversationStatus.OPEN.value, "unread": False, "created_at": now,
                "last_message_at": now,
            }
            for k in missing
        ]
        insert = _insert(conn)
        created = await conn.execute(
            insert(t.conversations)
            .on_conflict_do_nothing()
            .returning(_CV.id, _CV.org_id, _CV.channel, _CV.patient_address,
                       _CV.careline_address),
            rows,
        )
        for row in created:
            found[(row[1], row[2], row[3], row[4])] = row[0]
        raced = [k.identity for k in missing if k.identity not in found]
        if raced:  # created concurrently by another process: use theirs
            again = await _find(conn, raced)
            found.update(again)
            existing.extend(again.values())
    for start in range(0, len(existing), _CHUNK):
        await conn.execute(
            t.conversations.update()
            .where(_CV.id.in_(existing[start : start + _CHUNK]))
            .values(last_message_at=now)
        )
    return found


async def add_messages(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert outbound message rows (column dicts of ``messages``); one whose provider id is
    already stored is skipped."""
    if rows:
        await conn.execute(_insert(conn)(t.messages).on_conflict_do_nothing(), list(rows))


async def update_outbox_message(
    conn: AsyncConnection, outbox_id: str, *, status: MessageStatus, **values: Any
) -> int:
    """Update the message row(s) of an outbox row (reconciliation, delivery failures)."""
    result = await conn.execute(
        t.messages.update()
        .where(t.messages.c.outbox_id == outbox_id, t.messages.c.direction == "outbound")
        .values(status=status.value, **values)
    )
    return result.rowcount
