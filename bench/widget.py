"""Benchmark: how many idle widget sessions one gateway process holds, and the round trip of a
visitor's message to the bot's answer while they are held.

    .venv/bin/python bench/widget.py [--sessions 10000] [--active 50] [--messages 12]
                                     [--think SECONDS] [--postgres URL]

A gateway (channels + bot, embedded SQLite, the demo clinic) runs in its own process. This
process opens ``--sessions`` WebSockets that stay idle, and reads the gateway's resident memory
(``VmRSS``) before and after: the growth per session is the figure. Then ``--active`` visitors
chat with the bot at once (the symptom screening and the End conversation menu, round and
round; every message gets an answer) while the idle sessions stay open; the round trip is from
sending a message to receiving the bot's first answer frame. ``--think 0`` (the default) has
every visitor send again as soon as answered, which saturates the gateway (the worst case);
``--think 2`` paces each visitor like a fast typist. The gateway's per-address rate
limits are lifted (every connection comes from 127.0.0.1) and session tokens are minted
directly (the bench knows the test secret).

Targets (issue 9): 10,000 idle sessions at <= 50 KB each; the round trip's p99 is reported
(a visitor notices anything above about a second). Printed as ratios to the targets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from channels.widget import issue_session  # noqa: E402

SECRET = "bench-widget-secret"
PUBLIC_KEY = "demo-riverbend"
TARGET_SESSIONS = 10_000
TARGET_BYTES_PER_SESSION = 50 * 1024
TARGET_P99_SECONDS = 1.0
SCRIPT = ["Check symptoms before a visit", "No", "No", "No", "No", "Yes, start again"]


def raise_open_files() -> int:
    """Raise this process's open-files limit to its hard limit; returns the new soft limit."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


# -- the gateway process ------------------------------------------------------------------------


class _Unlimited:
    """A rate limiter that always allows (the bench connects everyone from one address)."""

    async def acquire(self, bucket: str, *, rate: float, burst: int) -> float:
        return 0.0

    async def try_acquire(self, bucket: str, *, rate: float, burst: int) -> bool:
        return True


async def serve(port: int, data_dir: Path, database_url: str | None) -> None:
    from domain.storage import tables as t
    from domain.storage.database import Database
    from gateway.app import create_app
    from gateway.bot import setup_bot
    from gateway.demo_data import build_demo, load_demo
    from gateway.keys import DB, STORES
    from gateway.settings import Settings
    from gateway.webhooks import setup_channels

    raise_open_files()
    environ = {
        "CARELINE_DATA_DIR": str(data_dir), "CARELINE_SECRET_KEY": SECRET,
        "CARELINE_RUN_DISPATCHER": "false", "CARELINE_LOG_LEVEL": "WARNING",
    }
    if database_url:
        environ["CARELINE_DATABASE_URL"] = database_url
    settings = Settings.from_environ(environ)
    app = create_app(settings, migrate=True, features=[setup_channels, setup_bot])
    app[STORES] = replace(app[STORES], rate_limiter=_Unlimited())

    async def tables(app: web.Application) -> AsyncIterator[None]:
        import importlib

        for module in sorted(Path(t.__file__).parent.glob("tables_*.py")):
            importlib.import_module(f"domain.storage.{module.stem}")
        db: Database = app[DB]
        async with db.transaction() as conn:
            await conn.run_sync(lambda sync: t.metadata.create_all(sync, checkfirst=True))
        await load_demo(db, build_demo(patients=50))
        yield

    app.cleanup_ctx.insert(1, tables)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=8192).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


# -- the visitors -------------------------------------------------------------------------------


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def token() -> str:
    return issue_session(PUBLIC_KEY, datetime.now(UTC)).token(SECRET)


async def connect(http: aiohttp.ClientSession, url: str) -> aiohttp.ClientWebSocketResponse:
    ws = await http.ws_connect(f"{url}/widget/ws?token={token()}", heartbeat=None)
    ready = await ws.receive_json()
    assert ready["type"] == "ready", ready
    return ws


async def hold_idle(http: aiohttp.ClientSession, url: str, count: int
                    ) -> list[aiohttp.ClientWebSocketResponse]:
    sockets: list[aiohttp.ClientWebSocketResponse] = []
    batch = 250
    for start in range(0, count, batch):
        sockets += await asyncio.gather(
            *(connect(http, url) for _ in range(min(batch, count - start))))
    return sockets


