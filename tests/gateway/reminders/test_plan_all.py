"""``plan_all`` leaves the outbox exactly as ``replan`` of every upcoming appointment does --
on a generated clinic with several zones, a facility without reminders, confirmed, blocked,
cancelled and past appointments, multi-appointment days, patients without a usable contact
and appointments already planned (some since moved) -- and a second run changes nothing.
SQLite here; PostgreSQL (the COPY writer) compared with the SQLite reference."""

from __future__ import annotations

import io
import json
import random
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from domain.clock import SystemClock
from domain.errors import NotFound
from domain.model import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    ConfirmationState,
    ContactKind,
    ContactPoint,
    Facility,
    Organization,
    Patient,
    Provider,
    ResourceFlags,
)
from domain.storage import tables as t
from domain.storage.database import Database
from domain.storage.repositories import (
    AppointmentRepository,
    PatientRepository,
    PracticeRepository,
)
from domain.storage.tables import metadata
from gateway.cli import main
from gateway.reminders.bulk_plan import plan_all
from gateway.reminders.service import replan

ORG = "01ORGPLANALL00000000000000"
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
ZONES = ("America/Chicago", "America/New_York", "America/Los_Angeles", "Pacific/Honolulu")
COLUMNS = ("dedupe_key", "due_at", "channel", "to_address", "template_key", "language",
           "state", "kind", "appointment_id", "patient_id", "facility_id", "reason")


def _clinic(seed: int = 11) -> tuple[list[Facility], list[Patient], list[Appointment]]:
    """A generated clinic: 4 facilities (one with reminders off), 40 patients, 160
    appointments over the next three weeks and the past two days."""
    rng = random.Random(seed)
    facilities = [
        Facility(id=f"01FACPLANALL{i:014d}", org_id=ORG, name=f"Clinic {i}", timezone=zone,
                 flags=ResourceFlags(reminders=i != 3))
        for i, zone in enumerate(ZONES)
    ]
    patients = []
    for i in range(40):
        contacts: tuple[ContactPoint, ...]
        if i % 10 == 9:
            contacts = ()  # no usable contact: planned, nothing written
        elif i % 4 == 1:
            contacts = (ContactPoint(kind=ContactKind.EMAIL, value=f"p{i}@example.org",
                                     preferred=True),)
        else:
            contacts = (ContactPoint(kind=ContactKind.SMS, value=f"+1202555{i:04d}",
                                     preferred=True),)
        patients.append(Patient(id=f"01PATPLANALL{i:014d}", org_id=ORG, first_name="Pat",
                                last_name=f"N{i}", preferred_language=("en", "es", "fr")[i % 3],
                                contacts=contacts))
    appointments: list[Appointment] = []
    for i in range(160):
        patient = patients[i % 40]
        start = (NOW + timedelta(days=rng.randint(-2, 20), hours=rng.randint(-6, 8))).replace(
            minute=rng.choice((0, 15, 30, 45)), second=0, microsecond=0)
        if i % 16 == 5:  # a second appointment that day for the previous patient's slot
            previous = appointments[-1]
            patient = next(p for p in patients if p.id == previous.patient_id)
            start = previous.start + timedelta(hours=rng.choice((-2, 1, 3)))
        booked = min(NOW, start) - timedelta(days=rng.randint(0, 25), hours=rng.randint(0, 20))
        status = AppointmentStatus.CANCELLED if i % 13 == 4 else AppointmentStatus.BOOKED
        appointments.append(Appointment(
            id=f"01APTPLANALL{i:014d}", org_id=ORG, patient_id=patient.id,
            facility_id=facilities[i % 4].id, provider_id="01PRVPLANALL00000000000000",
            type_id="01TYPPLANALL00000000000000", start=start, duration_minutes=30,
            status=status,
            confirmation=(ConfirmationState.CONFIRMED if i % 7 == 2
                          else ConfirmationState.UNCONFIRMED),
            reminders_blocked=i % 11 == 3, created_at=booked, updated_at=booked))
    return facilities, patients, appointments


async def _load(db: Database) -> None:
    """The clinic, and some appointments planned before (a day earlier; some then moved)."""
    facilities, patients, appointments = _clinic()
    async with db.transaction() as conn:
        practice = PracticeRepository(conn)
        await practice.add_organization(Organization(
            id=ORG, name="Plan-all Health", phone="+18885550100", public_key="plan-all"),
            NOW - timedelta(days=90))
        for facility in facilities:
            await practice.add_facility(facility)
        await practice.add_provider(Provider(id="01PRVPLANALL00000000000000", org_id=ORG,
                                             name="Dr. Test"))
        await practice.add_type(AppointmentType(id="01TYPPLANALL00000000000000", org_id=ORG,
                                                name="Visit"))
        await PatientRepository(conn).add_many(patients, NOW - timedelta(days=60))
        await AppointmentRepository(conn).add_many(appointments)
    earlier = NOW - timedelta(days=1)
    async with db.transaction() as conn:
        for appointment in appointments[::5]:
            if appointment.start > earlier:
                await replan(conn, appointment.id, now=earlier, reason="appointment created")
        for appointment in appointments[::15]:  # moved since: their rows no longer fit
            await AppointmentRepository(conn).save(
                replace(appointment, start=appointment.start + timedelta(days=2)))


