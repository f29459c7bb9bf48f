"""PIT-04: a text from a number nobody on file has is answered with the identity check (name,
then date of birth) when the organisation asks for it, and the check is installed with the
dialog manager."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.envelope import Envelope
from dialogs.flows import identity
from dialogs.manager import DialogManager
from domain.model import Channel, Message, MessageDirection, MessageStatus, new_id
from domain.org_settings import HubSettings
from domain.storage.repositories import ConversationRepository
from gateway.dialog_responder import DIALOG_MANAGER, DialogResponder, setup_dialogs
from gateway.hub.identity_check import IdentityCheckingManager
from gateway.inbound.keys import RESPONDER
from gateway.inbound.responder import InboundContext
from tests.gateway.hub.harness import Clinic, Template, start_from

Hub = tuple[TestClient[Any, Any], Clinic]
UNKNOWN = "+17185550163"
ASK_NAME = identity.identity_text("ask_name", "en").text
ASK_DOB = identity.identity_text("ask_dob", "en").text
DONE = identity.identity_text("done", "en").text


def _responder() -> DialogResponder:
    manager = DialogManager()
    manager.register(identity.FLOW)
    return DialogResponder(IdentityCheckingManager(manager))


async def _text(clinic: Clinic, responder: DialogResponder, text: str, *, verify: bool,
                address: str = UNKNOWN) -> list[str]:
    org = replace(clinic.data.organization, settings=replace(
        clinic.data.organization.settings, hub=HubSettings(identity_verification=verify)))
    patients = tuple(p for p in clinic.data.patients
                     if any(c.value == address for c in p.contacts))

    async def arrive(conn: AsyncConnection) -> list[str]:
        repo = ConversationRepository(conn)
        now = clinic.clock.now()
        thread, created = await repo.get_or_create(
            org_id=clinic.org_id, channel=Channel.SMS, patient_address=address,
            careline_address="+18885550123",
            patient_id=patients[0].id if len(patients) == 1 else None, facility_id=None,
            at=now)
        message = Message(id=new_id(), org_id=clinic.org_id, conversation_id=thread.id,
                          direction=MessageDirection.INBOUND, channel=Channel.SMS, body=text,
                          status=MessageStatus.RECEIVED, created_at=now)
        await repo.add_message(message)
        envelope = Envelope(channel=Channel.SMS, provider_message_id=message.id,
                            from_address=address, to_address="+18885550123", text=text,
                            received_at=now)
        return await responder.respond(conn, InboundContext(
            org=org, conversation=thread, message=message, envelope=envelope,
            patients=patients, conversation_created=created, now=now))

    answers: list[str] = await clinic.run(arrive)
    return answers


async def test_an_unknown_sender_is_asked_for_name_then_date_of_birth(hub: Hub) -> None:
    _, clinic = hub
    responder = _responder()
    assert await _text(clinic, responder, "hi, can I move my visit?", verify=True) == [ASK_NAME]
    assert await _text(clinic, responder, "Jordan Avery", verify=True) == [ASK_DOB]
    assert await _text(clinic, responder, "04/27/1985", verify=True) == [DONE]
    # The check is over: the next text is an ordinary chat message, with no new question.
    assert await _text(clinic, responder, "thanks!", verify=True) == []


async def test_nothing_is_asked_when_the_organisation_does_not_verify(hub: Hub) -> None:
    _, clinic = hub
    assert await _text(clinic, _responder(), "hello?", verify=False) == []


async def test_a_known_patient_is_not_asked(hub: Hub) -> None:
    _, clinic = hub
    patient = next(p for p in clinic.data.patients
                   if p.contacts and p.contacts[0].kind.value == "sms")
    answers = await _text(clinic, _responder(), "is parking free?", verify=True,
                          address=patient.contacts[0].value)
    assert ASK_NAME not in answers


async def test_the_hub_installs_the_check_with_the_dialog_manager(
        hub_template: Template, aiohttp_client: Any, tmp_path: Path) -> None:
    client, _ = await start_from(hub_template, aiohttp_client, tmp_path,
                                 features=[setup_dialogs])
    app = client.app
    assert identity.SPEC.name in app[DIALOG_MANAGER].flows
    responder = app[RESPONDER]
    assert isinstance(responder, DialogResponder)
    assert isinstance(responder.manager, IdentityCheckingManager)
    assert responder.manager.inner is app[DIALOG_MANAGER]
