"""Fifty patients accept the same opening within the same second, through signed Twilio
webhooks: exactly one is booked, forty-nine are told it is taken, and nothing is booked
twice. On SQLite (the embedded default) and on PostgreSQL.

A second test races fifty acceptances straight into the database, each in its own
transaction, so that the conditional update itself is contended.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient

from domain.clock import MovableClock
from domain.model import AppointmentStatus, OpenSlot, SlotState
from domain.org_settings import OrgSettings, WaitlistSettings
from domain.storage import tables as t
from domain.storage.database import Database, sqlite_url
from domain.storage.repositories import AppointmentRepository
from domain.waitlist import Offer, OfferState
from gateway.app import create_app
from gateway.dialog_responder import setup_dialogs
from gateway.keys import DB
from gateway.waitlist import answers, setup_waitlist
from gateway.waitlist.events import consume_events
from gateway.waitlist.keys import WAITLIST_DEPS
from gateway.webhooks import setup_channels
from tests.gateway.waitlist.world import World, make_world, phone_of, prepare
from tests.gateway.webhooks.appkit import settings_for, signed, sms_form

NOW = datetime(2026, 11, 18, 16, 0, tzinfo=UTC)
PATH = "/webhooks/twilio/sms"
TAKERS = 50

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres",
                 marks=[pytest.mark.integration, pytest.mark.postgres]),
]


async def _reset(url: str) -> None:
    """An empty PostgreSQL schema (the session database is shared by the PostgreSQL tests)."""
    database = Database(url, pool_size=2)
    try:
        await prepare(database)  # registers every table module on the metadata
        async with database.engine.begin() as conn:
            await conn.run_sync(lambda c: t.metadata.drop_all(c))
            await conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        await database.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "careline.db")
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_reset(url))
    return url


def _schema(app: web.Application) -> None:
    async def tables(app: web.Application) -> AsyncIterator[None]:
        await prepare(app[DB])
        yield

    app.cleanup_ctx.insert(0, tables)


@dataclass
class Race:
    client: TestClient
    world: World
    slot: OpenSlot
    offers: list[Offer]


@pytest.fixture
async def race(aiohttp_client: Callable[..., Awaitable[TestClient]], tmp_path: Path,
               database_url: str) -> Race:
    """One opening offered at the same moment to fifty waiting patients."""
    settings = settings_for(tmp_path, CARELINE_DATABASE_URL=database_url)
    clock = MovableClock(NOW, frozen=True)  # every reply arrives in the same second
    app = create_app(settings, clock=clock, migrate=True, features=[
        _schema, setup_channels, setup_dialogs, partial(setup_waitlist, background=False)])
    client = await aiohttp_client(app)
    world = await make_world(
        app[DB], now=NOW, patients=TAKERS + 1,
        settings=OrgSettings(waitlist=WaitlistSettings(require_approval=False)))
    world.deps = app[WAITLIST_DEPS]
    for patient in world.patients[1:]:
        await world.waiting(patient)
    cancelled = await world.cancel(await world.appointment(world.patients[0],
                                                           NOW + timedelta(days=1)))
    await world.emit("appointment.cancelled", {"appointment_id": cancelled.id})
    await consume_events(world.db, world.deps, world.clock)
    slot = await world.slot_for(cancelled)
    assert slot is not None
    offers = await world.offers(slot.id)
    assert len(offers) == TAKERS
    return Race(client, world, slot, offers)


async def _outcome(race: Race) -> None:
    world, slot = race.world, race.slot
    states = [o.state for o in await world.offers(slot.id)]
    assert states.count(OfferState.BOOKED) == 1, states
    assert states.count(OfferState.TAKEN) == TAKERS - 1, states
    assert (await world.slot(slot.id)).state == SlotState.BOOKED
    async with world.db.read() as conn:
        at_that_time = await AppointmentRepository(conn).between(world.org.id, slot.start,
                                                                 slot.end)
    assert len(at_that_time) == 1, "no double booking"
    assert at_that_time[0].status is AppointmentStatus.BOOKED
    taken = await world.outbox(key="waitlist.taken")
    booked = await world.outbox(key="waitlist.booked")
    assert len(taken) == TAKERS - 1 and len(booked) == 1
    winner = next(o for o in await world.offers(slot.id) if o.state is OfferState.BOOKED)
    assert booked[0].to_address == winner.address
    assert winner.address not in {m.to_address for m in taken}
    assert all("someone else just took" in (m.body or "") for m in taken)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
async def test_fifty_yes_replies_by_signed_webhook_book_exactly_one(race: Race) -> None:
    async def reply(index: int) -> str:
        patient = race.world.patients[index]
        payload, headers = signed(PATH, sms_form("YES", sender=phone_of(patient)))
        response = await race.client.post(PATH, data=payload, headers=headers)
        assert response.status == 200, await response.text()
        return await response.text()

    twiml = await asyncio.gather(*(reply(i) for i in range(1, TAKERS + 1)))
    assert all("<Message>" not in answer for answer in twiml)  # answered once decided
    async with race.world.db.read() as conn:
        accepted = (await conn.execute(sa.select(sa.func.count()).select_from(t.domain_events)
                                       .where(t.domain_events.c.kind == "waitlist.accepted")))
        assert accepted.scalar_one() == TAKERS
    # Several workers (as in several gateway processes) handle the acceptances at once.
    handled = await asyncio.gather(*(consume_events(race.world.db, race.world.deps,
                                                    race.world.clock) for _ in range(4)))
    assert sum(handled) == TAKERS
    await _outcome(race)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
async def test_fifty_concurrent_acceptances_race_for_the_slot(race: Race) -> None:
    world = race.world

    async def accept(offer: Offer) -> answers.AcceptOutcome:
        async with world.db.transaction() as conn:
            return await answers.accept(conn, world.deps, offer.id, world.now)

    outcomes = await asyncio.gather(*(accept(o) for o in race.offers))
    assert outcomes.count(answers.AcceptOutcome.BOOKED) == 1
    assert outcomes.count(answers.AcceptOutcome.TAKEN) == TAKERS - 1
    await _outcome(race)