async def _reference(db: Database) -> None:
    """What re-planning each upcoming appointment one by one leaves."""
    async with db.transaction() as conn:
        query = sa.select(t.appointments.c.id).where(
            t.appointments.c.start > NOW,
            t.appointments.c.status.in_([s.value for s in ACTIVE_STATUSES]))
        for (ident,) in (await conn.execute(query)).all():
            await replan(conn, ident, now=NOW, reason="reminders re-planned")


async def _outbox(db: Database) -> list[tuple[Any, ...]]:
    query = sa.select(*(t.outbox.c[name] for name in COLUMNS), t.outbox.c.context)
    async with db.read() as conn:
        rows = [tuple(r) for r in (await conn.execute(query)).all()]
    return sorted(rows, key=lambda r: (r[0], r[6]))


@pytest.fixture
async def dbs(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """Two copies of the same clinic: one for ``plan_all``, one for the reference."""
    first = tmp_path / "plan_all.db"
    db = Database(f"sqlite+aiosqlite:///{first}")
    await db.upgrade()
    await _load(db)
    await db.dispose()
    shutil.copy(first, tmp_path / "reference.db")
    ours, reference = (Database(f"sqlite+aiosqlite:///{tmp_path / name}")
                       for name in ("plan_all.db", "reference.db"))
    yield ours, reference
    await ours.dispose()
    await reference.dispose()


async def test_plan_all_leaves_what_replan_leaves(dbs: tuple[Database, Database]) -> None:
    ours, reference = dbs
    before = await _outbox(ours)
    summary = await plan_all(ours, org_id=ORG, now=NOW, chunk=17)
    await _reference(reference)
    after = await _outbox(ours)
    assert after == await _outbox(reference)
    assert after != before
    upcoming = [a for a in _clinic()[2] if a.active]
    assert summary.organizations == 1 and summary.bulk > 50 and summary.replanned > 5
    assert summary.appointments == (summary.bulk + summary.replanned + summary.unchanged
                                    ) <= len(upcoming)
    pending = [r for r in after if r[6] == "pending"]
    assert summary.rows_written == len(after) - len(before) and len(pending) > 100
    assert {r[6] for r in after} == {"pending", "cancelled"}
    # The generated clinic has what the planner treats specially.
    assert any(a.reminders_blocked for a in upcoming) and any(a.confirmed for a in upcoming)
    days = [(a.patient_id, a.start.date()) for a in upcoming]
    assert len(set(days)) < len(days)


async def test_a_second_run_changes_nothing(dbs: tuple[Database, Database]) -> None:
    ours, _ = dbs
    first = await plan_all(ours, org_id=None, now=NOW)
    rows = await _outbox(ours)
    second = await plan_all(ours, org_id=None, now=NOW)
    assert await _outbox(ours) == rows
    # Appointments that write no row (blocked, no contact, reminders off) stay on the bulk
    # path; the others now have rows and are re-planned, which keeps them.
    assert second.rows_written == 0 and second.appointments == first.appointments
    assert second.unchanged > first.replanned
    assert second.rows_skipped == first.rows_written + first.rows_skipped


async def test_an_unknown_organisation_is_an_error(dbs: tuple[Database, Database]) -> None:
    ours, _ = dbs
    with pytest.raises(NotFound):
        await plan_all(ours, org_id="01NOSUCHORG000000000000000", now=NOW)


def test_cli_plans_and_reports(dbs: tuple[Database, Database], tmp_path: Path,
                               capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SystemClock, "now", lambda self: NOW)  # the clinic's "today"
    url = f"sqlite+aiosqlite:///{tmp_path / 'plan_all.db'}"
    environ = {"CARELINE_DATABASE_URL": url}
    out = io.StringIO()
    assert main(["reminders", "plan-all", "--org", ORG, "--json"], environ=environ,
                stdout=out) == 0
    summary = json.loads(out.getvalue())
    assert summary["appointments"] > 0 and summary["rows_written"] > 0
    out = io.StringIO()
    assert main(["reminders", "plan-all"], environ=environ, stdout=out) == 0
    assert "0 reminder row(s) written" in out.getvalue()
    assert main(["reminders", "plan-all", "--org", "nope"], environ=environ,
                stdout=io.StringIO()) == 2
    assert "no organization 'nope'" in capsys.readouterr().err


@pytest.fixture
async def pg_db(postgres_url: str) -> AsyncIterator[Database]:
    db = Database(postgres_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda c: metadata.drop_all(c))
        await conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    await db.upgrade()
    await _load(db)
    yield db
    await db.dispose()


@pytest.mark.integration
@pytest.mark.postgres
async def test_postgres_plan_all_leaves_what_replan_leaves(
    pg_db: Database, dbs: tuple[Database, Database]
) -> None:
    _, reference = dbs
    await _reference(reference)
    expected = await _outbox(reference)
    await plan_all(pg_db, org_id=ORG, now=NOW, chunk=23)
    assert await _outbox(pg_db) == expected
    second = await plan_all(pg_db, org_id=ORG, now=NOW, chunk=23)
    assert await _outbox(pg_db) == expected and second.rows_written == 0
