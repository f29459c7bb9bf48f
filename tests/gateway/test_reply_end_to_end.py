"""End to end through signed Twilio webhooks: a reminder went out, the patient answers by SMS,
and the app (channels + dialog manager) acts and answers inline with TwiML."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient
from blockbuster import BlockBuster, blockbuster_ctx

from domain.clock import MovableClock
from domain.model import ConversationStatus
from domain.storage import tables as t
from domain.storage import tables_hub as h
from domain.storage.repositories import ConversationRepository
from gateway.app import create_app
from gateway.dialog_responder import setup_dialogs
from gateway.keys import DB
from gateway.webhooks import setup_channels
from tests.dialogs.clinic import NOW, PATIENT_PHONE, SMS_NUMBER, Clinic, events, prepare, seed
from tests.gateway.webhooks.appkit import settings_for, signed, sms_form

PATH = "/webhooks/twilio/sms"
EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'


@pytest.fixture(autouse=True)
def blockbuster() -> Iterator[BlockBuster]:
    """Fail any test whose code makes a blocking call on the event loop."""
    with blockbuster_ctx() as detector:
        yield detector


@dataclass
class Running:
    client: TestClient
    clinic: Clinic

    async def text(self, body: str) -> str:
        """Send ``body`` from the patient's phone as a signed Twilio webhook; the TwiML."""
        payload, headers = signed(PATH, sms_form(body, sender=PATIENT_PHONE, to=SMS_NUMBER))
        response = await self.client.post(PATH, data=payload, headers=headers)
        assert response.status == 200
        return await response.text()

    async def appointment(self) -> dict[str, object]:
        async with self.client.app[DB].read() as conn:
            row = (await conn.execute(sa.select(t.appointments).where(
                t.appointments.c.id == self.clinic.appointment.id))).mappings().one()
        return dict(row)


def _schema(app: web.Application) -> None:
    async def tables(app: web.Application) -> AsyncIterator[None]:
        await prepare(app[DB])  # migrations, plus tables of parts not migrated yet
        yield

    app.cleanup_ctx.append(tables)


@pytest.fixture
async def running(
    aiohttp_client: Callable[..., Awaitable[TestClient]], tmp_path: Path, blockbuster: BlockBuster
) -> Running:
    blockbuster.deactivate()  # start-up reads migrations from disk
    try:
        app = create_app(settings_for(tmp_path), clock=MovableClock(NOW, frozen=True),
                         migrate=True, features=[_schema, setup_channels, setup_dialogs])
        client = await aiohttp_client(app)
        clinic = await seed(client.app[DB])
    finally:
        blockbuster.activate()
    return Running(client, clinic)


async def test_c_confirms_the_appointment_and_answers(running: Running) -> None:
    twiml = await running.text("C")
    assert "<Message>Thank you! Your appointment on Thu, Mar 12 at 11:00 AM is confirmed." in twiml
    row = await running.appointment()
    assert (row["status"], row["confirmation"]) == ("booked", "confirmed")
    assert [e["kind"] for e in await events(running.client.app[DB], "appointment.confirmed")] == [
        "appointment.confirmed"]


async def test_2_cancels_and_invites_to_the_waitlist(running: Running) -> None:
    twiml = await running.text("2")
    assert "has been cancelled" in twiml and "cancellation fee may apply" in twiml
    row = await running.appointment()
    assert row["status"] == "noshow" and row["no_show_fee_notice"] is True
    (invite,) = await events(running.client.app[DB], "waitlist.invite")
    assert invite["payload"]["appointment_id"] == running.clinic.appointment.id
    assert invite["payload"]["patient_id"] == running.clinic.patient.id


async def test_a_question_goes_to_the_hub_unassigned_without_a_guess(running: Running) -> None:
    assert await running.text("What time?") == EMPTY
    row = await running.appointment()
    assert (row["status"], row["confirmation"]) == ("booked", "unconfirmed")
    async with running.client.app[DB].read() as conn:
        conversation = await ConversationRepository(conn).get(running.clinic.conversation.id)
        in_hub = (await conn.execute(sa.select(h.hub_chats).where(
            h.hub_chats.c.conversation_id == conversation.id))).first()
        outbound = (await conn.execute(sa.select(sa.func.count()).select_from(t.messages).where(
            t.messages.c.conversation_id == conversation.id,
            t.messages.c.direction == "outbound",
            t.messages.c.created_at >= NOW))).scalar_one()
    assert conversation.status is ConversationStatus.OPEN
    assert conversation.assignee_id is None and conversation.unread
    assert in_hub is not None
    assert outbound == 0, "no automatic answer"


async def test_a_duplicate_delivery_is_acted_on_once(running: Running) -> None:
    payload, headers = signed(PATH, sms_form("C", sender=PATIENT_PHONE, to=SMS_NUMBER))
    first = await (await running.client.post(PATH, data=payload, headers=headers)).text()
    again = await (await running.client.post(PATH, data=payload, headers=headers)).text()
    assert "confirmed" in first and again == EMPTY
    assert len(await events(running.client.app[DB], "appointment.confirmed")) == 1


async def test_stop_then_c_is_not_acted_on(running: Running) -> None:
    assert "unsubscribed" in await running.text("STOP")
    assert await running.text("C") == EMPTY
    assert (await running.appointment())["confirmation"] == "unconfirmed"
