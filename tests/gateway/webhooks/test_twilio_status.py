"""``/webhooks/twilio/status``: delivery states, error codes, carrier opt-outs, bad numbers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import sqlalchemy as sa

from domain.model import (
    Channel,
    ContactKind,
    ContactValidity,
    DncSource,
    Message,
    MessageDirection,
    MessageStatus,
    new_id,
)
from domain.storage import tables as t
from domain.storage.repositories import ConversationRepository, PatientRepository
from tests.gateway.webhooks.appkit import PATIENT_PHONE, SMS_NUMBER, signed, twilio_sid
from tests.gateway.webhooks.conftest import Running

Start = Callable[..., Awaitable[Running]]
PATH = "/webhooks/twilio/status"


async def sent_message(running: Running, *, channel: Channel = Channel.SMS) -> Message:
    now = datetime.now(UTC)
    async with running.db.transaction() as conn:
        repo = ConversationRepository(conn)
        thread, _ = await repo.get_or_create(
            org_id=running.clinic.org.id, channel=channel, patient_address=PATIENT_PHONE,
            careline_address=SMS_NUMBER, patient_id=running.clinic.patient.id,
            facility_id=None, at=now)
        message = Message(id=new_id(), org_id=running.clinic.org.id, conversation_id=thread.id,
                          direction=MessageDirection.OUTBOUND, channel=channel,
                          body="Your visit is tomorrow", status=MessageStatus.SENT,
                          created_at=now, provider_id=twilio_sid("CA" if channel is Channel.VOICE
                                                                 else "SM"))
        await repo.add_message(message)
    return message


async def report(running: Running, form: dict[str, str]) -> int:
    body, headers = signed(PATH, form)
    return (await running.client.post(PATH, data=body, headers=headers)).status


async def current(running: Running, message: Message) -> Message:
    async with running.db.read() as conn:
        found = await ConversationRepository(conn).message_by_provider_id(
            message.channel, message.provider_id or "")
    assert found is not None
    return found


def status_form(message: Message, status: str, code: str = "") -> dict[str, str]:
    form = {"MessageSid": message.provider_id or "", "MessageStatus": status,
            "To": PATIENT_PHONE, "From": SMS_NUMBER}
    return form | ({"ErrorCode": code} if code else {})


async def test_delivery_states_move_forward_only(start: Start) -> None:
    running = await start()
    message = await sent_message(running)
    assert await report(running, status_form(message, "delivered")) == 204
    delivered = await current(running, message)
    assert delivered.status is MessageStatus.DELIVERED and delivered.delivered_at is not None
    # A late "sent" callback does not undo "delivered".
    assert await report(running, status_form(message, "sent")) == 204
    assert (await current(running, message)).status is MessageStatus.DELIVERED


async def test_a_failure_records_the_error_code_and_an_event(start: Start) -> None:
    running = await start()
    message = await sent_message(running)
    assert await report(running, status_form(message, "undelivered", "30007")) == 204
    failed = await current(running, message)
    assert (failed.status, failed.error_code) == (MessageStatus.UNDELIVERED, "30007")
    async with running.db.read() as conn:
        events = (await conn.execute(sa.select(t.domain_events))).mappings().all()
    assert [(e["kind"], e["payload"]["error_code"]) for e in events] == [
        ("delivery_failed", "30007")]


async def test_carrier_opt_out_puts_the_number_on_do_not_contact(start: Start) -> None:
    running = await start()
    message = await sent_message(running)
    assert await report(running, status_form(message, "failed", "21610")) == 204
    async with running.db.read() as conn:
        entries = await PatientRepository(conn).dnc_entries(running.clinic.org.id)
    assert [(e.address, e.source, e.careline_number) for e in entries] == [
        (PATIENT_PHONE, DncSource.CARRIER, SMS_NUMBER)]


async def validity(running: Running) -> dict[ContactKind, ContactValidity]:
    async with running.db.read() as conn:
        patient = await PatientRepository(conn).get(running.clinic.patient.id)
    return {c.kind: c.validity for c in patient.contacts if c.value == PATIENT_PHONE}


async def test_a_landline_error_stops_texts_but_not_calls(start: Start) -> None:
    running = await start()
    message = await sent_message(running)
    assert await report(running, status_form(message, "undelivered", "30006")) == 204
    assert await validity(running) == {ContactKind.SMS: ContactValidity.LANDLINE,
                                       ContactKind.VOICE: ContactValidity.UNKNOWN}


async def test_an_unknown_handset_marks_the_number_invalid(start: Start) -> None:
    running = await start()
    message = await sent_message(running)
    assert await report(running, status_form(message, "undelivered", "30005")) == 204
    assert await validity(running) == {ContactKind.SMS: ContactValidity.INVALID,
                                       ContactKind.VOICE: ContactValidity.INVALID}


async def test_call_status_callbacks_update_the_call(start: Start) -> None:
    running = await start()
    call = await sent_message(running, channel=Channel.VOICE)
    form = {"CallSid": call.provider_id or "", "CallStatus": "no-answer",
            "To": PATIENT_PHONE, "From": SMS_NUMBER}
    assert await report(running, form) == 204
    assert (await current(running, call)).status is MessageStatus.UNDELIVERED


async def test_an_unknown_message_is_accepted_and_still_applies_the_code(start: Start) -> None:
    running = await start()
    form = {"MessageSid": twilio_sid("SM"), "MessageStatus": "failed", "ErrorCode": "21610",
            "To": PATIENT_PHONE, "From": SMS_NUMBER}
    assert await report(running, form) == 204
    async with running.db.read() as conn:
        assert len(await PatientRepository(conn).dnc_entries(running.clinic.org.id)) == 1


async def test_malformed_callbacks_are_refused_with_a_reason(start: Start) -> None:
    running = await start()
    message = await sent_message(running)
    for form, field in [
        (status_form(message, "teleported"), "MessageStatus"),
        ({"MessageStatus": "sent"}, "SmsSid"),
        (status_form(message, "failed", "abc"), "ErrorCode"),
    ]:
        body, headers = signed(PATH, form)
        response = await running.client.post(PATH, data=body, headers=headers)
        assert response.status == 400 and (await response.json())["field"] == field
