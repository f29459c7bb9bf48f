"""``/webhooks/email/inbound``: authenticated, three body formats, threads tied, quotes stripped."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import aiohttp
import sqlalchemy as sa

from domain.model import Channel, Message, MessageDirection, MessageStatus, new_id
from domain.storage import tables as t
from domain.storage.repositories import ConversationRepository
from gateway.webhooks.email_inbound import inbound_email_token
from tests.gateway.webhooks.appkit import EMAIL_FROM, INBOUND_DOMAIN, PATIENT_EMAIL, PUBLIC_KEY
from tests.gateway.webhooks.conftest import Running

Start = Callable[..., Awaitable[Running]]
TOKEN = inbound_email_token("test-secret-key")
PATH = f"/webhooks/email/inbound?token={TOKEN}"

RAW = (
    f"From: Avery Alder <{PATIENT_EMAIL}>\r\n"
    f"To: {EMAIL_FROM}\r\n"
    "Subject: Re: Your visit\r\n"
    "Message-ID: <reply-1@mail.example.com>\r\n"
    "In-Reply-To: <{in_reply_to}>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Yes, I will be there.\r\n\r\n"
    "On Mon, Jan 6, 2025 at 9:00 AM Test Clinic <care@clinic.example> wrote:\r\n"
    "> Your visit is on Tuesday at 9.\r\n"
)


async def outbound_email(running: Running, careline_address: str) -> tuple[str, str]:
    """An email we sent (Message-ID stored as its provider id); returns (thread id, msg id)."""
    now = datetime.now(UTC)
    message_id = f"{new_id()}@clinic.example"
    async with running.db.transaction() as conn:
        repo = ConversationRepository(conn)
        thread, _ = await repo.get_or_create(
            org_id=running.clinic.org.id, channel=Channel.EMAIL, patient_address=PATIENT_EMAIL,
            careline_address=careline_address, patient_id=running.clinic.patient.id,
            facility_id=None, at=now)
        await repo.add_message(Message(
            id=new_id(), org_id=running.clinic.org.id, conversation_id=thread.id,
            direction=MessageDirection.OUTBOUND, channel=Channel.EMAIL, body="Your visit...",
            status=MessageStatus.SENT, created_at=now, provider_id=message_id))
    return thread.id, message_id


async def test_a_raw_reply_is_tied_to_its_thread_and_stripped(start: Start) -> None:
    running = await start()
    thread_id, message_id = await outbound_email(running, "reminders@clinic.example")
    raw = RAW.replace("{in_reply_to}", message_id)
    # Sent to the organisation's inbound address, not the thread's: tied by In-Reply-To.
    url = PATH + f"&to={PUBLIC_KEY}@{INBOUND_DOMAIN}"
    response = await running.client.post(url, data=raw.encode(),
                                         headers={"Content-Type": "message/rfc822"})
    assert response.status == 200, await response.text()
    assert (await response.json())["conversation_id"] == thread_id
    ctx = running.responder.seen[0]
    assert ctx.message.body == "Yes, I will be there."
    assert ctx.envelope.in_reply_to == message_id
    assert ctx.envelope.provider_message_id == "reply-1@mail.example.com"


async def test_replies_to_email_go_out_through_the_outbox(start: Start) -> None:
    running = await start()
    running.responder.answers = ["Thank you, see you Tuesday."]
    payload = {"from": f"Avery <{PATIENT_EMAIL}>", "to": EMAIL_FROM, "subject": "Question",
               "text": "Can I bring my daughter?", "message_id": "q-1@mail.example.com"}
    response = await running.client.post(PATH, json=payload)
    assert response.status == 200, await response.text()
    async with running.db.read() as conn:
        rows = (await conn.execute(sa.select(t.outbox))).mappings().all()
    assert [(r["body"], r["to_address"], r["context"]["subject"]) for r in rows] == [
        ("Thank you, see you Tuesday.", PATIENT_EMAIL, "Re: Question")]
    again = await running.client.post(PATH, json=payload)
    assert (await again.json())["status"] == "duplicate"


async def test_multipart_inbound_parse_with_raw_email(start: Start) -> None:
    running = await start()
    form = aiohttp.FormData()
    form.add_field("email", RAW.replace("{in_reply_to}", "unknown@x.example"))
    form.add_field("envelope", json.dumps({"to": [EMAIL_FROM], "from": PATIENT_EMAIL}))
    response = await running.client.post(PATH, data=form)
    assert response.status == 200, await response.text()
    assert running.responder.seen[0].message.body == "Yes, I will be there."


async def test_multipart_fields_with_basic_auth(start: Start) -> None:
    running = await start()
    form = aiohttp.FormData()
    for name, value in [("from", PATIENT_EMAIL), ("to", EMAIL_FROM), ("subject", "Hi"),
                        ("text", "Please call me back."),
                        ("headers", "Message-ID: <m-9@mail.example.com>\n")]:
        form.add_field(name, value)
    auth = base64.b64encode(f"careline:{TOKEN}".encode()).decode()
    response = await running.client.post("/webhooks/email/inbound", data=form,
                                         headers={"Authorization": f"Basic {auth}"})
    assert response.status == 200, await response.text()
    assert running.responder.seen[0].envelope.provider_message_id == "m-9@mail.example.com"


async def test_requests_without_the_token_are_forbidden(start: Start) -> None:
    running = await start()
    for url, headers in [("/webhooks/email/inbound", {}),
                         ("/webhooks/email/inbound?token=wrong", {}),
                         ("/webhooks/email/inbound", {"Authorization": "Bearer wrong"}),
                         ("/webhooks/email/inbound", {"Authorization": "Basic !!!"})]:
        response = await running.client.post(url, json={}, headers=headers)
        assert response.status == 403


async def test_bad_email_payloads_get_a_4xx_with_a_reason(start: Start) -> None:
    running = await start()
    client = running.client
    cases: list[tuple[dict[str, object], int, str | None]] = [
        ({"data": b"{not json", "headers": {"Content-Type": "application/json"}}, 400, None),
        ({"json": ["a list"]}, 400, None),
        ({"json": {"from": 5}}, 400, "from"),
        ({"json": {"to": EMAIL_FROM, "text": "hi"}}, 400, "from"),
        ({"json": {"from": "nobody", "to": EMAIL_FROM}}, 400, "from"),
        ({"json": {"from": PATIENT_EMAIL, "to": "x@unknown.example", "text": "hi"}}, 404, None),
        ({"data": b"hello", "headers": {"Content-Type": "text/plain"}}, 415, None),
        ({"data": b"\xff\xfe", "headers": {"Content-Type": "message/rfc822"}}, 400, "from"),
        ({"data": io.BytesIO(b"x" * (1024 * 1024 + 10)),
          "headers": {"Content-Type": "message/rfc822"}}, 413, None),
    ]
    for kwargs, status, field in cases:
        response = await client.post(PATH, **kwargs)  # type: ignore[arg-type]
        assert response.status == status, (kwargs.keys(), await response.text())
        if field is not None:
            assert (await response.json())["field"] == field
