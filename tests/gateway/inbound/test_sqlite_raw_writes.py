"""On SQLite the storing step runs its statements on the DBAPI cursor (gateway/inbound/_writes.py);
here both paths store the same batches and must leave the same rows and return the same
results, value for value, as the database holds them."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from channels.envelope import Envelope
from domain.model import Channel
from domain.storage.database import Database, begin_writing
from gateway.inbound import _writes
from gateway.inbound._writes import Arrival, store_batch
from gateway.inbound.addresses import Target
from tests.gateway.inbound.conftest import Trips
from tests.gateway.webhooks.appkit import (
    PATIENT_PHONE,
    SMS_NUMBER,
    ensure_channel_tables,
    seed_clinic,
)

NOW = datetime(2025, 3, 4, 9, 30, 0, 123456, tzinfo=UTC)


def envelope(sid: str, sender: str, text: str, media: tuple[str, ...] = ()) -> Envelope:
    return Envelope(channel=Channel.SMS, provider_message_id=sid, from_address=sender,
                    to_address=SMS_NUMBER, text=text, media=media, received_at=NOW)


async def run(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch, *, raw: bool
              ) -> tuple[list[Any], dict[str, list[tuple[Any, ...]]]]:
    """Store three batches (new threads, an existing one, the patient's, a duplicate, media,
    a long text, an exact second) and return what store_batch said and the rows stored."""
    if not raw:  # SQLAlchemy's execution, as on PostgreSQL
        monkeypatch.setattr(_writes, "_is_sqlite", lambda conn: False)
    ids = itertools.count(1)
    monkeypatch.setattr(_writes, "new_id", lambda: f"ID{next(ids):024d}")
    db = Database(f"sqlite+aiosqlite:///{tmp_path / name}")
    await db.upgrade()
    await ensure_channel_tables(db)
    clinic = await seed_clinic(db)
    target = Target(clinic.org)
    batches = [
        [envelope("SM1", "+12125550001", "first", ("https://api.twilio.com/m/1",)),
         envelope("SM2", PATIENT_PHONE, "from the patient"),
         envelope("SM3", "+12125550001", "same thread, same batch")],
        [envelope("SM4", "+12125550001", "later " + "x" * 5000),
         envelope("SM1", "+12125550001", "duplicate of SM1"),
         envelope("SM5", "+12125550002", "a new sender")],
        [envelope("SM6", "+12125550003", "alone")],
    ]
    said: list[Any] = []
    try:
        for index, batch in enumerate(batches):
            now = NOW + timedelta(seconds=index) if index < 2 else NOW.replace(microsecond=0)
            arrivals = [Arrival(e, target, now) for e in batch]
            if index == 1:  # a transaction of its own, as on PostgreSQL
                async with db.transaction() as conn:
                    stored = await store_batch(db, conn, arrivals)
            else:  # as the group commit runs it
                async with db.engine.connect() as conn:
                    await begin_writing(conn)
                    stored = await store_batch(db, conn, arrivals, locked=True)
                    await conn.commit()
            said.append([None if s is None else (s.conversation, s.message, s.patients, s.created)
                         for s in stored])
        rows: dict[str, list[tuple[Any, ...]]] = {}
        async with db.read() as conn:
            for table in ("conversations", "messages"):
                result = await conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY id")
                rows[table] = [tuple(row) for row in result]
    finally:
        await db.dispose()
    patient_ids = {clinic.patient.id: "PATIENT", clinic.org.id: "ORG",
                   clinic.facility.id: "FACILITY"}
    return _normalise(said, patient_ids), _normalise(rows, patient_ids)


def _normalise(value: Any, names: dict[str, str]) -> Any:
    """The seeded ids (random) replaced by names, so two databases compare."""
    text = repr(value)
    for old, new in names.items():
        text = text.replace(old, new)
    return text


async def test_the_cursor_path_stores_what_sqlalchemy_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw_said, raw_rows = await run(tmp_path, "raw.db", monkeypatch, raw=True)
    with monkeypatch.context() as patched:
        core_said, core_rows = await run(tmp_path, "core.db", patched, raw=False)
    assert raw_rows == core_rows
    assert raw_said == core_said
    assert "PATIENT" in raw_said and "None" in raw_said  # the patient was found; a duplicate


async def test_a_refused_row_raises_sqlalchemys_error(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    await db.upgrade()
    await ensure_channel_tables(db)
    try:
        clinic = await seed_clinic(db)
        ghost = Target(dataclasses.replace(clinic.org, id="GHOST"))  # never stored: FK fails
        arrival = Arrival(envelope("SM9", "+12125550009", "x"), ghost, NOW)
        with pytest.raises(sa.exc.IntegrityError):
            async with db.transaction() as conn:
                await store_batch(db, conn, [arrival], locked=False)
    finally:
        await db.dispose()


async def test_a_locked_batch_is_one_trip_and_the_commit_another(
    tmp_path: Path, trips: Trips
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}")
    await db.upgrade()
    await ensure_channel_tables(db)
    try:
        clinic = await seed_clinic(db)
        target = Target(clinic.org)

        async def batch(*envelopes: Envelope) -> tuple[int, list[Any]]:
            async with db.engine.connect() as conn:  # as the group commit runs a batch
                await conn.execute(sa.select(1))  # connecting may trip; count from here
                await conn.commit()
                trips.count = 0
                await begin_writing(conn)
                stored = await store_batch(db, conn, [Arrival(e, target, NOW) for e in envelopes],
                                           locked=True)
                at_store = trips.count
                await conn.commit()
            assert trips.count == at_store + 1  # the COMMIT (and what waits for it)
            return at_store, stored

        strangers = [envelope(f"SM{i}", f"+1212555{i:04d}", "hi") for i in range(16)]
        at_store, stored = await batch(*strangers)
        assert at_store == 1  # read, new threads and messages: one trip
        assert all(s is not None and s.created for s in stored)
        at_store, stored = await batch(envelope("SM1", "+12125550001", "dup"),
                                       envelope("SM99", "+12125550002", "existing thread"))
        assert at_store == 1
        assert stored[0] is None and stored[1] is not None and not stored[1].created
        # A patient's text: the patient and their contacts are loaded in the same trip.
        at_store, stored = await batch(envelope("SM100", PATIENT_PHONE, "from the patient"))
        assert stored[0] is not None and stored[0].patients == (clinic.patient,)
        assert at_store == 1
    finally:
        await db.dispose()
