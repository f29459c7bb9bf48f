"""Benchmark: messages per second through the outbox, and how exactly a sender's MPS holds.

    .venv/bin/python bench/dispatch.py [--messages 20000] [--postgres URL | --no-postgres]

For SQLite and PostgreSQL: N due messages go through one dispatcher worker (claim with
lease, rules at send time, sending marker, send, bulk record, Hub message rows) to a counting
fake provider running in its own process. Baselines, printed as ratios:

* provider: the same HTTP sender driving the fake provider directly (no outbox at all);
* raw outbox: claiming and marking the same rows sent with plain UPDATE statements (no rules,
  no provider, no Hub rows).

Then the per-number limiter: M messages from one number at R messages/second; the achieved
rate (first to last send) against R, and against the limiter driven directly.
Targets (issue 5): >= 2,000 messages/s with zero duplicates; MPS within 5 %.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from channels.base import OutboundMessage, SendResult  # noqa: E402
from domain.model import (  # noqa: E402
    Channel,
    Facility,
    MessageKind,
    Organization,
    OutboxMessage,
    OutboxState,
    new_id,
)
from domain.org_settings import MessagingSettings, OrgSettings  # noqa: E402
from domain.storage import tables as t  # noqa: E402
from domain.storage.database import Database  # noqa: E402
from domain.storage.repositories import OutboxRepository, PracticeRepository  # noqa: E402
from gateway import event_loop  # noqa: E402
from gateway.dispatcher import Dispatcher, DispatcherConfig  # noqa: E402
from gateway.dispatcher.testing import HttpFakeSender  # noqa: E402
from gateway.stores.inprocess import InProcessRateLimiter  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


@asynccontextmanager
async def fake_provider() -> AsyncIterator[str]:
    """The counting fake provider in a process of its own."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.dispatcher.testing", "--port", "0",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = (await process.stdout.readline()).decode()
    url = line.strip().rsplit(" ", 1)[-1]
    try:
        yield url
    finally:
        process.terminate()
        await process.wait()


def stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/stats") as response:
        data: dict[str, Any] = json.loads(response.read())
    return data


async def fill(db: Database, count: int, *, rate: float = 1000, numbers: int = 20) -> str:
    """Add a clinic and ``count`` messages due now; returns the clinic's id."""
    now = datetime.now(UTC)
    org_id, facility_id = new_id(), new_id()
    async with db.transaction() as conn:
        practice = PracticeRepository(conn)
        await practice.add_organization(
            Organization(
                id=org_id, name="Bench Clinic", public_key=f"bench-{org_id[-12:]}",
                settings=OrgSettings(messaging=MessagingSettings(
                    sms_number="+13125550100", sms_rate_per_second=rate, sms_rate_burst=1,
                )),
            ),
            now,
        )
        await practice.add_facility(
            Facility(id=facility_id, org_id=org_id, name="Main", timezone="America/Chicago")
        )
        rows = [
            OutboxMessage(
                id=new_id(), org_id=org_id, dedupe_key=f"bench:{org_id}:{i}",
                kind=MessageKind.TRANSACTIONAL, channel=Channel.SMS,
                to_address=f"+1{('212', '312', '415', '617')[i % 4]}555{i % 10000:04d}",
                from_address=f"+1312555{300 + i % numbers:04d}",
                due_at=now - timedelta(seconds=1), created_at=now,
                body=f"Message {i}: your visit on Tuesday is confirmed. Reply HELP for help.",
                facility_id=facility_id,
            )
            for i in range(count)
        ]
        repo = OutboxRepository(conn)
        for start in range(0, count, 1000):
            await repo.add_many(rows[start : start + 1000])
    return org_id


async def provider_baseline(url: str, count: int, concurrency: int) -> float:
    sender = HttpFakeSender(url, pool=concurrency)
    slots = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with slots:
            await sender.send(OutboundMessage(
                channel=Channel.SMS, to_address="+13125550142", from_address="+13125550100",
                body="baseline", idempotency_key=f"baseline-{uuid.uuid4().hex}",
            ))

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    elapsed = time.perf_counter() - started
    await sender.aclose()
    return count / elapsed


async def raw_outbox_baseline(db: Database, count: int, batch: int) -> float:
    await fill(db, count)
    c = t.outbox.c
    started = time.perf_counter()
    while True:
        now = datetime.now(UTC)
        async with db.transaction() as conn:
            rows = await OutboxRepository(conn).claim_due(
                owner="raw/1", now=now, lease_until=now + timedelta(minutes=1), limit=batch
            )
        if not rows:
            break
        async with db.transaction() as conn:
            await conn.execute(
                t.outbox.update().where(c.id.in_([r.id for r in rows])).values(
                    state=OutboxState.SENT.value, provider_id="raw", sent_at=now, updated_at=now
                )
            )
    return count / (time.perf_counter() - started)


async def sent_count(db: Database, org_id: str) -> int:
    async with db.read() as conn:
        found: int = (await conn.execute(
            sa.select(sa.func.count()).select_from(t.outbox).where(
                t.outbox.c.org_id == org_id, t.outbox.c.state == OutboxState.SENT.value
            )
        )).scalar_one()
    return found


