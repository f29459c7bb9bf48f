"""Planning many appointments at once (an EHR import, a nightly re-plan, the benchmark).

:func:`row_tuples` turns a plan into outbox rows as plain tuples in :data:`OUTBOX_COLUMNS`
order -- no per-row objects, so a million appointments fit in a few seconds of writing.
:class:`BulkRows` does the same for a whole batch sharing settings, policy and ``now``: each
distinct plan is made once (``BatchPlanner``) and kept as row templates, so an appointment
costs a dictionary lookup and the tuples of its rows.
:func:`copy_rows_postgres` writes them with one ``COPY`` into ``outbox`` when no dedupe key
exists yet, else through a staging table and ``INSERT ... ON CONFLICT (dedupe_key) DO
NOTHING`` (idempotent like ``add_many`` either way);
:func:`insert_rows_sqlite` uses ``INSERT ... ON CONFLICT DO NOTHING`` on a stdlib connection
(:func:`add_rows_sqlite` the same inside a transaction someone else controls).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from domain.model import new_id
from domain.model.ids import encode
from domain.org_settings import ReminderSettings
from domain.reminders import PlanRequest, Practice, ReminderPlan
from domain.reminders.batch import BatchPlanner, PendingReminder
from domain.reminders.planner import address_digest
from domain.rules import DeliveryPolicy

__all__ = [
    "OUTBOX_COLUMNS",
    "SQLITE_INSERT",
    "BulkRows",
    "add_rows_sqlite",
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
    first), a random per-run prefix and a counter -- unique without a syscall per id, and
    increasing, so ids append to the primary key's index."""
    prefix = new_id()[:16]
    low = [encode(value)[-2:] for value in range(1024)]  # the last two characters (10 bits)
    counter = itertools.count()
    high = [-1, ""]

    def next_id() -> str:
        value = next(counter)
        top = value >> 10
        if top != high[0]:  # the eight characters before them change once in 1,024 ids
            high[0], high[1] = top, prefix + encode(top)[-8:]
        return f"{high[1]}{low[value & 1023]}"

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


_Template = tuple[str, str, bool, int, str, str, str, Any]
"""Per pending reminder: dedupe key head and tail, channel, which address list and index,
template key, context after the appointment id, due time (stored form)."""


class BulkRows:
    """Outbox row tuples (:data:`OUTBOX_COLUMNS` order) for many appointments planned with the
    same practice, settings, policy and ``now`` -- the same rows as :func:`row_tuples` of
    ``plan_reminders``, in the same order, each distinct plan computed once.

    Args:
        practice, settings, policy, now: shared by the batch (see ``BatchPlanner``).
        sqlite: store times as SQLite text instead of aware datetimes.
        ids: the row id generator (:func:`fast_ids` for a bulk run).
        created_at: the rows' ``created_at`` and ``updated_at`` (default: ``now``).
    """

    def __init__(
        self, practice: Practice, settings: ReminderSettings, policy: DeliveryPolicy,
        now: datetime, *, sqlite: bool, ids: Callable[[], str] = new_id,
        created_at: datetime | None = None,
    ) -> None:
        self._sqlite = sqlite
        self._ids = ids
        created = created_at or now
        self._created: Any = _sqlite_time(created) if sqlite else created
        self._planner: BatchPlanner[tuple[_Template, ...]] = BatchPlanner(
            practice, settings, policy, now, self._templates)

    def _templates(self, pending: tuple[PendingReminder, ...]) -> tuple[_Template, ...]:
        opening = len('{"appointment_id":"')
        return tuple(
            (p.key_head, p.key_tail, p.by_voice, p.address_index, str(p.channel),
             p.template_key, _context("", p.kind, p.slot, p.days_before)[opening:],
             _sqlite_time(p.due_at) if self._sqlite else p.due_at)
            for p in pending
        )

    def rows(self, request: PlanRequest) -> list[tuple[Any, ...]]:
        """The pending outbox rows of ``request``'s plan."""
        templates, addresses = self._planner.pending(request)
        if not templates:
            return []
        assert addresses is not None
        appointment, patient = request.appointment, request.patient
        aid, org, pid, fid = (appointment.id, appointment.org_id, patient.id,
                              appointment.facility_id)
        language, created, ids, digest = (patient.preferred_language, self._created,
                                           self._ids, address_digest)
        rows = []
        for head, tail, by_voice, index, channel, template, context, due in templates:
            address = addresses[by_voice][index]
            rows.append((
                ids(), org, f"rem:{aid}{head}{digest(address)}{tail}", "reminder", channel,
                address, pid, aid, fid, template, language,
                f'{{"appointment_id":"{aid}{context}', due, "pending", 0, created, created,
            ))
        return rows


SQLITE_INSERT = (
    f"INSERT INTO outbox ({', '.join(OUTBOX_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in OUTBOX_COLUMNS)}) ON CONFLICT(dedupe_key) DO NOTHING"
)


def insert_rows_sqlite(conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows in one transaction, skipping dedupe keys already present."""
    with conn:
        add_rows_sqlite(conn, rows)


def add_rows_sqlite(conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]]) -> int:
    """Insert rows in the transaction ``conn`` is in (no transaction control of its own, so
    it can run through ``Database.run_on_worker``), skipping dedupe keys already present.

    Returns:
        How many rows were inserted.
    """
    before = conn.total_changes
    conn.executemany(SQLITE_INSERT, rows).close()
    return conn.total_changes - before


async def copy_rows_postgres(conn: Any, rows: Sequence[tuple[Any, ...]]) -> int:
    """Insert rows whose dedupe keys are new into ``outbox`` (idempotent like ``add_many``).

    First optimistically: one ``COPY`` straight into ``outbox`` under a savepoint -- a fresh
    import conflicts with nothing, and this is PostgreSQL's cheapest write. The unique dedupe
    key makes that ``COPY`` fail as a whole on any existing (or repeated) key; then the
    savepoint is rolled back and the rows go through an unlogged staging table and one
    ``INSERT ... ON CONFLICT (dedupe_key) DO NOTHING``. Either way exactly the rows with new
    keys are inserted.

    Args:
        conn: an asyncpg connection.
        rows: tuples in :data:`OUTBOX_COLUMNS` order.

    Returns:
        How many rows were inserted (existing dedupe keys are skipped).
    """
    import asyncpg

    names = ", ".join(OUTBOX_COLUMNS)
    async with conn.transaction():
        try:
            async with conn.transaction():
                await conn.copy_records_to_table("outbox", records=rows, columns=OUTBOX_COLUMNS)
            return len(rows)
        except asyncpg.UniqueViolationError:
            pass
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
