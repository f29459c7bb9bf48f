"""Benchmark: plan and write the outbox for 1,000,000 appointments, side by side with a raw
bulk insert of the same rows into the same database, on SQLite and PostgreSQL.

"Careline" is the whole path: for every appointment an ``Appointment`` and a ``PlanRequest``
are built and ``BulkRows`` gives its outbox rows -- ``plan_reminders`` decides the cadence,
catch-up and skipped reminders in the facility's zone (holidays, Sundays, working hours -- the
real rules) once per distinct plan (``BatchPlanner``), and the rows are filled in per
appointment -- and they are written idempotently (SQLite: ``INSERT ... ON CONFLICT DO
NOTHING``; PostgreSQL: ``copy_rows_postgres``, an optimistic ``COPY`` with a staging-table
``INSERT ... ON CONFLICT DO NOTHING`` fallback). Planning runs in worker processes
(``--workers``, default: the CPU count), pipelined with the writes.

"Raw" inserts exactly the same rows into the emptied outbox table of the same database with
the plainest bulk path (SQLite: ``executemany INSERT``; PostgreSQL: ``COPY`` into ``outbox``).

Usage: ``python bench/plan.py [--appointments 1000000] [--only sqlite|postgres]
[--sqlite-cache-mib 64] [--postgres-url postgresql://postgres@127.0.0.1:5432/test]``.
The PostgreSQL run creates a scratch database and drops it. Prints seconds, rows/s and the
ratio raw/Careline (target: Careline <= 20 s and ratio >= 0.5).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import multiprocessing as mp
import os
import resource
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.model import (  # noqa: E402
    Appointment,
    AppointmentType,
    ContactKind,
    ContactPoint,
    Facility,
    Patient,
    Provider,
)
from domain.org_settings import ReminderSettings  # noqa: E402
from domain.reminders import PlanRequest, Practice  # noqa: E402
from domain.rules import DeliveryPolicy  # noqa: E402
from domain.storage.database import Database  # noqa: E402
from gateway.reminders.bulk import (  # noqa: E402
    OUTBOX_COLUMNS,
    BulkRows,
    copy_rows_postgres,
    fast_ids,
    insert_rows_sqlite,
)

ORG = "01BENCH0RG000000000000000A"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
         "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu")
LANGUAGES = ("en", "en", "en", "es", "es", "zh", "vi", "fr")
CHUNK = 20_000
POOL = 20_000

_state: dict[str, Any] = {}


def _practice() -> Practice:
    facilities = {}
    for index in range(21):
        ident = f"01BENCHFAC{index:016d}"
        facilities[ident] = Facility(id=ident, org_id=ORG, name=f"Clinic {index}",
                                     timezone=ZONES[index % 7])
    providers = {f"01BENCHPRV{i:016d}": Provider(id=f"01BENCHPRV{i:016d}", org_id=ORG,
                                                 name=f"Provider {i}") for i in range(50)}
    kind = AppointmentType(id="01BENCHTYPE000000000000000", org_id=ORG, name="Visit")
    return Practice(facilities, providers, {kind.id: kind})


def _init(sqlite: bool) -> None:
    practice = _practice()
    patients = []
    for index in range(POOL):
        area = "202" if index < 10_000 else "312"
        number = f"+1{area}555{index % 10_000:04d}"
        patients.append(Patient(
            id=f"01BENCHPAT{index:016d}", org_id=ORG, first_name="Pat", last_name=f"N{index}",
            preferred_language=LANGUAGES[index % len(LANGUAGES)],
            contacts=(ContactPoint(kind=ContactKind.SMS, value=number, preferred=True),)))
    _state.update(practice=practice, patients=patients, settings=ReminderSettings(),
                  policy=DeliveryPolicy(), sqlite=sqlite,
                  facility_ids=list(practice.facilities), provider_ids=list(practice.providers),
                  day0=NOW.date())


@functools.cache
def _start(facility: int, day_offset: int, slot: int) -> tuple[datetime, datetime]:
    """The start of a generated appointment and the latest time it was booked (21 clinics x
    45 days x 36 quarter hours: the feed's schedule)."""
    zone = ZoneInfo(ZONES[facility % 7])
    day: date = _state["day0"] + timedelta(days=1 + day_offset)
    local = datetime.combine(day, day_time(8 + slot // 4, 15 * (slot % 4)), tzinfo=zone)
    start = local.astimezone(UTC)
    return start, min(NOW, start - timedelta(hours=30))


def _appointment(index: int) -> Appointment:
    facility_id = _state["facility_ids"][index % 21]
    start, latest = _start(index % 21, (index // 7) % 45, (index // 315) % 36)
    booked = latest - timedelta(days=(index * 7919) % 21, minutes=(index * 131) % 600)
    patient = _state["patients"][index % POOL]
    return Appointment(id=f"01BENCHAPT{index:016d}", org_id=ORG, patient_id=patient.id,
                       facility_id=facility_id, provider_id=_state["provider_ids"][index % 50],
                       type_id="01BENCHTYPE000000000000000", start=start, duration_minutes=30,
                       created_at=booked, updated_at=booked)


def plan_chunk(bounds: tuple[int, int]) -> list[tuple[Any, ...]]:
    """Plan appointments ``bounds[0]`` to ``bounds[1]`` and return their outbox rows."""
    rows: list[tuple[Any, ...]] = []
    practice, settings, policy = _state["practice"], _state["settings"], _state["policy"]
    patients = _state["patients"]
    bulk = _state.get("bulk")
    if bulk is None:
        bulk = _state["bulk"] = BulkRows(practice, settings, policy, NOW,
                                         sqlite=_state["sqlite"], ids=fast_ids())
    for index in range(*bounds):
        appointment = _appointment(index)
        request = PlanRequest(appointment=appointment, patient=patients[index % POOL],
                              practice=practice, settings=settings, policy=policy, now=NOW)
        rows.extend(bulk.rows(request))
    return rows


def _chunks(total: int) -> list[tuple[int, int]]:
    return [(start, min(start + CHUNK, total)) for start in range(0, total, CHUNK)]


def _planned(total: int, workers: int, sqlite: bool) -> Iterator[list[tuple[Any, ...]]]:
    context = mp.get_context("fork")
    with context.Pool(workers, initializer=_init, initargs=(sqlite,)) as pool:
        yield from pool.imap(plan_chunk, _chunks(total))


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _report(name: str, rows: int, ours: float, raw: float, planning_cpu: float) -> None:
    print(f"{name:10} rows={rows:,}  careline={ours:6.2f} s ({rows / ours:,.0f} rows/s)  "
          f"raw={raw:6.2f} s ({rows / raw:,.0f} rows/s)  ratio raw/careline={raw / ours:.2f}"
          f"  {'OK' if ours <= 20 and raw / ours >= 0.5 else 'below target'}", flush=True)
    print(f"{'':10} planning CPU in the workers: {planning_cpu:.1f} s; machine load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)


def _sqlite_connect(path: Path, cache_mib: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")  # the bench has no organisation rows
    # A page cache of ``--sqlite-cache-mib`` (default 64 MiB, the value recommended for the
    # product's connections) instead of SQLite's 2 MiB: the outbox indexes of a million
    # appointments outgrow 2 MiB, and every insert would reread index pages from the OS.
    conn.execute(f"PRAGMA cache_size=-{cache_mib * 1024}")
    conn.isolation_level = "DEFERRED"
    return conn


def bench_sqlite(total: int, workers: int, cache_mib: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="careline-bench-"))
    path = folder / "careline.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    conn = _sqlite_connect(path, cache_mib)
    kept: list[list[tuple[Any, ...]]] = []
    cpu = _cpu_children()
    started = time.perf_counter()
    for rows in _planned(total, workers, sqlite=True):
        insert_rows_sqlite(conn, rows)
        kept.append(rows)
    ours = time.perf_counter() - started
    cpu = _cpu_children() - cpu
    count = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    with conn:
        conn.execute("DELETE FROM outbox")
    conn.execute("VACUUM")
    names = ", ".join(OUTBOX_COLUMNS)
    marks = ", ".join("?" for _ in OUTBOX_COLUMNS)
    started = time.perf_counter()
    for rows in kept:
        with conn:
            conn.executemany(f"INSERT INTO outbox ({names}) VALUES ({marks})", rows)
    raw = time.perf_counter() - started
    conn.close()
    _report("SQLite", count, ours, raw, cpu)
    for item in folder.iterdir():
        item.unlink()
    folder.rmdir()


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await db.upgrade()
    finally:
        await db.dispose()


async def bench_postgres(total: int, workers: int, admin_url: str) -> None:
    import asyncpg

    name = f"careline_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    try:
        await _migrate(base.replace("postgresql://", "postgresql+asyncpg://") + f"/{name}")
        conn = await asyncpg.connect(f"{base}/{name}")
        await conn.execute(
            "ALTER TABLE outbox DROP CONSTRAINT IF EXISTS fk_outbox_org_id_organizations")
        kept: list[list[tuple[Any, ...]]] = []
        planned = _planned(total, workers, sqlite=False)
        cpu = _cpu_children()
        started = time.perf_counter()
        while True:
            rows = await asyncio.to_thread(next, planned, None)
            if rows is None:
                break
            await copy_rows_postgres(conn, rows)
            kept.append(rows)
        ours = time.perf_counter() - started
        cpu = _cpu_children() - cpu
        count = await conn.fetchval("SELECT count(*) FROM outbox")
        await conn.execute("TRUNCATE outbox")
        await conn.execute("VACUUM ANALYZE outbox")
        started = time.perf_counter()
        for rows in kept:
            await conn.copy_records_to_table("outbox", records=rows, columns=OUTBOX_COLUMNS)
        raw = time.perf_counter() - started
        await conn.close()
        _report("PostgreSQL", count, ours, raw, cpu)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--sqlite-cache-mib", type=int, default=64)
    parser.add_argument("--postgres-url", default=os.environ.get(
        "CARELINE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    print(f"planning {args.appointments:,} appointments with {args.workers} worker(s)")
    if args.only in (None, "sqlite"):
        bench_sqlite(args.appointments, args.workers, args.sqlite_cache_mib)
    if args.only in (None, "postgres"):
        asyncio.run(bench_postgres(args.appointments, args.workers, args.postgres_url))


if __name__ == "__main__":
    main()
