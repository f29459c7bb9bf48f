"""Patient messages into the Hub (PIT-01, PIT-02, HUB-14): who the chat belongs to, which
facility sees it, and the automatic answer of a deployment without flows."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.envelope import Envelope
from domain.model import (
    Channel,
    ContactKind,
    ContactPoint,
    Message,
    MessageDirection,
    MessageStatus,
    new_id,
)
from domain.org_settings import HubSettings
from domain.storage import tables as t
from domain.storage.repositories import ConversationRepository, PatientRepository
from gateway.hub.intake import HubResponder, route_to_hub
from gateway.inbound.responder import InboundContext
from tests.gateway.hub.harness import Clinic

Hub = tuple[TestClient, Clinic]


async def test_an_unknown_number_gets_a_placeholder_profile_with_a_temporary_id(hub: Hub
                                                                                ) -> None:
    _, clinic = hub
    chat = await clinic.text_in(None, "Do you see new patients?", address="+17185550150")
    async with clinic.db.read() as conn:
        placeholder = await PatientRepository(conn).get(chat.patient_id or "")
    assert placeholder.placeholder
    assert placeholder.mrn is not None and len(placeholder.mrn) == len("TEMP-") + 6
    assert [c.value for c in placeholder.contacts] == ["+17185550150"]
    again = await clinic.text_in(None, "hello again?", address="+17185550150")
    assert again.patient_id == chat.patient_id  # one placeholder per sender


async def test_a_number_shared_by_two_patients_is_left_for_staff(hub: Hub) -> None:
    _, clinic = hub
    first, second = clinic.patient_at("downtown", index=0), clinic.patient_at("downtown",
                                                                               index=1)
    shared = first.contacts_of(ContactKind.SMS)[0].value
    updated = replace(second, contacts=(*second.contacts,
                                        ContactPoint(kind=ContactKind.SMS, value=shared)))
    await clinic.run(lambda conn: PatientRepository(conn).replace_contacts(updated,
                                                                           clinic.clock.now()))
    chat = await clinic.text_in(first, "this is the mum of both")
    assert chat.patient_id is None
    async with clinic.db.read() as conn:
        placeholders = (await conn.execute(sa.select(sa.func.count()).select_from(t.patients)
                                           .where(t.patients.c.placeholder))).scalar_one()
    assert placeholders == 0


async def test_a_text_to_a_facility_number_belongs_to_that_facility(hub: Hub) -> None:
    _, clinic = hub
    lakeside = next(f for f in clinic.data.facilities if "Lakeside" in f.name)
    now = clinic.clock.now()

    async def arrive(conn: AsyncConnection) -> str | None:
        repo = ConversationRepository(conn)
        thread, _ = await repo.get_or_create(
            org_id=clinic.org_id, channel=Channel.SMS, patient_address="+17185550151",
            careline_address=lakeside.phone or "", patient_id=None, facility_id=None, at=now)
        intake = await route_to_hub(conn, conversation=thread, text="hi", message_id=None,
                                    patients=[], settings=HubSettings(), now=now)
        return intake.conversation.facility_id

    assert await clinic.run(arrive) == lakeside.id


async def test_the_responder_routes_unexpected_texts_and_auto_replies_once(hub: Hub) -> None:
    _, clinic = hub
    org = replace(clinic.data.organization, settings=replace(
        clinic.data.organization.settings,
        hub=HubSettings(auto_reply="Thanks, we will answer within one business day.")))
    responder = HubResponder()

    async def arrive(conn: AsyncConnection, text: str) -> list[str]:
        repo = ConversationRepository(conn)
        now = clinic.clock.now()
        thread, created = await repo.get_or_create(
            org_id=clinic.org_id, channel=Channel.SMS, patient_address="+17185550152",
            careline_address="+18885550123", patient_id=None, facility_id=None, at=now)
        message = Message(id=new_id(), org_id=clinic.org_id, conversation_id=thread.id,
                          direction=MessageDirection.INBOUND, channel=Channel.SMS, body=text,
                          status=MessageStatus.RECEIVED, created_at=now)
        await repo.add_message(message)
        envelope = Envelope(channel=Channel.SMS, provider_message_id=message.id,
                            from_address="+17185550152", to_address="+18885550123", text=text,
                            received_at=now)
        return await responder.respond(conn, InboundContext(
            org=org, conversation=thread, message=message, envelope=envelope, patients=(),
            conversation_created=created, now=now))

    first = await clinic.run(lambda conn: arrive(conn, "first text"))
    second = await clinic.run(lambda conn: arrive(conn, "second text"))
    assert first == ["Thanks, we will answer within one business day."]
    assert second == []
