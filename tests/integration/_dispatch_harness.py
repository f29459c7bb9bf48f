"""Shared by the dispatcher's process-level tests: a database full of due messages, worker
processes (``careline worker`` with the counting fake provider), and read-back."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from domain.model import Channel, Facility, MessageKind, Organization, OutboxMessage, new_id
from domain.org_settings import MessagingSettings, OrgSettings
from domain.storage import tables as t
from domain.storage.database import Database
from domain.storage.repositories import OutboxRepository, PracticeRepository

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def scratch_postgres(postgres_url: str) -> Iterator[str]:
    """A database of its own on the test server (worker processes connect to it). Call it
    outside the event loop (from a synchronous fixture)."""
    import asyncpg

    url = make_url(postgres_url)
    name = f"careline_dispatch_{uuid.uuid4().hex[:10]}"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def fill(url: str, count: int) -> list[str]:
    """Migrate, add a clinic and ``count`` SMS messages due now; returns their ids."""
    db = Database(url, pool_size=2)
    now = datetime.now(UTC)
    org_id, facility_id = new_id(), new_id()
    try:
        await db.upgrade()
        rows = [
            OutboxMessage(
                id=new_id(), org_id=org_id, dedupe_key=f"crash:{org_id}:{i}",
                kind=MessageKind.TRANSACTIONAL, channel=Channel.SMS,
                to_address=f"+1{('212', '312', '415', '617')[i % 4]}555{i % 10000:04d}",
                due_at=now - timedelta(seconds=1), created_at=now,
                body=f"Message {i}: your form is ready.", facility_id=facility_id,
                from_address=f"+1312555{200 + i % 20:04d}",
            )
            for i in range(count)
        ]
        async with db.transaction() as conn:
            practice = PracticeRepository(conn)
            await practice.add_organization(
                Organization(
                    id=org_id, name="Crash Test Clinic", public_key=f"crash-{org_id[-12:]}",
                    settings=OrgSettings(messaging=MessagingSettings(
                        sms_number="+13125550100", sms_rate_per_second=1000, sms_rate_burst=50,
                    )),
                ),
                now,
            )
            await practice.add_facility(
                Facility(id=facility_id, org_id=org_id, name="Main", timezone="America/Chicago")
            )
            repo = OutboxRepository(conn)
            for start in range(0, count, 1000):
                await repo.add_many(rows[start : start + 1000])
        return [r.id for r in rows]
    finally:
        await db.dispose()


async def states(url: str) -> dict[str, tuple[str, str | None, str | None]]:
    """``id -> (state, reason, lease_owner)`` of every outbox row."""
    db = Database(url, pool_size=1)
    try:
        async with db.read() as conn:
            rows = await conn.execute(
                sa.select(t.outbox.c.id, t.outbox.c.state, t.outbox.c.reason,
                          t.outbox.c.lease_owner)
            )
            return {r[0]: (r[1], r[2], r[3]) for r in rows}
    finally:
        await db.dispose()


class Workers:
    """Worker processes started by a test; whatever is still running at the end is killed."""

    def __init__(self, url: str, provider_url: str, tmp: Path) -> None:
        self.url, self.provider_url, self.tmp = url, provider_url, tmp
        self.running: list[asyncio.subprocess.Process] = []

    async def start(self, worker_id: str, *extra: str) -> asyncio.subprocess.Process:
        process = await start_worker(self.url, self.provider_url, worker_id, self.tmp, *extra)
        self.running.append(process)
        return process

    def log(self, worker_id: str) -> str:
        return (self.tmp / f"{worker_id}.log").read_text()

    async def __aenter__(self) -> Workers:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for process in self.running:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def start_worker(
    url: str, provider_url: str, worker_id: str, tmp: Path, *extra: str
) -> asyncio.subprocess.Process:
    """``careline worker`` in a process of its own, sending through the fake provider."""
    env = {
        **os.environ,
        "CARELINE_DATABASE_URL": url,
        "CARELINE_DATA_DIR": str(tmp),
        "CARELINE_FAKE_PROVIDER_URL": provider_url,
        "CARELINE_WORKER_ID": worker_id,
        "CARELINE_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    log = os.open(tmp / f"{worker_id}.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gateway.dispatcher.cli", "worker",
            "--senders", "gateway.dispatcher.testing:senders_from_env", *extra,
            cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log,
        )
    finally:
        os.close(log)  # the worker has its own copy


async def stop(process: asyncio.subprocess.Process, sig: int = signal.SIGTERM) -> int:
    if process.returncode is None:
        process.send_signal(sig)
    return await asyncio.wait_for(process.wait(), 30)


async def wait_until(check: Callable[[], Awaitable[bool]], *, seconds: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)