async def dispatcher_run(
    db: Database, db_url: str, provider: str, count: int, args: argparse.Namespace
) -> tuple[float, int, float]:
    """``careline worker`` processes against the fake provider.

    Returns:
        Messages per second, duplicates, and worker CPU seconds per 1,000 messages.
    """
    before = stats(provider)["total"]
    org_id = await fill(db, count)
    env = {**os.environ, "CARELINE_DATABASE_URL": db_url, "CARELINE_FAKE_PROVIDER_URL": provider,
           "CARELINE_LOG_LEVEL": "WARNING", "CARELINE_DATA_DIR": tempfile.gettempdir()}
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gateway.dispatcher.cli", "worker",
            "--senders", "gateway.dispatcher.testing:senders_from_env",
            "--batch-size", str(args.batch), "--concurrency", str(args.concurrency),
            cwd=ROOT, env={**env, "CARELINE_WORKER_ID": f"bench-{n}"},
        )
        for n in range(args.workers)
    ]
    while await sent_count(db, org_id) < count:  # noqa: ASYNC110 - polling the database
        await asyncio.sleep(0.1)
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        await worker.wait()
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    after = stats(provider)
    assert after["total"] - before == count, (after["total"] - before, count)
    return count / elapsed, len(after["duplicates"]), cpu / count * 1000


class TimedSender:
    """Records when each message was handed over (for the rate measurement)."""

    channel = Channel.SMS

    def __init__(self) -> None:
        self.times: list[float] = []

    async def send(self, message: OutboundMessage) -> SendResult:
        self.times.append(time.perf_counter())
        return SendResult(f"T{len(self.times)}")

    async def lookup(self, provider_id: str | None, idempotency_key: str) -> None:
        return None


def achieved(times: list[float]) -> float:
    times = sorted(times)
    return (len(times) - 1) / (times[-1] - times[0])


async def limiter_run(db: Database, count: int, rate: float) -> tuple[float, float]:
    await fill(db, count, rate=rate, numbers=1)
    sender = TimedSender()
    dispatcher = Dispatcher(db, {Channel.SMS: sender}, rate_limiter=InProcessRateLimiter(),
                            config=DispatcherConfig(poll_interval=0.05, reap_interval=60))
    await dispatcher.start()
    while len(sender.times) < count:  # noqa: ASYNC110 - polling a counter is the point
        await asyncio.sleep(0.1)
    await dispatcher.stop()
    measured = achieved(sender.times)

    limiter = InProcessRateLimiter()
    direct: list[float] = []
    for _ in range(count):
        wait = await limiter.acquire("direct", rate=rate, burst=1)
        if wait:
            await asyncio.sleep(wait)
        direct.append(time.perf_counter())
    return measured, achieved(direct)


async def backend(name: str, url: str, args: argparse.Namespace, provider: str) -> None:
    db = Database(url, pool_size=10)
    try:
        await db.upgrade()
        raw = await raw_outbox_baseline(db, args.messages, args.batch)
        rate, duplicates, cpu = await dispatcher_run(db, url, provider, args.messages, args)
        direct = await provider_baseline(provider, args.messages, args.concurrency)
    finally:
        await db.dispose()
    verdict = "OK" if rate >= 2000 and duplicates == 0 else "below target"
    print(f"{name:10} outbox {rate:8.0f} msg/s  duplicates {duplicates}  [{verdict}]  "
          f"{args.workers} worker(s), {cpu * 1000:.0f} us worker CPU per message "
          f"(= {1000 / cpu:.0f} msg per worker CPU-second)")
    print(f"{'':10} provider driven directly {direct:8.0f} msg/s  ratio {rate / direct:5.2f}")
    print(f"{'':10} raw outbox claim+update {raw:8.0f} rows/s ratio {rate / raw:5.2f}")


@asynccontextmanager
async def postgres(admin: str) -> AsyncIterator[str]:
    import asyncpg

    name = f"careline_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        yield admin.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0] + "/" + name
    finally:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument("--postgres", default=os.environ.get("CARELINE_BENCH_POSTGRES", PG_ADMIN))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--rate", type=float, default=100.0, help="MPS of the limiter test")
    parser.add_argument("--rate-messages", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1, help="careline worker processes")
    args = parser.parse_args()
    loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
    print(f"dispatch benchmark: {args.messages} messages, batch {args.batch}, "
          f"{args.concurrency} concurrent sends, {os.cpu_count()} CPUs, {loop} event loop, "
          f"load average {os.getloadavg()[0]:.1f}")
    async with fake_provider() as provider:
        with tempfile.TemporaryDirectory() as tmp:
            await backend("sqlite", f"sqlite+aiosqlite:///{tmp}/bench.db", args, provider)
        if not args.no_postgres:
            async with postgres(args.postgres) as url:
                await backend("postgresql", url, args, provider)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{tmp}/rate.db")
        await db.upgrade()
        measured, direct = await limiter_run(db, args.rate_messages, args.rate)
        await db.dispose()
    error = abs(measured - args.rate) / args.rate * 100
    verdict = "OK" if error <= 5 else "outside 5 %"
    print(f"limiter    one number at {args.rate:g} MPS: {measured:7.2f} msg/s "
          f"({error:4.2f} % off)  [{verdict}]")
    print(f"{'':10} limiter driven directly {direct:7.2f} msg/s  ratio {measured / direct:5.3f}")


if __name__ == "__main__":
    event_loop.run(main())  # the loop the worker and the fake provider run on, too
