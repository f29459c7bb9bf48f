"""Secure messages (HUB-02, HUB-06): the text carries only a link; the patient proves who they
are with a one-time code sent to a contact on file, then reads the message and attachments."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from domain.model import Conversation
from domain.storage import tables as t
from tests.gateway.hub.harness import Clinic

Hub = tuple[TestClient, Clinic]
PDF = b"%PDF-1.4\n% test results\n"
SECRET_BODY = "Your biopsy came back benign."


def form(body: str = SECRET_BODY, *, facility: str | None = None,
         files: list[tuple[str, bytes, str]] | None = None) -> FormData:
    data = FormData()
    data.add_field("body", body)
    if facility:
        data.add_field("facility_id", facility)
    for name, content, kind in files if files is not None else [("results.pdf", PDF,
                                                                  "application/pdf")]:
        data.add_field("attachments", content, filename=name, content_type=kind)
    return data


async def send(client: TestClient, clinic: Clinic, chat: Conversation, data: FormData,
               status: int = 201) -> Any:
    response = await client.post(f"/api/conversations/{chat.id}/secure-messages", data=data,
                                 headers=clinic.auth("downtown"))
    assert response.status == status, await response.text()
    return await response.json()


async def outbox_bodies(clinic: Clinic, kind: str) -> list[dict[str, Any]]:
    async with clinic.db.read() as conn:
        rows = await conn.execute(sa.select(t.outbox).where(t.outbox.c.kind == kind)
                                  .order_by(t.outbox.c.created_at))
        return [dict(r) for r in rows.mappings()]


async def link_of(clinic: Clinic) -> str:
    [row] = await outbox_bodies(clinic, "secure_link")
    found = re.search(r"/secure/[\w-]+", row["body"])
    assert found is not None
    return found.group(0)


async def test_the_text_carries_a_link_and_nothing_sensitive(hub: Hub) -> None:
    client, clinic = hub
    chat = await clinic.text_in(clinic.patient_at("downtown"), "any news on my results?")
    created = await send(client, clinic, chat, form(facility=clinic.facility("downtown")))
    assert created["attachments"] == 1
    [row] = await outbox_bodies(clinic, "secure_link")
    assert SECRET_BODY not in row["body"] and "results" not in row["body"]
    assert row["body"].startswith("Riverbend Health: you have a new secure message.")
    assert row["to_address"] == chat.patient_address
    assert row["context"]["author_id"] == clinic.user("downtown").id


async def test_the_patient_reads_it_after_a_code_sent_to_a_contact_on_file(hub: Hub) -> None:
    client, clinic = hub
    patient = clinic.patient_at("downtown")
    chat = await clinic.text_in(patient, "any news on my results?")
    await send(client, clinic, chat, form(facility=clinic.facility("downtown")))
    link = await link_of(clinic)
    page = await client.get(link)
    assert page.status == 200 and SECRET_BODY not in await page.text()
    assert (await client.get(f"{link}/message")).status == 401

    info = await (await client.get(f"{link}/info")).json()
    number = patient.contacts[0].value
    assert info["contacts"][0]["masked"] == f"***-***-{number[-4:]}"
    assert number not in str(info)

    asked = await client.post(f"{link}/code", json={"contact": 0})
    assert asked.status == 202
    [code_row] = await outbox_bodies(clinic, "transactional")
    assert code_row["to_address"] == number
    code = re.search(r"\b(\d{6})\b", code_row["body"]).group(1)  # type: ignore[union-attr]

    wrong = await client.post(f"{link}/verify", json={"code": "000000" if code != "000000"
                                                      else "111111"})
    assert wrong.status == 422
    right = await client.post(f"{link}/verify", json={"code": code})
    assert right.status == 200
    message = await (await client.get(f"{link}/message")).json()
    assert message["body"] == SECRET_BODY
    [attachment] = message["attachments"]
    download = await client.get(f"{link}/attachments/{attachment['id']}")
    assert download.status == 200 and await download.read() == PDF
    assert download.headers["Content-Disposition"] == 'attachment; filename="results.pdf"'

    panel = await (await client.get(f"/api/patients/{patient.id}",
                                    headers=clinic.auth("downtown"))).json()
    assert [login["success"] for login in panel["logins"]] == [True, False]
    detail = await (await client.get(f"/api/conversations/{chat.id}",
                                     headers=clinic.auth("downtown"))).json()
    assert detail["secure_messages"][0]["opened_at"] is not None


async def test_five_wrong_codes_void_the_code(hub: Hub) -> None:
    client, clinic = hub
    chat = await clinic.text_in(clinic.patient_at("downtown"), "hi")
    await send(client, clinic, chat, form(facility=clinic.facility("downtown")))
    link = await link_of(clinic)
    await client.post(f"{link}/code", json={"contact": 0})
    [code_row] = await outbox_bodies(clinic, "transactional")
    code = re.search(r"\b(\d{6})\b", code_row["body"]).group(1)  # type: ignore[union-attr]
    wrong = "123456" if code != "123456" else "654321"
    for _ in range(5):
        assert (await client.post(f"{link}/verify", json={"code": wrong})).status == 422
    late = await client.post(f"{link}/verify", json={"code": code})
    assert late.status == 422
    assert "expired" in (await late.json())["message"]


async def test_codes_expire_and_links_expire(hub: Hub) -> None:
    client, clinic = hub
    chat = await clinic.text_in(clinic.patient_at("downtown"), "hi")
    await send(client, clinic, chat, form(facility=clinic.facility("downtown")))
    link = await link_of(clinic)
    await client.post(f"{link}/code", json={"contact": 0})
    [code_row] = await outbox_bodies(clinic, "transactional")
    code = re.search(r"\b(\d{6})\b", code_row["body"]).group(1)  # type: ignore[union-attr]
    clinic.clock.advance(timedelta(minutes=11))
    assert (await client.post(f"{link}/verify", json={"code": code})).status == 422
    clinic.clock.advance(timedelta(hours=72))
    assert (await client.get(f"{link}/info")).status == 404


async def test_codes_cannot_be_asked_for_in_a_burst(hub: Hub) -> None:
    client, clinic = hub
    chat = await clinic.text_in(clinic.patient_at("downtown"), "hi")
    await send(client, clinic, chat, form(facility=clinic.facility("downtown")))
    link = await link_of(clinic)
    assert (await client.post(f"{link}/code", json={"contact": 0})).status == 202
    assert (await client.post(f"{link}/code", json={"contact": 0})).status == 429
    assert (await client.post(f"{link}/code", data="contact=0",
                              headers={"Content-Type": "application/x-www-form-urlencoded"}
                              )).status == 415


async def test_attachment_types_and_sizes_are_limited(hub: Hub) -> None:
    client, clinic = hub
    chat = await clinic.text_in(clinic.patient_at("downtown"), "hi")
    facility = clinic.facility("downtown")
    program = await send(client, clinic, chat, form(facility=facility, files=[
        ("setup.exe", b"MZ\x90\x00", "application/x-msdownload")]), status=422)
    assert "not allowed" in program["message"]
    disguised = await send(client, clinic, chat, form(facility=facility, files=[
        ("scan.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")]), status=422)
    assert "not application/pdf" in disguised["message"]
    await client.patch("/api/settings/hub", headers=clinic.auth("admin"),
                       json={"hub": {"attachment_max_bytes": 10}})
    large = await send(client, clinic, chat, form(facility=facility), status=422)
    assert "at most 10 bytes" in large["message"]
    assert await outbox_bodies(clinic, "secure_link") == []


async def test_an_unidentified_sender_cannot_get_a_secure_message(hub: Hub) -> None:
    client, clinic = hub
    chat = await clinic.text_in(None, "hello", address="+17185550145")
    await client.patch(f"/api/conversations/{chat.id}", headers=clinic.auth("admin"),
                       json={"facility_id": clinic.facility("downtown")})
    refused = await send(client, clinic, chat, form(facility=clinic.facility("downtown")),
                         status=409)
    assert "identify" in refused["message"]


async def test_a_made_up_link_says_nothing(hub: Hub) -> None:
    client, _ = hub
    response = await client.get("/secure/not-a-real-link-token/info")
    assert response.status == 404
    assert (await client.get("/secure/x/info")).status == 404
