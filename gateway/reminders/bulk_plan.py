"""Planning every upcoming appointment of an organisation at once (``careline reminders
plan-all``): after the first EHR import, when settings change for the whole organisation, or
as a nightly safety re-plan.

Appointments are read in chunks ordered by (start, id), each chunk in its own transaction,
with their patients (contacts, language), the patients' other appointments around those days
(multi-appointment days) and last replies (REM-60) -- the same facts :func:`load_request`
gathers for one appointment, read with one query per kind of fact instead of per appointment.

An appointment with no outbox row yet gets its rows from :class:`BulkRows` (each distinct
plan computed once by ``plan_reminders``) written with the bulk writers: for it ``replan``
would insert every row of the plan and have nothing to revive or cancel, so the result is the
same. An appointment that already has outbox rows is left alone when they are exactly its
plan (every planned row there and not cancelled, no other pending row: ``replan`` would change
nothing) and otherwise goes through ``replan`` itself (it cancels every pending row, of any
kind, its plan does not keep). Either way the outbox
ends as calling ``replan`` for each appointment leaves it, and a second run changes nothing.

On PostgreSQL the chunk's appointments are locked (``FOR UPDATE``) as ``replan`` locks its
appointment, so a change re-planned concurrently waits for the chunk and then plans afresh.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import (
    ACTIVE_STATUSES,
    Appointment,
    Organization,
    OutboxState,
)
from domain.reminders import PlanRequest, Practice
from domain.rules import DeliveryPolicy
from domain.storage import tables as t
from domain.storage.database import Database
from domain.storage.repositories import PatientRepository, PracticeRepository
from domain.storage.repositories._mapping import from_row
from gateway.reminders.bulk import (
    SQLITE_INSERT,
    BulkRows,
    add_rows_sqlite,
    copy_rows_postgres,
    fast_ids,
)
from gateway.reminders.loading import (
    OrgFacts,
    PolicyFor,
    default_policy,
    load_practice,
    patients_replied_at,
    warm_calendar,
)
from gateway.reminders.service import replan

__all__ = ["PlanAllSummary", "plan_all"]

CHUNK = 5_000
"""Appointments per transaction (and per IN list: well under both databases' limits)."""

REASON = "reminders re-planned"
"""Stored on the pending rows a re-plan cancels."""

_ACTIVE = [s.value for s in ACTIVE_STATUSES]
_DAY = timedelta(days=1)


@dataclass
class PlanAllSummary:
    """What a run did.

    Attributes:
        organizations: organisations planned.
        appointments: upcoming appointments planned.
        bulk: of those, planned on the bulk path (no outbox row yet).
        replanned: of those, re-planned one by one (they had outbox rows that differ from
            their plan).
        unchanged: of those, already planned exactly as ``replan`` would leave them.
        rows_written: outbox rows inserted.
        rows_skipped: planned rows whose dedupe key was already in the outbox.
    """

    organizations: int = 0
    appointments: int = 0
    bulk: int = 0
    replanned: int = 0
    unchanged: int = 0
    rows_written: int = 0
    rows_skipped: int = 0

    def to_json(self) -> dict[str, int]:
        return asdict(self)


async def plan_all(
    db: Database,
    *,
    org_id: str | None,
    now: datetime,
    policy_for: PolicyFor = default_policy,
    chunk: int = CHUNK,
) -> PlanAllSummary:
    """Plan the reminders of every upcoming (start after ``now``, active) appointment.

    Args:
        db: the database.
        org_id: only this organisation; None plans every organisation.
        now: the current time (aware).
        policy_for: the organisations' delivery policy (as the reminder service uses).
        chunk: appointments per transaction.

    Returns:
        What was planned and written.

    Raises:
        NotFound: ``org_id`` names no organisation.
    """
    async with db.read() as conn:
        practices = PracticeRepository(conn)
        orgs = (await practices.organizations() if org_id is None
                else [await practices.organization(org_id)])
    summary = PlanAllSummary()
    for org in sorted(orgs, key=lambda o: o.id):
        await _plan_org(db, org, now=now, policy_for=policy_for, chunk=chunk, summary=summary)
        summary.organizations += 1
    return summary


async def _plan_org(
    db: Database, org: Organization, *, now: datetime, policy_for: PolicyFor, chunk: int,
    summary: PlanAllSummary,
) -> None:
    async with db.read() as conn:
        practice = await load_practice(conn, org.id)
    settings, policy = org.settings.reminders, policy_for(org)
    bulk = BulkRows(practice, settings, policy, now, sqlite=db.is_sqlite, ids=fast_ids())
    facts = _Shared(org, practice, policy)
    after: tuple[datetime, str] | None = None
    while True:
        async with db.transaction() as conn:
            appointments = await _upcoming(conn, org.id, now, after, chunk)
            if not appointments:
                return
            after = (appointments[-1].start, appointments[-1].id)
            await _plan_chunk(db, conn, appointments, facts=facts, bulk=bulk, now=now,
                              policy_for=policy_for, summary=summary)


@dataclass(frozen=True)
class _Shared:
    """What every request of an organisation's run shares (the very objects ``BulkRows``
    was made with, so its plan cache serves them)."""

    org: Organization
    practice: Practice
    policy: DeliveryPolicy


async def _upcoming(
    conn: AsyncConnection, org_id: str, now: datetime, after: tuple[datetime, str] | None,
    limit: int,
) -> list[Appointment]:
    """The next ``limit`` upcoming active appointments after ``after`` in (start, id) order."""
    c = t.appointments.c
    query = sa.select(t.appointments).where(
        c.org_id == org_id, c.start > now, c.status.in_(_ACTIVE))
    if after is not None:
        query = query.where(sa.or_(c.start > after[0],
                                   sa.and_(c.start == after[0], c.id > after[1])))
    query = query.order_by(c.start, c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return [from_row(Appointment, r) for r in (await conn.execute(query)).mappings()]


async def _plan_chunk(
    db: Database, conn: AsyncConnection, appointments: list[Appointment], *,
    facts: _Shared, bulk: BulkRows, now: datetime, policy_for: PolicyFor,
    summary: PlanAllSummary,
) -> None:
    """Plan one chunk inside its transaction: the bulk path for appointments without
    outbox rows, ``replan`` for the others."""
    ids = [a.id for a in appointments]
    existing = await _outbox_keys(conn, ids)
    patients = await PatientRepository(conn).get_many({a.patient_id for a in appointments})
    same_day = await _same_day(conn, appointments)
    replied = await patients_replied_at(conn, list(patients))
    for year in sorted({a.start.year for a in appointments}):
        await warm_calendar(facts.policy, year)
    rows: list[tuple[Any, ...]] = []
    again: list[str] = []
    for appointment in appointments:
        request = PlanRequest(
            appointment=appointment, patient=patients[appointment.patient_id],
            practice=facts.practice, settings=facts.org.settings.reminders,
            policy=facts.policy, now=now, same_day=same_day[appointment.id],
            patient_replied_at=replied.get(appointment.patient_id),
        )
        planned = bulk.rows(request)
        states = existing.get(appointment.id)
        if states is None:
            rows.extend(planned)
        elif _unchanged(planned, states):
            summary.rows_skipped += len(planned)
        else:
            again.append(appointment.id)
    written = await _write(db, conn, rows) if rows else 0
    summary.rows_written += written
    summary.rows_skipped += len(rows) - written
    cache = OrgFacts()
    for appointment_id in again:
        keys = existing[appointment_id]
        plan = await replan(conn, appointment_id, now=now, reason=REASON,
                            policy_for=policy_for, cache=cache)
        new = sum(1 for m in plan.to_write if m.dedupe_key not in keys)
        summary.rows_written += new
        summary.rows_skipped += len(plan.to_write) - new
    fresh = sum(1 for a in appointments if a.id not in existing)
    summary.appointments += len(appointments)
    summary.bulk += fresh
    summary.unchanged += len(appointments) - fresh - len(again)
    summary.replanned += len(again)


async def _outbox_keys(conn: AsyncConnection, ids: list[str]) -> dict[str, dict[str, str]]:
    """The dedupe keys and states of the outbox rows of the appointments that have any."""
    query = sa.select(t.outbox.c.appointment_id, t.outbox.c.dedupe_key,
                      t.outbox.c.state).where(t.outbox.c.appointment_id.in_(ids))
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for appointment_id, key, state in await conn.execute(query):
        found[appointment_id][key] = state
    return dict(found)


def _unchanged(planned: list[tuple[Any, ...]], states: dict[str, str]) -> bool:
    """True when ``replan`` would change nothing: every planned row exists and is not
    cancelled (nothing to insert or revive) and every pending row is planned (nothing to
    cancel)."""
    keys = {row[2] for row in planned}
    cancelled = OutboxState.CANCELLED.value
    pending = OutboxState.PENDING.value
    return (all(states.get(key, cancelled) != cancelled for key in keys)
            and all(key in keys for key, state in states.items() if state == pending))


async def _same_day(
    conn: AsyncConnection, appointments: list[Appointment]
) -> dict[str, tuple[Appointment, ...]]:
    """Per appointment, what ``load_request`` passes as ``same_day``: the patient's active
    appointments starting less than a day before or after it (itself included)."""
    if not appointments:
        return {}
    c = t.appointments.c
    query = sa.select(t.appointments).where(
        c.patient_id.in_({a.patient_id for a in appointments}),
        c.status.in_(_ACTIVE),
        c.start > min(a.start for a in appointments) - _DAY,
        c.start < max(a.start for a in appointments) + _DAY,
    ).order_by(c.start, c.id)
    by_patient: dict[str, list[Appointment]] = defaultdict(list)
    for row in (await conn.execute(query)).mappings():
        other = from_row(Appointment, row)
        by_patient[other.patient_id].append(other)
    return {
        a.id: tuple(o for o in by_patient[a.patient_id] if abs(o.start - a.start) < _DAY)
        for a in appointments
    }


async def _write(db: Database, conn: AsyncConnection, rows: list[tuple[Any, ...]]) -> int:
    """Insert ``rows`` in ``conn``'s transaction with the bulk writers; how many were new."""
    if db.can_run_on_worker(conn):
        return await db.run_on_worker(conn, add_rows_sqlite, rows)
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    if conn.dialect.name == "postgresql":
        # The chunk's reads began the transaction on the asyncpg connection, so the writer's
        # own transaction is a savepoint in it.
        assert driver is not None and driver.is_in_transaction()
        return await copy_rows_postgres(driver, rows)
    # SQLite on SQLAlchemy's stock adapter: the same statement through aiosqlite, on the
    # same sqlite3 connection and so in the same transaction.
    assert driver is not None
    cursor = await driver.executemany(SQLITE_INSERT, rows)
    try:
        return int(cursor.rowcount)
    finally:
        await cursor.close()
