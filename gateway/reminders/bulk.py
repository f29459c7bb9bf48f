"""Planning many appointments at once (an EHR import, a nightly re-plan, the benchmark).

:func:`row_tuples` turns a plan into outbox rows as plain tuples in :data:`OUTBOX_COLUMNS`
order -- no per-row objects, so a million appointments fit in a few seconds of writing.
:func:`copy_rows_postgres` writes them with ``COPY`` into an unlogged staging table and one
``INSERT ... ON CONFLICT (dedupe_key) DO NOTHING`` (idempotent like ``add_many``);
:func:`insert_rows_sqlite` uses ``INSERT ... ON CONFLICT DO NOTHING`` on a stdlib connection.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from domain.model import new_id
from domain.reminders import PlanRequest, ReminderPlan

__all__ = [
    "OUTBOX_COLUMNS",
    "copy_rows_postgres",
    "fast_ids",
    "insert_rows_sqlite",
    "row_tuples",
]

OUTBOX_COLUMNS = (
    "id", "org_id", "dedupe_key", "kind", "channel", "to_address", "patient_id",
    "appointment_id", "facility_id", "template_key", "language", "context", "due_at",
    "state", "attempts", "created_at", "updated_at",
)


def _sqlite_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def fast_ids() -> Callable[[], str]:
    """An id generator for one bulk run: the layout of :func:`new_id` (26 characters, time
    first), a random per-run prefix and a counter -- unique without a syscall per id."""
    prefix = new_id()[:16]
    counter = itertools.count()
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

    def next_id() -> str:
        value = next(counter)
        chars = []
        for _ in range(10):
            chars.append(alphabet[value & 31])
            value >>= 5
        return prefix + "".join(reversed(chars))

    return next_id


def _context(appointment_id: str, kind: str, slot: str, days: int | None) -> str:
    # The same JSON as ``reminder_context`` (ids, kinds and slots need no escaping).
    before = "null" if days is None else str(days)
    return (f'{{"appointment_id":"{appointment_id}","reminder":{{"kind":"{kind}",'
            f'"slot":"{slot}","days_before":{before}}}}}')


def row_tuples(
    plan: ReminderPlan, request: PlanRequest, created_at: datetime, *, sqlite: bool,
    ids: Callable[[], str] = new_id,
) -> list[tuple[Any, ...]]:
    """The pending outbox rows of ``plan`` (what ``outbox_messages`` builds, as tuples).

    Times are aware datetimes for PostgreSQL and naive UTC text for SQLite (the storage
    format of ``UTCDateTime``); the context is JSON text.
    """
    appointment, patient = request.appointment, request.patient
    created: Any = _sqlite_time(created_at) if sqlite else created_at
    rows = []
    for message in plan.to_write:
        assert message.due_at is not None and message.channel is not None
        context = _context(appointment.id, message.kind, message.slot, message.days_before)
        rows.append((
            ids(), appointment.org_id, message.dedupe_key, "reminder", str(message.channel),
            message.address, patient.id, appointment.id, appointment.facility_id,
            message.template_key, patient.preferred_language, context,
            _sqlite_time(message.due_at) if sqlite else message.due_at, "pending", 0,
            created, created,
        ))
    return rows


def insert_rows_sqlite(conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows in one transaction, skipping dedupe keys already present."""
    names = ", ".join(OUTBOX_COLUMNS)
    marks = ", ".join("?" for _ in OUTBOX_COLUMNS)
    with conn:
        conn.executemany(
            f"INSERT INTO outbox ({names}) VALUES ({marks}) ON CONFLICT(dedupe_key) DO NOTHING",
            rows,
        )


async def copy_rows_postgres(conn: Any, rows: Sequence[tuple[Any, ...]]) -> int:
    """COPY rows into a staging table, then insert the new ones into ``outbox``.

    Args:
        conn: an asyncpg connection.
        rows: tuples in :data:`OUTBOX_COLUMNS` order.

    Returns:
        How many rows were inserted (existing dedupe keys are skipped).
    """
    names = ", ".join(OUTBOX_COLUMNS)
    async with conn.transaction():
        await conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS outbox_stage "
            "(LIKE outbox INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        await conn.copy_records_to_table("outbox_stage", records=rows, columns=OUTBOX_COLUMNS)
        status = await conn.execute(
            f"INSERT INTO outbox ({names}) SELECT {names} FROM outbox_stage "
            "ON CONFLICT (dedupe_key) DO NOTHING"
        )
    return int(str(status).rsplit(" ", 1)[-1])
