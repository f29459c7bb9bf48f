"""``/webhooks/twilio/voice``: reminder calls, menu answers, machines, forwarded calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from channels.voice_scripts import VoiceScript, VoiceScripts
from domain.model import Channel, Message, MessageDirection, MessageStatus, Prompt, new_id
from domain.storage.repositories import ConversationRepository
from tests.gateway.webhooks.appkit import (
    FACILITY_PHONE,
    ORG_PHONE,
    PATIENT_PHONE,
    SMS_NUMBER,
    signed,
    twilio_sid,
)
from tests.gateway.webhooks.conftest import Running

Start = Callable[..., Awaitable[Running]]
PATH = "/webhooks/twilio/voice"


async def script(running: Running, text: str = "Su cita es mañana a las 9.") -> VoiceScript:
    return await VoiceScripts(running.db).add(
        org_id=running.clinic.org.id, to_address=PATIENT_PHONE, from_address=SMS_NUMBER,
        text=text, language="es", outbox_key="reminder:1", now=datetime.now(UTC))


async def call(running: Running, path: str, **fields: str) -> ElementTree.Element:
    form = {"CallSid": fields.pop("CallSid", "CA" + "1" * 32), "AccountSid": "AC" + "0" * 32,
            "Direction": "outbound-api", "From": SMS_NUMBER, "To": PATIENT_PHONE} | fields
    body, headers = signed(path, form)
    response = await running.client.post(path, data=body, headers=headers)
    assert response.status == 200, await response.text()
    assert response.content_type == "text/xml"
    return ElementTree.fromstring(await response.text())


async def test_a_reminder_call_speaks_in_the_patients_language_and_offers_the_menu(
    start: Start,
) -> None:
    running = await start()
    s = await script(running)
    twiml = await call(running, f"{PATH}?script={s.id}", AnsweredBy="human")
    gather = twiml.find("Gather")
    assert gather is not None
    assert gather.get("input") == "dtmf speech" and gather.get("numDigits") == "1"
    assert gather.get("action") == f"https://careline.example{PATH}?script={s.id}&step=1"
    says = gather.findall("Say")
    assert says[0].text == s.text and says[0].get("language") == "es-MX"
    assert "Marque 1 para confirmar" in (says[1].text or "")


async def test_an_answering_machine_gets_the_message_without_the_menu(start: Start) -> None:
    running = await start()
    s = await script(running)
    twiml = await call(running, f"{PATH}?script={s.id}", AnsweredBy="machine_end_beep")
    assert twiml.find("Gather") is None
    assert [e.tag for e in twiml] == ["Say", "Hangup"]
    assert twiml[0].text == s.text


async def test_a_key_press_becomes_an_envelope_through_the_pipeline(start: Start) -> None:
    running = await start()
    running.responder.answers = ["Gracias, su cita está confirmada."]
    s = await script(running)
    sid = "CA" + "2" * 32
    twiml = await call(running, f"{PATH}?script={s.id}&step=1", CallSid=sid, Digits="1")
    assert [e.text for e in twiml.findall("Say")] == ["Gracias, su cita está confirmada."]
    assert twiml.find("Hangup") is not None
    envelope = running.responder.seen[0].envelope
    assert envelope.channel is Channel.VOICE and envelope.provider_message_id == f"{sid}:1"
    assert (envelope.from_address, envelope.to_address) == (PATIENT_PHONE, SMS_NUMBER)
    assert envelope.text == "confirm" and envelope.metadata["digits"] == "1"
    # Twilio retrying the same step is answered again, not processed twice.
    again = await call(running, f"{PATH}?script={s.id}&step=1", CallSid=sid, Digits="1")
    assert [e.text for e in again.findall("Say")] == ["Gracias, su cita está confirmada."]
    assert len(running.responder.seen) == 1


async def test_nine_repeats_the_message_without_acting(start: Start) -> None:
    running = await start()
    s = await script(running)
    twiml = await call(running, f"{PATH}?script={s.id}&step=1", Digits="9")
    gather = twiml.find("Gather")
    assert gather is not None and gather.findall("Say")[0].text == s.text
    assert gather.get("action", "").endswith("step=2")
    assert running.responder.seen == []


async def test_a_spoken_answer_is_passed_on_as_text(start: Start) -> None:
    running = await start()
    s = await script(running)
    await call(running, f"{PATH}?script={s.id}&step=1", SpeechResult="I need to cancel.")
    envelope = running.responder.seen[0].envelope
    assert envelope.text == "I need to cancel." and envelope.metadata["input"] == "speech"


async def add_outbound(running: Running, channel: Channel, *, facility: bool) -> str:
    now = datetime.now(UTC)
    async with running.db.transaction() as conn:
        repo = ConversationRepository(conn)
        thread, _ = await repo.get_or_create(
            org_id=running.clinic.org.id, channel=channel, patient_address=PATIENT_PHONE,
            careline_address=SMS_NUMBER, patient_id=None, facility_id=None, at=now)
        await repo.add_message(Message(
            id=new_id(), org_id=running.clinic.org.id, conversation_id=thread.id,
            direction=MessageDirection.OUTBOUND, channel=channel, body="Reminder: visit at 9.",
            status=MessageStatus.DELIVERED, created_at=now,
            facility_id=running.clinic.facility.id if facility else None))
    return thread.id


async def inbound_call(running: Running, path: str = PATH, **fields: str) -> ElementTree.Element:
    return await call(running, path, Direction="inbound", From=PATIENT_PHONE, To=SMS_NUMBER,
                      **fields)


async def test_an_inbound_call_is_forwarded_to_the_reminders_facility(start: Start) -> None:
    running = await start()
    await add_outbound(running, Channel.SMS, facility=True)
    twiml = await inbound_call(running)
    dial = twiml.find("Dial")
    assert dial is not None and dial.text == FACILITY_PHONE


async def test_without_a_facility_the_call_goes_to_the_organisation(start: Start) -> None:
    running = await start()
    twiml = await inbound_call(running)
    dial = twiml.find("Dial")
    assert dial is not None and dial.text == ORG_PHONE


async def test_an_inbound_call_answering_an_open_prompt_hears_the_menu(start: Start) -> None:
    running = await start()
    thread_id = await add_outbound(running, Channel.VOICE, facility=True)
    now = datetime.now(UTC)
    async with running.db.transaction() as conn:
        await ConversationRepository(conn).add_prompt(Prompt(
            id=new_id(), org_id=running.clinic.org.id, conversation_id=thread_id,
            flow="reminder_reply", state="awaiting", created_at=now,
            expires_at=now + timedelta(days=1)))
    twiml = await inbound_call(running)
    gather = twiml.find("Gather")
    assert gather is not None and gather.findall("Say")[0].text == "Reminder: visit at 9."
    assert gather.get("action", "").endswith(f"{PATH}?step=1")
    answered = await inbound_call(running, f"{PATH}?step=1", Digits="2")
    assert answered.find("Hangup") is not None
    assert running.responder.seen[0].envelope.text == "cancel"
    assert running.responder.seen[0].conversation.id == thread_id


async def test_bad_voice_requests_get_a_4xx(start: Start) -> None:
    running = await start()
    for path, fields, status in [
        (f"{PATH}?script=nope", {}, 404),
        (f"{PATH}?step=99", {}, 400),
        (f"{PATH}?step=1", {"Digits": "1x"}, 400),
        (PATH, {"CallSid": "nope"}, 400),
        (PATH, {"Direction": "inbound", "From": PATIENT_PHONE, "To": "+12025550188"}, 404),
    ]:
        form = {"CallSid": twilio_sid("CA"), "Direction": "outbound-api", "From": SMS_NUMBER,
                "To": PATIENT_PHONE} | fields
        body, headers = signed(path, form)
        response = await running.client.post(path, data=body, headers=headers)
        assert response.status == status, (path, fields, await response.text())
