"""Outbound messages in the Hub: the conversation of each recipient address and the message
rows, written in bulk for a whole batch of outcomes."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import Channel, ConversationStatus, MessageStatus, new_id
from domain.storage import tables as t
from domain.storage._sqlite_one_trip import defer
from domain.storage.arrays import unnest_columns

__all__ = ["ThreadKey", "add_messages", "ensure_threads", "update_outbox_message"]

_CHUNK = 300
_PG_CHUNK = 1000
_CV = t.conversations.c
_Identity = tuple[str, str, str, str]


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


_NEW_THREAD = ("id", "org_id", "channel", "patient_address", "careline_address", "patient_id",
               "facility_id", "status", "unread", "created_at", "last_message_at")


def _unnest_insert(
    table: sa.Table, columns: Sequence[str], *, json_columns: Sequence[str] = (),
    conflict: bool = True,
) -> Any:
    """PostgreSQL: ``INSERT … SELECT * FROM unnest(one array per column)`` (with ``ON
    CONFLICT DO NOTHING`` unless ``conflict`` is false) -- one statement, compiled and
    prepared once, whatever the number of rows (JSON columns travel as text and are cast
    back)."""
    arrays = unnest_columns(table, columns, prefix="u_", alias="u", as_text=json_columns)
    picked = [
        sa.cast(arrays.c[name], postgresql.JSONB) if name in json_columns else arrays.c[name]
        for name in columns
    ]
    insert = postgresql.insert(table).from_select(list(columns), sa.select(*picked))
    return insert.on_conflict_do_nothing() if conflict else insert


_SQLITE_NEW_THREADS = sqlite.insert(t.conversations).on_conflict_do_nothing()


def _pg_threads() -> Any:
    insert = _unnest_insert(t.conversations, _NEW_THREAD, conflict=False)
    return insert.on_conflict_do_update(
        constraint="uq_conversations_thread",
        set_={"last_message_at": insert.excluded.last_message_at},
    ).returning(_CV.id, _CV.org_id, _CV.channel, _CV.patient_address, _CV.careline_address)


_PG_THREADS = _pg_threads()


def _arrays(columns: Sequence[str], rows: Sequence[dict[str, Any]],
            *, json_columns: Sequence[str] = ()) -> dict[str, list[Any]]:
    return {
        f"u_{name}": (
            [json.dumps(r[name]) for r in rows] if name in json_columns
            else [r[name] for r in rows]
        )
        for name in columns
    }


def _new_threads(keys: Sequence[ThreadKey], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "id": new_id(), "org_id": k.org_id, "channel": k.channel.value,
            "patient_address": k.patient_address, "careline_address": k.careline_address,
            "patient_id": k.patient_id, "facility_id": k.facility_id,
            "status": ConversationStatus.OPEN.value, "unread": False, "created_at": now,
            "last_message_at": now,
        }
        for k in keys
    ]


async def _create(
    conn: AsyncConnection, missing: Sequence[ThreadKey], now: datetime
) -> dict[_Identity, str]:
    """SQLite: create conversations. Returns the ids this call tried to create them with (so
    the caller can tell its own from one another process created meanwhile)."""
    rows = _new_threads(missing, now)
    # The insert waits and travels with the look-up that follows, which then finds the ids
    # of ours and of any created meanwhile alike.
    await defer(conn, _SQLITE_NEW_THREADS, rows)
    return {(r["org_id"], r["channel"], r["patient_address"], r["careline_address"]): r["id"]
            for r in rows}


async def _upsert(
    conn: AsyncConnection, keys: Sequence[ThreadKey], now: datetime
) -> dict[_Identity, str]:
    """PostgreSQL: create or touch every conversation in one statement per chunk; the unique
    thread index finds the existing ones (no look-up whose plan depends on statistics)."""
    found: dict[_Identity, str] = {}
    for start in range(0, len(keys), _PG_CHUNK):
        rows = _new_threads(keys[start : start + _PG_CHUNK], now)
        for row in await conn.execute(_PG_THREADS, _arrays(_NEW_THREAD, rows)):
            found[(row[1], row[2], row[3], row[4])] = row[0]
    return found


async def ensure_threads(
    conn: AsyncConnection, keys: Sequence[ThreadKey], *, now: datetime
) -> dict[tuple[str, str, str, str], str]:
    """The conversation id of every key, creating missing conversations (open, read) the same
    way ``ConversationRepository.get_or_create`` does, and moving their last-message time."""
    unique = {k.identity: k for k in keys}
    if conn.dialect.name == "postgresql":
        # in one order, so that two workers touching the same conversations cannot deadlock
        return await _upsert(conn, [unique[i] for i in sorted(unique)], now)
    found = await _find(conn, list(unique))
    existing = list(set(found.values()))
    missing = [k for identity, k in unique.items() if identity not in found]
    if missing:
        tried = await _create(conn, missing, now)
        again = await _find(conn, [k.identity for k in missing])
        found.update(again)
        # one created meanwhile by another process: its last-message time moves too
        existing.extend(i for identity, i in again.items() if tried.get(identity) != i)
    for start in range(0, len(existing), _CHUNK):
        await conn.execute(
            t.conversations.update()
            .where(_CV.id.in_(existing[start : start + _CHUNK]))
            .values(last_message_at=now)
        )
    return found


_MESSAGE = ("id", "org_id", "conversation_id", "direction", "channel", "body", "media", "status",
            "provider_id", "template_key", "author_id", "facility_id", "error_code",
            "outbox_id", "created_at", "sent_at", "delivered_at")
_PG_MESSAGES = _unnest_insert(t.messages, _MESSAGE, json_columns=("media",))
_SQLITE_MESSAGES = sqlite.insert(t.messages).on_conflict_do_nothing()


async def add_messages(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert outbound message rows (column dicts of ``messages``, every column of
    ``_MESSAGE``); one whose provider id is already stored is skipped. On SQLite the insert
    travels with the transaction's next statement or its commit."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        for start in range(0, len(rows), _PG_CHUNK):
            await conn.execute(
                _PG_MESSAGES,
                _arrays(_MESSAGE, rows[start : start + _PG_CHUNK], json_columns=("media",)),
            )
        return
    await defer(conn, _SQLITE_MESSAGES, rows)


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
