"""The bot behind widget conversations, through the inbound pipeline: Ask a nurse lands in the
Hub, booking verifies with a code sent to the contact on file and books in the database, staff
take over after a hand-over, other channels are left alone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from channels.envelope import Envelope
from domain.model import Channel, ContactKind, new_id
from domain.storage import tables as t
from domain.storage import tables_bot as b
from domain.storage import tables_hub as h
from gateway.inbound.keys import PIPELINE
from tests.gateway.bot.harness import Site, start_site


@pytest.fixture
async def site(aiohttp_client: Any, tmp_path: Path) -> Site:
    return await start_site(aiohttp_client, tmp_path)


async def chat(site: Site, session: str, *texts: str) -> list[str]:
    said: list[str] = []
    for text in texts:
        said = await site.say(session, text)
    return said


async def latest_code(site: Site) -> tuple[str, str]:
    """The newest one-time code in the outbox and where it goes."""
    rows = await site.rows(sa.select(t.outbox.c.body, t.outbox.c.to_address)
                           .order_by(t.outbox.c.created_at.desc()).limit(1))
    match = re.search(r"code is (\d{6})", rows[0]["body"])
    assert match is not None
    return match.group(1), rows[0]["to_address"]


async def test_ask_a_nurse_opens_an_unassigned_hub_chat_for_a_new_patient(site: Site) -> None:
    said = await chat(site, "ws_nurse", "Ask a nurse", "Robin Quarry", "02/29/1988",
                      "robin@example.org", "Can I take ibuprofen with my prescription?")
    assert said == ["Thank you, Robin. Your question is with our nurses; they will answer here."]
    conversation = await site.conversation_of("ws_nurse")
    assert conversation["status"] == "open" and conversation["assignee_id"] is None
    assert conversation["unread"]
    (chat_row,) = await site.rows(sa.select(h.hub_chats).where(
        h.hub_chats.c.conversation_id == conversation["id"]))
    assert chat_row["reason"] == "bot_handover"
    (patient,) = await site.rows(sa.select(t.patients).where(
        t.patients.c.id == conversation["patient_id"]))
    assert patient["placeholder"] and (patient["first_name"], patient["last_name"]) == (
        "Robin", "Quarry")
    assert str(patient["date_of_birth"]) == "1988-02-29"
    (contact,) = await site.rows(sa.select(t.contact_points.c.value).where(
        t.contact_points.c.patient_id == patient["id"]))
    assert contact["value"] == "robin@example.org"
    (note,) = await site.rows(sa.select(t.notes.c.body).where(
        t.notes.c.conversation_id == conversation["id"]))
    assert "Can I take ibuprofen" in note["body"] and "robin@example.org" in note["body"]

    response = await site.client.get("/api/conversations?queue=unassigned",
                                     headers=site.auth(site.user_with_role("admin")))
    assert response.status == 200
    items = (await response.json())["items"]
    assert conversation["id"] in {item["id"] for item in items}


async def test_after_the_hand_over_staff_answer_and_the_bot_is_quiet(site: Site) -> None:
    await chat(site, "ws_quiet", "Ask a nurse", "Robin Quarry", "02/29/1988",
               "robin@example.org", "A question")
    assert await site.say("ws_quiet", "Are you there?") == []
    conversation = await site.conversation_of("ws_quiet")
    messages = await site.rows(sa.select(t.messages.c.body, t.messages.c.direction)
                               .where(t.messages.c.conversation_id == conversation["id"])
                               .order_by(t.messages.c.created_at, t.messages.c.id))
    assert messages[-1] == {"body": "Are you there?", "direction": "inbound"}
    (session,) = await site.rows(sa.select(b.bot_sessions).where(
        b.bot_sessions.c.conversation_id == conversation["id"]))
    assert session["status"] == "staff" and session["next_check_at"] is None


async def test_ask_a_nurse_from_a_known_patient_goes_to_their_profile(site: Site) -> None:
    patient = site.patient_with_sms(1)
    assert patient.date_of_birth is not None
    await chat(site, "ws_known", "Ask a nurse", f"{patient.first_name} {patient.last_name}",
               patient.date_of_birth.isoformat(), "+1 212 555 0199", "Is my lab result in?")
    conversation = await site.conversation_of("ws_known")
    assert conversation["patient_id"] == patient.id


async def test_booking_verifies_with_a_code_and_books_the_chosen_slot(site: Site) -> None:
    patient = site.patient_with_sms(0)
    assert patient.date_of_birth is not None
    began = site.clock.now()
    said = await chat(site, "ws_book", "Book an appointment",
                      f"{patient.first_name} {patient.last_name}",
                      patient.date_of_birth.strftime("%m/%d/%Y"))
    sms = patient.contacts_of(ContactKind.SMS)[0].value
    assert said == [f"I sent a code to your phone number ending in {sms[-4:]}. "
                    "Please type it here."]
    code, destination = await latest_code(site)
    assert destination == sms  # the contact on file, never one the visitor typed
    (times,) = await site.say("ws_book", code)
    options = re.findall(r"^(\d)\. (.+)$", times, flags=re.M)
    assert len(options) >= 2
    said = await site.say("ws_book", options[1][1])
    assert said[0].startswith(f"You're booked for {options[1][1]}")

    appointments = await site.rows(sa.select(t.appointments).where(
        t.appointments.c.patient_id == patient.id, t.appointments.c.created_at >= began))
    (booked,) = appointments
    assert booked["status"] == "booked"
    slots = await site.rows(sa.select(t.open_slots.c.state).where(
        t.open_slots.c.start == booked["start"],
        t.open_slots.c.provider_id == booked["provider_id"]))
    assert {"state": "booked"} in slots
    conversation = await site.conversation_of("ws_book")
    assert conversation["patient_id"] == patient.id
    (session,) = await site.rows(sa.select(b.bot_sessions.c.verified))
    assert session["verified"]

    # End conversation, then Feedback: stored, and the chat is kept, closed, in the Hub.
    await chat(site, "ws_book", "No, that's all", "Great", "Quick and easy, thanks")
    (feedback,) = await site.rows(sa.select(b.bot_feedback))
    assert (feedback["rating"], feedback["comment"]) == (5, "Quick and easy, thanks")
    conversation = await site.conversation_of("ws_book")
    assert conversation["status"] == "closed"
    (hub_chat,) = await site.rows(sa.select(h.hub_chats.c.reason))
    assert hub_chat["reason"] == "bot_transcript"


async def test_five_wrong_codes_and_staff_take_over(site: Site) -> None:
    patient = site.patient_with_sms(2)
    assert patient.date_of_birth is not None
    began = site.clock.now()
    await chat(site, "ws_guess", "Book an appointment", f"{patient.first_name} {patient.last_name}",
               patient.date_of_birth.isoformat())
    code, _ = await latest_code(site)
    wrong = "000000" if code != "000000" else "111111"
    said = await site.say("ws_guess", wrong)
    assert said == ["That code doesn't match. Please check it and try again (4 tries left)."]
    for _ in range(3):
        await site.say("ws_guess", wrong)
    said = await site.say("ws_guess", wrong)
    assert said[0] == "I couldn't verify you with that code, so our team will help you book."
    assert said[1].startswith("I'll pass your message on to our team.")
    await site.say("ws_guess", code)  # too late: the code no longer verifies anyone
    (session,) = await site.rows(sa.select(b.bot_sessions.c.verified))
    assert not session["verified"]
    assert await site.rows(sa.select(t.appointments.c.id).where(
        t.appointments.c.created_at >= began)) == []


async def test_the_transcript_is_every_message_in_order(site: Site) -> None:
    await chat(site, "ws_order", "Book an appointment", "Nobody Known", "01/01/1990")
    conversation = await site.conversation_of("ws_order")
    rows = await site.rows(sa.select(t.messages.c.body, t.messages.c.direction)
                           .where(t.messages.c.conversation_id == conversation["id"])
                           .order_by(t.messages.c.created_at, t.messages.c.id))
    assert [r["body"].split("\n")[0] for r in rows] == [
        "Book an appointment",
        "I can book an appointment for you. First I need to check who you are.",
        "What is your full name?",
        "Nobody Known",
        "What is your date of birth? For example 03/14/1985.",
        "01/01/1990",
        "I couldn't find a patient with that name and date of birth. What would you like to do?",
    ]


async def test_messages_of_other_channels_do_not_reach_the_bot(site: Site) -> None:
    envelope = Envelope(channel=Channel.SMS, provider_message_id=f"SM{new_id()}",
                        from_address="+12125550999", to_address="+18885550123",
                        text="Book an appointment", received_at=site.clock.now())
    result = await site.app[PIPELINE].receive(envelope)
    assert not any("book an appointment for you" in r for r in result.replies)
    assert await site.rows(sa.select(b.bot_sessions.c.id)) == []


async def test_nobody_can_probe_the_records_by_name_and_birth_date(site: Site) -> None:
    patient = site.patient_with_sms(4)
    assert patient.date_of_birth is not None
    await site.say("ws_probe", "Book an appointment")
    for guess in range(5):
        await chat(site, "ws_probe", f"Someone Else{'x' * guess}", "01/01/1990", "Try again")
    await site.say("ws_probe", f"{patient.first_name} {patient.last_name}")
    said = await site.say("ws_probe", patient.date_of_birth.isoformat())
    assert said[0].startswith("I couldn't find a patient")  # the sixth look-up is not made
    assert await site.rows(sa.select(t.outbox.c.id).where(
        t.outbox.c.patient_id == patient.id, t.outbox.c.body.like("%verification code%"))) == []
