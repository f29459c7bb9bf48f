"""Benchmark: Careline's inbound SMS webhook against a bare aiohttp handler, side by side.

Careline's path does everything a real text does: Twilio signature check, idempotency claim,
per-conversation lock, the message stored in the database (SQLite by default), a (trivial)
responder, TwiML answer. The baseline is an aiohttp handler that returns a fixed TwiML
document. Each server runs in its own process; an aiohttp client drives them

- at a fixed rate (200 requests/s by default): latency p50/p99, and
- at full speed (a fixed number of concurrent requests): throughput.

Usage: ``python bench/webhook.py [--rate 200] [--seconds 5] [--concurrency 16] [--runs 3]
[--database-url postgresql+asyncpg://127.0.0.1:5432/test] [--loop auto|asyncio|uvloop]
[--no-gc-freeze]``.

Prints the throughput ratio (target >= 0.5) and p99 at the fixed rate (target <= 50 ms) for
each run, then the best and the median of the runs, with the machine's load average: the
figures move with whatever else the machine is doing, so run it several times; the servers'
CPU time per request at full speed (all threads, from /proc) moves much less, and compares
versions on a busy machine. With ``--database-url`` Careline stores in a fresh database
created on that server (and dropped afterwards) instead of a temporary SQLite file.
Both servers run on the event loop ``careline serve`` runs on (``gateway.event_loop``:
uvloop when installed, which it is with Careline's dependencies); ``--loop asyncio`` puts both
on asyncio's own loop instead. The load generator stays on asyncio's loop. Both servers
freeze what start-up made out of later garbage collections, as ``careline serve`` does
(``gateway.app.freeze_startup_objects``): without it a full collection of a process that has
imported all of Careline stops the event loop for tens of milliseconds, most of the p99 at
200 requests/s. ``--no-gc-freeze`` measures without it.
Each message comes from its own sender so that only the idempotency key, not the lock of one
conversation, is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession, TCPConnector, web  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "bench-auth-token"
PUBLIC_URL = "https://careline.bench"
OUR_NUMBER = "+18885550199"
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>ok</Message></Response>'


# -- servers (run in child processes) ------------------------------------------------------


def bare_app() -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text=TWIML, content_type="text/xml")

    app = web.Application()
    app.router.add_post("/webhooks/twilio/sms", handler)
    return app


def careline_app(data_dir: str, database_url: str | None = None) -> web.Application:
    from sqlalchemy.ext.asyncio import AsyncConnection

    import domain.storage.tables_channels  # noqa: F401  (its tables join the metadata)
    from domain.model import Organization, new_id
    from domain.org_settings import MessagingSettings, OrgSettings
    from domain.storage.repositories import PracticeRepository
    from domain.storage.tables import metadata
    from gateway.app import create_app
    from gateway.inbound.keys import RESPONDER
    from gateway.inbound.responder import InboundContext
    from gateway.keys import CLOCK, DB
    from gateway.settings import Settings
    from gateway.webhooks import setup_channels

    class Trivial:
        async def respond(self, conn: AsyncConnection, inbound: InboundContext) -> list[str]:
            return ["ok"]

    environ = {
        "CARELINE_DATA_DIR": data_dir, "CARELINE_PUBLIC_URL": PUBLIC_URL,
        "CARELINE_SECRET_KEY": "bench", "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "CARELINE_LOG_LEVEL": "WARNING",
    }
    if database_url:
        environ["CARELINE_DATABASE_URL"] = database_url
    settings = Settings.from_environ(environ)

    def prepare(app: web.Application) -> None:
        app[RESPONDER] = Trivial()

        async def seed(app: web.Application) -> AsyncIterator[None]:
            db = app[DB]
            async with db.transaction() as conn:
                await conn.run_sync(lambda c: metadata.create_all(c))
                org = Organization(
                    id=new_id(), name="Bench Clinic", public_key="bench-clinic",
                    settings=OrgSettings(messaging=MessagingSettings(sms_number=OUR_NUMBER)))
                await PracticeRepository(conn).add_organization(org, app[CLOCK].now())
            yield

        app.cleanup_ctx.append(seed)

    return create_app(settings, migrate=True, features=[setup_channels, prepare])


def serve(kind: str, port: int, database_url: str | None, gc_freeze: bool) -> None:
    import logging

    from gateway import event_loop

    logging.disable(logging.WARNING)
    loop = event_loop.new_event_loop()  # the choice arrives in CARELINE_EVENT_LOOP
    with tempfile.TemporaryDirectory() as data_dir:
        app = bare_app() if kind == "bare" else careline_app(data_dir, database_url)
        if gc_freeze:  # the last start-up step, as in ``careline serve``
            from gateway.app import freeze_startup_objects

            app.on_startup.append(freeze_startup_objects)
        web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None, loop=loop)


async def create_database(url: str) -> tuple[str, str]:
    """A fresh database on the server of ``url``: (its URL, its name)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = f"careline_bench_{os.getpid()}_{time.time_ns()}"
    admin = await asyncpg.connect(parsed.set(drivername="postgresql").render_as_string(False))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return parsed.set(database=name).render_as_string(False), name


