"""The pipeline's hot-path writes, as few round trips as possible: ``INSERT ... ON CONFLICT DO
NOTHING`` instead of savepoints, cached statements with bound parameters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import Conversation, Message
from domain.storage import tables as t
from domain.storage.repositories._mapping import to_values

__all__ = ["insert_new", "touch_thread"]

_THREAD_KEY = ["org_id", "channel", "patient_address", "careline_address"]
_MESSAGE_KEY = ["channel", "direction", "provider_id"]
_TOUCH = (
    t.conversations.update()
    .where(t.conversations.c.id == sa.bindparam("thread_id"))
    .values(last_message_at=sa.bindparam("at"))
)


def _insert_ignoring(conn: AsyncConnection, table: sa.Table, key: list[str]) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing(index_elements=key)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing(index_elements=key)


async def insert_new(conn: AsyncConnection, row: Conversation | Message) -> bool:
    """Insert a thread or a message unless its unique key exists. True when inserted."""
    if isinstance(row, Conversation):
        statement = _insert_ignoring(conn, t.conversations, _THREAD_KEY)
    else:
        statement = _insert_ignoring(conn, t.messages, _MESSAGE_KEY)
    result = await conn.execute(statement, to_values(row))
    return bool(result.rowcount == 1)


async def touch_thread(conn: AsyncConnection, thread_id: str, at: datetime) -> None:
    """Record the time of the thread's latest message."""
    await conn.execute(_TOUCH, {"thread_id": thread_id, "at": at})
