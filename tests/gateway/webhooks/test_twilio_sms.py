"""``/webhooks/twilio/sms``: signed, parsed, answered with TwiML, exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import sqlalchemy as sa

from domain.model import Channel
from domain.storage import tables as t
from domain.storage.repositories import ConversationRepository
from tests.gateway.webhooks.appkit import PATIENT_PHONE, signed, sms_form
from tests.gateway.webhooks.conftest import Running

Start = Callable[..., Awaitable[Running]]
PATH = "/webhooks/twilio/sms"


async def stored_bodies(running: Running) -> list[str]:
    async with running.db.read() as conn:
        rows = await conn.execute(sa.select(t.messages.c.body).order_by(t.messages.c.created_at))
        return list(rows.scalars())


async def test_a_signed_text_is_stored_and_answered_inline(start: Start) -> None:
    running = await start()
    body, headers = signed(PATH, sms_form("C"))
    response = await running.client.post(PATH, data=body, headers=headers)
    assert response.status == 200
    assert response.content_type == "text/xml"
    xml = await response.text()
    assert "<Message>Thanks, we got your message.</Message>" in xml
    assert await stored_bodies(running) == ["C"]
    assert running.responder.seen[0].patients[0].id == running.clinic.patient.id


async def test_mms_media_links_reach_the_envelope(start: Start) -> None:
    running = await start()
    form = sms_form("photo of my card", NumMedia="2",
                    MediaUrl0="https://api.twilio.com/2010-04-01/Media/ME1",
                    MediaContentType0="image/jpeg",
                    MediaUrl1="https://api.twilio.com/2010-04-01/Media/ME2",
                    MediaContentType1="image/png")
    body, headers = signed(PATH, form)
    assert (await running.client.post(PATH, data=body, headers=headers)).status == 200
    envelope = running.responder.seen[0].envelope
    assert envelope.media == ("https://api.twilio.com/2010-04-01/Media/ME1",
                              "https://api.twilio.com/2010-04-01/Media/ME2")
    assert running.responder.seen[0].message.media == envelope.media


async def test_three_concurrent_deliveries_get_exactly_one_reply(start: Start) -> None:
    running = await start()
    running.responder.delay = 0.05
    body, headers = signed(PATH, sms_form("Yes"))
    responses = await asyncio.gather(
        *(running.client.post(PATH, data=body, headers=headers) for _ in range(3))
    )
    texts = [await r.text() for r in responses]
    assert [r.status for r in responses] == [200, 200, 200]
    assert sum("<Message>" in text for text in texts) == 1
    assert sorted(texts)[:2] == ['<?xml version="1.0" encoding="UTF-8"?><Response />'] * 2
    assert await stored_bodies(running) == ["Yes"]
    assert len(running.responder.seen) == 1


async def test_a_later_duplicate_gets_an_empty_response(start: Start) -> None:
    running = await start()
    body, headers = signed(PATH, sms_form("Yes"))
    assert "<Message>" in await (await running.client.post(PATH, data=body, headers=headers)).text()
    again = await running.client.post(PATH, data=body, headers=headers)
    assert await again.text() == '<?xml version="1.0" encoding="UTF-8"?><Response />'


async def test_missing_or_wrong_signature_is_forbidden(start: Start) -> None:
    running = await start()
    body, headers = signed(PATH, sms_form("Yes"))
    unsigned = {"Content-Type": headers["Content-Type"]}
    assert (await running.client.post(PATH, data=body, headers=unsigned)).status == 403
    forged = dict(headers, **{"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    response = await running.client.post(PATH, data=body, headers=forged)
    assert response.status == 403
    assert "does not match" in (await response.json())["message"]
    tampered = body.replace("Body=Yes", "Body=No")
    assert (await running.client.post(PATH, data=tampered, headers=headers)).status == 403
    _, other = signed(PATH, sms_form("Yes"), token="someone-elses-token")
    assert (await running.client.post(PATH, data=body, headers=other)).status == 403
    assert await stored_bodies(running) == []


async def test_without_twilio_the_webhook_says_so(start: Start) -> None:
    running = await start(twilio=False)
    body, headers = signed(PATH, sms_form("Yes"))
    response = await running.client.post(PATH, data=body, headers=headers)
    assert response.status == 503
    assert "not configured" in (await response.json())["message"]


async def test_bad_requests_get_a_4xx_with_a_reason(start: Start) -> None:
    running = await start()
    client = running.client

    async def post(body: bytes | str, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
        response = await client.post(PATH, data=body, headers=headers)
        return response.status, await response.json()

    body, headers = signed(PATH, sms_form("Yes"))
    assert (await post(body, dict(headers, **{"Content-Type": "application/json"})))[0] == 415
    assert (await post("Body=" + "x" * 70_000, headers))[0] == 413
    bad_utf8, bad_headers = signed(PATH, sms_form("Yes"))
    status, reason = await post(bad_utf8.encode() + b"&Extra=%FF%FE", bad_headers)
    assert status in (400, 403)
    assert (await post(b"Body=\xff\xfe", headers))[0] == 400
    missing = sms_form("Yes")
    del missing["From"]
    status, reason = await post(*signed(PATH, missing))
    assert (status, reason["field"]) == (400, "From")
    status, reason = await post(*signed(PATH, sms_form("Yes", sender="not-a-number")))
    assert (status, reason["field"]) == (400, "From")
    status, reason = await post(*signed(PATH, sms_form("Yes", NumMedia="3")))
    assert (status, reason["field"]) == (400, "MediaUrl0")
    status, reason = await post(*signed(PATH, sms_form("Yes", to="+12025550188")))
    assert (status, reason["error"]) == (404, "unknown_recipient")
    status, reason = await post(*signed(PATH, sms_form("a\x00b")))
    assert status == 400
    assert await stored_bodies(running) == []


async def test_a_patient_texting_a_facility_phone_reaches_the_organisation(
    start: Start,
) -> None:
    running = await start()
    from tests.gateway.webhooks.appkit import FACILITY_PHONE

    body, headers = signed(PATH, sms_form("Running late", to=FACILITY_PHONE))
    assert (await running.client.post(PATH, data=body, headers=headers)).status == 200
    async with running.db.read() as conn:
        thread = await ConversationRepository(conn).find(
            running.clinic.org.id, Channel.SMS, PATIENT_PHONE, FACILITY_PHONE)
    assert thread is not None