async def drop_database(url: str, name: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    admin_url = make_url(url).set(drivername="postgresql").render_as_string(False)
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


# -- load generator ------------------------------------------------------------------------


def signed_requests(count: int, offset: int) -> list[tuple[str, dict[str, str]]]:
    """Pre-signed form bodies, each a new message from a different sender."""
    validator = RequestValidator(AUTH_TOKEN)
    url = PUBLIC_URL + "/webhooks/twilio/sms"
    out = []
    for i in range(offset, offset + count):
        form = {"MessageSid": f"SM{i:032x}", "AccountSid": ACCOUNT_SID,
                "From": f"+1212555{i % 10000:04d}", "To": OUR_NUMBER, "Body": "C",
                "NumMedia": "0"}
        headers = {"X-Twilio-Signature": validator.compute_signature(url, form),
                   "Content-Type": "application/x-www-form-urlencoded"}
        out.append((urlencode(form), headers))
    return out


async def fixed_rate(url: str, requests: list[tuple[str, dict[str, str]]], rate: float
                     ) -> list[float]:
    latencies: list[float] = []
    async with ClientSession(connector=TCPConnector(limit=256)) as session:

        async def one(body: str, headers: dict[str, str]) -> None:
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status}: {await response.text()}")
            latencies.append(time.perf_counter() - started)

        start = time.perf_counter()
        tasks = []
        for index, (body, headers) in enumerate(requests):
            delay = start + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(body, headers)))
        await asyncio.gather(*tasks)
    return latencies


async def full_speed(url: str, requests: list[tuple[str, dict[str, str]]], concurrency: int
                     ) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue = list(reversed(requests))
    async with ClientSession(connector=TCPConnector(limit=concurrency)) as session:

        async def worker() -> None:
            while queue:
                body, headers = queue.pop()
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                latencies.append(time.perf_counter() - started)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return len(requests) / elapsed, latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_for(port: int, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise RuntimeError("the server process exited")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return
        except OSError:
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not start")


async def measure(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    database_url: str | None = None
    created = None
    if kind == "careline" and args.database_url:  # a fresh database for each run
        database_url, created = await create_database(args.database_url)
    try:
        return await measure_server(kind, args, database_url)
    finally:
        if created:
            await drop_database(args.database_url, created)


async def measure_server(kind: str, args: argparse.Namespace, database_url: str | None
                         ) -> dict[str, Any]:
    port = free_port()
    command = [sys.executable, __file__, "--serve", kind, "--port", str(port)]
    if database_url:
        command += ["--database-url", database_url]
    if not args.gc_freeze:
        command.append("--no-gc-freeze")
    process = await asyncio.create_subprocess_exec(
        *command, env=dict(os.environ, PYTHONPATH=str(ROOT), CARELINE_EVENT_LOOP=args.loop))
    try:
        await wait_for(port, process)
        url = f"http://127.0.0.1:{port}/webhooks/twilio/sms"
        await full_speed(url, signed_requests(200, 10_000_000), 8)  # warm-up
        paced = int(args.rate * args.seconds)
        latencies = await fixed_rate(url, signed_requests(paced, 0), args.rate)
        requests = signed_requests(int(args.max_requests), 1_000_000)
        cpu_before = cpu_seconds(process.pid)
        throughput, fast = await full_speed(url, requests, args.concurrency)
        cpu = (cpu_seconds(process.pid) - cpu_before) / len(requests) * 1e6
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)
    return {"paced_p50": percentile(latencies, 50), "paced_p99": percentile(latencies, 99),
            "throughput": throughput, "max_p50": percentile(fast, 50),
            "max_p99": percentile(fast, 99), "paced_mean": statistics.fmean(latencies) * 1000,
            "cpu_per_request": cpu}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) the process has used so far; NaN where there is
    no /proc. Unlike throughput, the server's CPU time per request hardly moves when other
    processes compete for the cores, so it compares versions on a busy machine."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