async def chat(http: aiohttp.ClientSession, url: str, messages: int, rtts: list[float],
               think: float = 0.0) -> None:
    ws = await connect(http, url)
    # Visitors do not all type at the same instant: spread their starts and pauses.
    await asyncio.sleep(random.uniform(0, think))
    try:
        for index in range(messages):
            frame_id = f"m{index}"
            started = time.perf_counter()
            await ws.send_json({"type": "message", "id": frame_id,
                                "text": SCRIPT[index % len(SCRIPT)]})
            while True:
                frame = json.loads((await ws.receive()).data)
                if frame.get("type") == "message" and frame.get("sender") == "bot":
                    rtts.append(time.perf_counter() - started)
                    break
                if frame.get("type") == "error":
                    raise RuntimeError(frame)
            # Drain what else the bot said for this message (one menu, maybe two lines).
            await asyncio.sleep(max(0.05, random.uniform(0.5, 1.5) * think))
            while True:
                try:
                    await ws.receive(timeout=0.01)
                except TimeoutError:
                    break
    finally:
        await ws.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    limit = raise_open_files()
    if args.sessions + args.active + 100 > limit:
        raise SystemExit(f"the open-files limit ({limit}) is too low for {args.sessions} sessions")
    data_dir = Path(tempfile.mkdtemp(prefix="careline-bench-widget-"))
    port = args.port
    command = [sys.executable, __file__, "--serve", "--port", str(port), "--data", str(data_dir)]
    if args.database_url:
        command += ["--database-url", args.database_url]
    server = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
    try:
        assert server.stdout is not None
        line = (await server.stdout.readline()).decode()
        if line.strip() != "ready":
            raise RuntimeError(f"the gateway did not start: {line!r}")
        url = f"http://127.0.0.1:{port}"
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as http:
            warm = await hold_idle(http, url, 50)  # imports, caches, first frames
            await chat(http, url, len(SCRIPT), [])
            for ws in warm:
                await ws.close()
            await asyncio.sleep(1.0)
            before = rss_bytes(server.pid)
            opened = time.perf_counter()
            idle = await hold_idle(http, url, args.sessions)
            open_seconds = time.perf_counter() - opened
            await asyncio.sleep(3.0)
            after = rss_bytes(server.pid)
            rtts: list[float] = []
            loaded = time.perf_counter()
            await asyncio.gather(*(chat(http, url, args.messages, rtts, args.think)
                                   for _ in range(args.active)))
            load_seconds = time.perf_counter() - loaded
            still_open = sum(1 for ws in idle if not ws.closed)
            for ws in idle:
                await ws.close()
    finally:
        server.terminate()
        await server.wait()
    per_session = (after - before) / args.sessions
    return {
        "sessions": args.sessions, "still_open": still_open,
        "open_seconds": round(open_seconds, 1),
        "rss_before_mb": round(before / 2**20, 1), "rss_after_mb": round(after / 2**20, 1),
        "bytes_per_session": round(per_session),
        "database": "postgresql" if args.database_url else "sqlite",
        "active": args.active, "think_seconds": args.think, "round_trips": len(rtts),
        "messages_per_second": round(len(rtts) / load_seconds, 1),
        "p50_ms": round(statistics.median(rtts) * 1000, 1),
        "p95_ms": round(percentile(rtts, 0.95) * 1000, 1),
        "p99_ms": round(percentile(rtts, 0.99) * 1000, 1),
        "max_ms": round(max(rtts) * 1000, 1),
    }


async def _with_database(args: argparse.Namespace) -> dict[str, Any]:
    if not args.postgres:
        args.database_url = None
        return await run(args)
    import asyncpg

    name = f"careline_bench_widget_{os.getpid()}"
    admin = await asyncpg.connect(args.postgres)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    args.database_url = (args.postgres.replace("postgresql://", "postgresql+asyncpg://")
                         .rsplit("/", 1)[0] + "/" + name)
    try:
        return await run(args)
    finally:
        admin = await asyncpg.connect(args.postgres)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=TARGET_SESSIONS)
    parser.add_argument("--active", type=int, default=50)
    parser.add_argument("--messages", type=int, default=12)
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds each visitor waits after an answer (0: saturate)")
    parser.add_argument("--postgres", metavar="ADMIN_URL", default=None,
                        help="run the gateway on a fresh PostgreSQL database made with this "
                             "admin URL, e.g. postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--port", type=int, default=18_981)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.port, args.data, args.database_url))
        return
    result = asyncio.run(_with_database(args))
    print(json.dumps(result, indent=2))
    print(f"idle sessions held: {result['still_open']} / {args.sessions} "
          f"(ratio to the {TARGET_SESSIONS:,} target: "
          f"{result['still_open'] / TARGET_SESSIONS:.2f})")
    print(f"memory per idle session: {result['bytes_per_session'] / 1024:.1f} KB "
          f"(ratio to the 50 KB target: "
          f"{result['bytes_per_session'] / TARGET_BYTES_PER_SESSION:.2f}; below 1 is better)")
    print(f"round trip under load: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms "
          f"(ratio of p99 to {TARGET_P99_SECONDS * 1000:.0f} ms: "
          f"{result['p99_ms'] / (TARGET_P99_SECONDS * 1000):.2f}); "
          f"{result['messages_per_second']} messages/s with {result['active']} visitors "
          f"({result['database']}, think {result['think_seconds']} s)")


if __name__ == "__main__":
    main()
