"""Staff-visible activity (REM-44..REM-48): what was sent, what failed and why, what the
patients answered, and what goes out next -- scoped to an organisation and its facilities."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from channels.base import OutboundMessage, PermanentSendError
from domain.clock import MovableClock
from domain.model import (
    Channel,
    ContactKind,
    Facility,
    Message,
    MessageDirection,
    MessageKind,
    MessageStatus,
    OutboxState,
    new_id,
)
from domain.storage.database import Database
from domain.storage.repositories import (
    ConversationRepository,
    OutboxRepository,
    PracticeRepository,
)
from domain.storage.repositories.outbox import Transition
from gateway.api.activity import ActivityScope, setup_activity_api
from gateway.dispatcher import Dispatcher, on_delivery_failed
from gateway.dispatcher.testing import MemorySender
from gateway.errors import error_middleware
from gateway.keys import CLOCK, DB
from tests.gateway.dispatcher.builders import (
    CLINIC_NUMBER,
    ORG_ID,
    T0,
    add,
    add_dnc,
    add_patients,
    hub_messages,
    one,
    opt_out,
    patient,
    row,
)

OTHER_FACILITY = "01FACOTHER0000000000000000"


async def scenario(db: Database, clock: MovableClock) -> dict[str, Any]:
    async with db.transaction() as conn:
        await PracticeRepository(conn).add_facility(
            Facility(id=OTHER_FACILITY, org_id=ORG_ID, name="Hillside", timezone="America/Denver")
        )
    avery = patient("Avery", (ContactKind.SMS, "+13125550142"))
    await add_patients(db, avery)
    sent = row(1, patient_id=avery.id, body="See you Tuesday.")
    blocked = row(2)
    refused = row(3, body="Refuse me")
    retried = row(4)
    elsewhere = row(5, facility_id=OTHER_FACILITY)
    upcoming = row(6, kind=MessageKind.REMINDER, due_at=T0 + timedelta(days=1))
    await add(db, [sent, blocked, refused, retried, elsewhere, upcoming])
    await add_dnc(db, opt_out(blocked.to_address))
    sender = MemorySender()

    def refuse(message: OutboundMessage) -> None:
        if message.body == "Refuse me":
            raise PermanentSendError("unknown number", code="21211")

    sender.fail = refuse
    await Dispatcher(db, {Channel.SMS: sender}, clock=clock).drain()
    provider_id = (await one(db, retried.id)).provider_id
    assert provider_id is not None
    async with db.transaction() as conn:
        retry_id = await on_delivery_failed(conn, provider_id, "30003", now=clock.now())
        conversation, _ = await ConversationRepository(conn).get_or_create(
            org_id=ORG_ID, channel=Channel.SMS, patient_address=avery.contacts[0].value,
            careline_address=CLINIC_NUMBER, patient_id=avery.id, facility_id=None, at=T0,
        )
        await ConversationRepository(conn).add_message(
            Message(id=new_id(), org_id=ORG_ID, conversation_id=conversation.id,
                    direction=MessageDirection.INBOUND, channel=Channel.SMS, body="YES",
                    status=MessageStatus.RECEIVED, created_at=T0 + timedelta(minutes=1))
        )
    return {"sent": sent, "blocked": blocked, "refused": refused, "retried": retried,
            "retry_id": retry_id, "elsewhere": elsewhere, "upcoming": upcoming, "avery": avery}


async def client_for(aiohttp_client: Any, db: Database, **kwargs: Any) -> TestClient:
    app = web.Application(middlewares=[error_middleware])
    app[DB] = db
    setup_activity_api(app, **kwargs)
    client: TestClient = await aiohttp_client(app)
    return client


async def test_activity_lists(aiohttp_client: Any, db: Database, clock: MovableClock) -> None:
    s = await scenario(db, clock)
    client = await client_for(aiohttp_client, db)
    response = await client.get("/api/activity", params={"org_id": ORG_ID})
    assert response.status == 200
    body = await response.json()

    sent_ids = [i["id"] for i in body["last_sent"]]
    assert set(sent_ids) == {s["sent"].id, s["elsewhere"].id}
    [item] = [i for i in body["last_sent"] if i["id"] == s["sent"].id]
    assert item["patient"] == {"id": s["avery"].id, "name": "Avery Hollis"}
    assert item["delivery"] == "sent" and item["body"] == "See you Tuesday."

    undelivered = {i["id"]: i for i in body["last_undelivered"]}
    assert set(undelivered) == {s["blocked"].id, s["refused"].id, s["retried"].id}
    assert undelivered[s["blocked"].id]["reason_code"] == "do_not_contact"
    assert undelivered[s["refused"].id]["final"] is True
    assert undelivered[s["refused"].id]["reason_code"] == "refused"
    assert undelivered[s["retried"].id]["final"] is False
    assert undelivered[s["retried"].id]["retried_by"] == s["retry_id"]

    final = await client.get("/api/activity/last-undelivered",
                             params={"org_id": ORG_ID, "final": "1"})
    assert {i["id"] for i in (await final.json())["items"]} == {s["blocked"].id, s["refused"].id}

    assert [i["id"] for i in body["next_scheduled"]] == [s["retry_id"], s["upcoming"].id]
    assert [r["body"] for r in body["last_responses"]] == ["YES"]
    assert body["last_responses"][0]["patient"]["name"] == "Avery Hollis"
    assert body["needs_attention"] == []


async def test_activity_is_scoped_to_facilities(
    aiohttp_client: Any, db: Database, clock: MovableClock
) -> None:
    s = await scenario(db, clock)

    def hillside_staff(request: web.Request) -> ActivityScope:
        return ActivityScope(ORG_ID, frozenset({OTHER_FACILITY}))

    client = await client_for(aiohttp_client, db, scope=hillside_staff)
    body = await (await client.get("/api/activity/last-sent")).json()
    assert [i["id"] for i in body["items"]] == [s["elsewhere"].id]
    forbidden = await client.get("/api/activity/last-sent", params={"facility_id": "other"})
    assert forbidden.status == 403


async def test_activity_of_another_organisation_is_empty(
    aiohttp_client: Any, db: Database, clock: MovableClock
) -> None:
    await scenario(db, clock)
    client = await client_for(aiohttp_client, db)
    body = await (await client.get("/api/activity", params={"org_id": "someone-else"})).json()
    assert all(items == [] for items in body.values())


async def test_bad_requests_are_explained(aiohttp_client: Any, db: Database) -> None:
    client = await client_for(aiohttp_client, db)
    assert (await client.get("/api/activity")).status == 422
    too_many = await client.get("/api/activity", params={"org_id": ORG_ID, "limit": "1000"})
    assert too_many.status == 422 and (await too_many.json())["field"] == "limit"
    assert (await client.get("/api/activity/nope", params={"org_id": ORG_ID})).status == 404


async def test_staff_can_send_an_unknown_message_again(
    aiohttp_client: Any, db: Database, clock: MovableClock
) -> None:
    s = await scenario(db, clock)
    lost = row(7)
    await add(db, [lost])
    async with db.transaction() as conn:  # a crash left it unknown
        repo = OutboxRepository(conn)
        await repo.claim_due(owner="w/1", now=T0, lease_until=T0, limit=10)
        await repo.mark_sending([lost.id], owner="w/1", now=T0, lease_floor=T0 - timedelta(1))
        await repo.record_attempts([Transition(lost.id, OutboxState.UNKNOWN, "unknown: ?")],
                                   now=T0)

    def staff(request: web.Request) -> ActivityScope:
        return ActivityScope(ORG_ID, None, "01STAFF0000000000000000000")

    app = web.Application(middlewares=[error_middleware])
    app[DB] = db
    app[CLOCK] = clock
    setup_activity_api(app, scope=staff)
    client: TestClient = await aiohttp_client(app)
    attention = await (await client.get("/api/activity/needs-attention")).json()
    assert [i["id"] for i in attention["items"]] == [lost.id]

    answer = await client.post(f"/api/activity/messages/{lost.id}/resend")
    assert answer.status == 201
    again_id = (await answer.json())["id"]
    assert (await client.post(f"/api/activity/messages/{s['sent'].id}/resend")).status == 409
    assert (await client.post("/api/activity/messages/nope/resend")).status == 404

    sender = MemorySender()
    await Dispatcher(db, {Channel.SMS: sender}, clock=clock).drain()
    assert [m.idempotency_key for m in sender.sent] == [again_id]
    hub = [m for m in await hub_messages(db) if m.outbox_id == again_id]
    assert hub[0].author_id == "01STAFF0000000000000000000"