async def one_run(args: argparse.Namespace) -> tuple[float, float]:
    """Measure both servers once, print the table; (throughput ratio, Careline's paced p99)."""
    before = load_average()
    bare = await measure("bare", args)
    careline = await measure("careline", args)
    ratio = careline["throughput"] / bare["throughput"]
    print(f"{'':24}{'bare':>12}{'careline':>12}   (load average {before} -> {load_average()})")
    for key, label in [("throughput", "max req/s"), ("max_p50", "p50 at max (ms)"),
                       ("max_p99", "p99 at max (ms)"),
                       ("paced_p50", f"p50 at {args.rate:g}/s (ms)"),
                       ("paced_p99", f"p99 at {args.rate:g}/s (ms)"),
                       ("cpu_per_request", "server CPU/request (us)")]:
        print(f"{label:24}{bare[key]:>12.1f}{careline[key]:>12.1f}")
    print(f"throughput ratio careline/bare: {ratio:.2f}; "
          f"p99 at {args.rate:g} req/s: {careline['paced_p99']:.1f} ms", flush=True)
    return ratio, careline["paced_p99"]


async def main(args: argparse.Namespace) -> int:
    database = "PostgreSQL" if args.database_url else "SQLite"
    from gateway import event_loop

    loop = event_loop.loop_factory(args.loop).__module__.split(".")[0]
    frozen = "" if args.gc_freeze else ", no gc.freeze()"
    print(f"inbound SMS webhook vs bare aiohttp TwiML handler ({database}, {loop}{frozen}, "
          f"{os.cpu_count()} cores, {args.runs} run(s))", flush=True)
    results = []
    for run in range(args.runs):
        print(f"-- run {run + 1}")
        results.append(await one_run(args))
    ratios = [r for r, _ in results]
    p99s = [p for _, p in results]
    met = sum(r >= 0.5 and p <= 50 for r, p in results)
    print("-- summary")
    print(f"throughput ratio: best {max(ratios):.2f}, median {statistics.median(ratios):.2f} "
          f"(target >= 0.5)")
    print(f"p99 at {args.rate:g} req/s: best {min(p99s):.1f} ms, "
          f"median {statistics.median(p99s):.1f} ms (target <= 50 ms)")
    print(f"both targets met in {met} of {len(results)} run(s); load average now "
          f"{load_average()}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=["bare", "careline"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=200.0, help="requests/s of the paced run")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the paced run")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent requests at max")
    parser.add_argument("--max-requests", type=int, default=2000,
                        help="requests of the full-speed run")
    parser.add_argument("--runs", type=int, default=3, help="measurements of both servers")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server to store in (a fresh database is made on it)")
    parser.add_argument("--loop", choices=["auto", "asyncio", "uvloop"], default="auto",
                        help="the servers' event loop (auto: as careline serve, uvloop if "
                             "installed)")
    parser.add_argument("--no-gc-freeze", dest="gc_freeze", action="store_false",
                        help="do not freeze start-up objects (careline serve freezes them)")
    parsed = parser.parse_args()
    if parsed.serve:
        serve(parsed.serve, parsed.port, parsed.database_url, parsed.gc_freeze)
        sys.exit(0)
    sys.exit(asyncio.run(main(parsed)))
