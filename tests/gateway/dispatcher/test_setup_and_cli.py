"""The dispatcher runs inside ``careline serve`` and as ``careline worker``."""

from __future__ import annotations

import asyncio
import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from domain.model import Channel, Facility, OutboxState
from domain.storage.database import Database
from domain.storage.repositories import PracticeRepository
from gateway.app import create_app
from gateway.dispatcher import DISPATCHER, SENDERS, setup_dispatcher
from gateway.dispatcher.cli import main
from gateway.dispatcher.testing import MemorySender
from gateway.keys import DB
from gateway.settings import Settings
from tests.gateway.dispatcher.builders import (
    FACILITY_ID,
    ORG_ID,
    T0,
    add,
    organization,
    outbox,
    row,
)

CLI_SENDER = MemorySender()


def memory_senders(settings: Settings, **resources: Any) -> dict[Channel, Any]:
    """The ``--senders`` factory used below."""
    return {Channel.SMS: CLI_SENDER}


async def seed(db: Database, count: int) -> list[str]:
    async with db.transaction() as conn:
        repo = PracticeRepository(conn)
        # a fast number, so that pacing (1 message/s by default) does not slow the test
        await repo.add_organization(organization(sms_rate_per_second=100), T0)
        await repo.add_facility(Facility(id=FACILITY_ID, org_id=ORG_ID, name="Lakeside",
                                         timezone="America/Chicago"))
    rows = [row(i) for i in range(count)]
    await add(db, rows)
    return [r.id for r in rows]


async def test_serve_runs_the_dispatcher(aiohttp_client: Any, tmp_path: Path) -> None:
    settings = Settings.from_environ({"CARELINE_DATA_DIR": str(tmp_path)})
    app = create_app(settings, migrate=True, features=[setup_dispatcher])
    sender = MemorySender()
    app[SENDERS] = {Channel.SMS: sender}
    client: TestClient = await aiohttp_client(app)
    assert app[DISPATCHER].dispatcher is not None
    await seed(app[DB], 3)
    app[DISPATCHER].dispatcher.notify()
    for _ in range(100):
        if len(sender.sent) == 3:
            break
        await asyncio.sleep(0.05)
    assert len(sender.sent) == 3
    for _ in range(50):
        metrics = await (await client.get("/metrics")).text()
        if 'careline_outbound_messages_total{channel="sms",state="sent"} 3.0' in metrics:
            break
        await asyncio.sleep(0.05)
    assert 'careline_outbound_messages_total{channel="sms",state="sent"} 3.0' in metrics


async def test_serve_without_the_dispatcher(aiohttp_client: Any, tmp_path: Path) -> None:
    settings = Settings.from_environ(
        {"CARELINE_DATA_DIR": str(tmp_path), "CARELINE_RUN_DISPATCHER": "false"}
    )
    app = create_app(settings, migrate=True, features=[setup_dispatcher])
    await aiohttp_client(app)
    assert app[DISPATCHER].dispatcher is None


def test_worker_once_sends_what_is_due(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'careline.db'}"

    async def prepare() -> list[str]:
        db = Database(url)
        await db.upgrade()
        ids = await seed(db, 5)
        await db.dispose()
        return ids

    ids = asyncio.run(prepare())
    code = main(
        ["worker", "--once", "--senders", f"{__name__}:memory_senders"],
        {"CARELINE_DATABASE_URL": url, "CARELINE_DATA_DIR": str(tmp_path),
         "CARELINE_LOG_LEVEL": "WARNING"},
    )
    assert code == 0
    assert sorted(m.idempotency_key for m in CLI_SENDER.sent) == sorted(ids)

    async def states() -> set[OutboxState]:
        db = Database(url)
        found = {r.state for r in (await outbox(db)).values()}
        await db.dispose()
        return found

    assert asyncio.run(states()) == {OutboxState.SENT}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["worker"], "no channel senders are configured"),
        (["worker", "--senders", "nonsense"], "--senders must look like"),
        (["worker", "--senders", "x:y", "--lease", "5", "--send-timeout", "20"], "lease"),
    ],
)
def test_worker_explains_bad_options(tmp_path: Path, argv: list[str], message: str) -> None:
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        code = main(argv, {"CARELINE_DATA_DIR": str(tmp_path)})
    assert code == 2 and message in err.getvalue()


def test_worker_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["worker", "--help"], {})
    assert done.value.code == 0
    assert "--senders" in capsys.readouterr().out
