"""Email unsubscribe links, and the simulator page and API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from channels.unsubscribe import unsubscribe_token
from domain.model import DncSource
from domain.storage.repositories import PatientRepository
from tests.gateway.webhooks.appkit import EMAIL_FROM, PATIENT_EMAIL, PATIENT_PHONE, SMS_NUMBER
from tests.gateway.webhooks.conftest import Running

Start = Callable[..., Awaitable[Running]]


async def test_unsubscribe_asks_first_then_adds_the_address_to_do_not_contact(
    start: Start,
) -> None:
    running = await start()
    token = unsubscribe_token("test-secret-key", running.clinic.org.id, PATIENT_EMAIL, EMAIL_FROM)
    page = await running.client.get(f"/unsubscribe/{token}")
    assert page.status == 200 and '<form method="post">' in await page.text()
    async with running.db.read() as conn:
        assert await PatientRepository(conn).dnc_entries(running.clinic.org.id) == []
    # One-click (RFC 8058) posts this body; the page's button posts an empty form.
    for _ in range(2):
        done = await running.client.post(f"/unsubscribe/{token}",
                                         data={"List-Unsubscribe": "One-Click"})
        assert done.status == 200 and "unsubscribed" in await done.text()
    async with running.db.read() as conn:
        entries = await PatientRepository(conn).dnc_entries(running.clinic.org.id)
    assert [(e.address, e.source, e.patient_id) for e in entries] == [
        (PATIENT_EMAIL, DncSource.PATIENT_OPT_OUT, running.clinic.patient.id)]


async def test_a_forged_unsubscribe_link_is_refused(start: Start) -> None:
    running = await start()
    forged = unsubscribe_token("another-secret", running.clinic.org.id, PATIENT_EMAIL, None)
    for method in ("GET", "POST"):
        response = await running.client.request(method, f"/unsubscribe/{forged}")
        assert response.status == 404
    assert (await running.client.get("/unsubscribe/%3Cscript%3E")).status == 404


async def test_the_simulator_texts_as_a_patient_through_the_pipeline(start: Start) -> None:
    running = await start(twilio=False)
    client = running.client
    page = await client.get("/simulator")
    assert page.status == 200 and "Careline simulator" in await page.text()
    assert (await client.get("/simulator/static/simulator.js")).status == 200
    config = await (await client.get("/simulator/api/config")).json()
    assert config["organizations"][0]["number"] == SMS_NUMBER
    assert config["organizations"][0]["patients"][0]["phone"] == PATIENT_PHONE

    path = f"/simulator/api/phones/{PATIENT_PHONE}"
    async with client.get(f"{path}/live") as live:
        sent = await client.post(f"{path}/lines", json={"text": "<b>C</b>", "id": "abc1"})
        assert sent.status == 200, await sent.text()
        lines = (await sent.json())["lines"]
        assert [(line["direction"], line["body"]) for line in lines] == [
            ("from_phone", "<b>C</b>"), ("to_phone", "Thanks, we got your message.")]
        async with asyncio.timeout(3):
            first = await live.content.readuntil(b"\n\n")
        assert b"event: line" in first and b"&lt;" not in first and b"<b>C</b>" in first
    envelope = running.responder.seen[0].envelope
    assert envelope.provider_message_id == "SIMabc1" and envelope.to_address == SMS_NUMBER
    again = await client.post(f"{path}/lines", json={"text": "<b>C</b>", "id": "abc1"})
    assert (await again.json()) == {"duplicate": True, "lines": []}
    history = await (await client.get(f"{path}/lines")).json()
    assert len(history["lines"]) == 2


async def test_simulator_keys_answer_a_call(start: Start) -> None:
    running = await start(twilio=False)
    sent = await running.client.post(f"/simulator/api/phones/{PATIENT_PHONE}/lines",
                                     json={"text": "1", "channel": "voice"})
    assert sent.status == 200
    assert running.responder.seen[0].envelope.text == "confirm"


async def test_the_simulator_is_off_when_twilio_is_configured(start: Start) -> None:
    running = await start(twilio=True)
    assert (await running.client.get("/simulator")).status == 404
    response = await running.client.post(f"/simulator/api/phones/{PATIENT_PHONE}/lines",
                                         json={"text": "hi"})
    assert response.status == 404


async def test_bad_simulator_requests_get_a_4xx(start: Start) -> None:
    running = await start(twilio=False)
    client = running.client
    assert (await client.get("/simulator/api/phones/12/lines")).status == 422
    for body, status in [({"text": ""}, 400), ({"text": "x" * 2000}, 400),
                         ({"text": "hi", "channel": "fax"}, 400), ({"text": "hi", "to": 5}, 400),
                         ({"text": "hi", "to": "+12025550188"}, 404),
                         ({"text": "hi", "id": "../../etc"}, 400)]:
        response = await client.post(f"/simulator/api/phones/{PATIENT_PHONE}/lines", json=body)
        assert response.status == status, (body, await response.text())
