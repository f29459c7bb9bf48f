"""Email for real: EmailSender submits to a real aiosmtpd server; the stdlib smtplib client
delivers to Careline's own SMTP listener, and replies are tied to their thread."""

from __future__ import annotations

import asyncio
import smtplib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from blockbuster import BlockBuster

from channels.base import OutboundMessage, PermanentSendError, TransientSendError
from channels.email import EmailSender, SmtpServer
from channels.unsubscribe import read_unsubscribe_token
from domain.clock import SystemClock
from domain.model import Channel, Message, MessageDirection, MessageStatus, new_id
from domain.storage.database import Database
from domain.storage.repositories import ConversationRepository
from tests.gateway.webhooks import conftest as webhook_fixtures
from tests.gateway.webhooks.appkit import (
    EMAIL_FROM,
    INBOUND_DOMAIN,
    PATIENT_EMAIL,
    PUBLIC_KEY,
    Clinic,
    ensure_channel_tables,
    seed_clinic,
)
from tests.gateway.webhooks.conftest import Running

pytestmark = pytest.mark.integration
# The webhook tests' fixtures: the app with the channels, and the blocking-call detector.
blockbuster = webhook_fixtures.blockbuster
start = webhook_fixtures.start
Start = Callable[..., Awaitable[Running]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list[Envelope] = []
        self.refuse: str | None = None

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
async def smtp_server() -> AsyncIterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(inbox, hostname="mx.test", loop=loop), "127.0.0.1", port)
    yield inbox, port
    server.close()
    await server.wait_closed()


@pytest.fixture
async def clinic_db(
    tmp_path: Path, blockbuster: BlockBuster
) -> AsyncIterator[tuple[Database, Clinic]]:
    blockbuster.deactivate()  # creating the file and migrating may block; sending may not
    try:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
        await db.upgrade()
        await ensure_channel_tables(db)
        clinic = await seed_clinic(db)
    finally:
        blockbuster.activate()
    yield db, clinic
    await db.dispose()


def sender_for(db: Database, port: int) -> EmailSender:
    return EmailSender(SmtpServer("127.0.0.1", port, starttls=False), db, SystemClock(),
                       public_url="https://careline.example", secret="s",
                       inbound_domain=INBOUND_DOMAIN)


def email(clinic: Clinic, **kwargs: object) -> OutboundMessage:
    values: dict[str, object] = {
        "channel": Channel.EMAIL, "to_address": PATIENT_EMAIL, "from_address": None,
        "body": "Your visit is on Tuesday at 9:00.", "subject": "Your visit",
        "idempotency_key": "outbox-7", "metadata": {"org_id": clinic.org.id},
    } | kwargs
    return OutboundMessage(**values)  # type: ignore[arg-type]


async def test_the_sender_submits_a_complete_email(
    smtp_server: tuple[Inbox, int], clinic_db: tuple[Database, Clinic]
) -> None:
    inbox, port = smtp_server
    db, clinic = clinic_db
    result = await sender_for(db, port).send(email(clinic))
    [envelope] = inbox.messages
    assert envelope.mail_from == EMAIL_FROM and envelope.rcpt_tos == [PATIENT_EMAIL]
    msg = message_from_bytes(envelope.original_content or b"", policy=policy.default)
    assert msg["From"] == f"Test Clinic <{EMAIL_FROM}>"
    assert msg["Message-ID"] == f"<{result.provider_id}>"
    assert msg["Reply-To"] == f"{PUBLIC_KEY}@{INBOUND_DOMAIN}"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = msg["List-Unsubscribe"].strip("<>").rpartition("/")[2]
    link = read_unsubscribe_token("s", token)
    assert link is not None and link.address == PATIENT_EMAIL and link.org_id == clinic.org.id
    assert {part.get_content_type() for part in msg.iter_parts()} == {"text/plain", "text/html"}


async def test_refusals_map_to_send_errors(
    smtp_server: tuple[Inbox, int], clinic_db: tuple[Database, Clinic]
) -> None:
    inbox, port = smtp_server
    db, clinic = clinic_db
    inbox.refuse = "550 5.1.1 No such user"
    with pytest.raises(PermanentSendError):
        await sender_for(db, port).send(email(clinic))
    inbox.refuse = "451 4.3.0 Try later"
    with pytest.raises(TransientSendError):
        await sender_for(db, port).send(email(clinic))
    with pytest.raises(TransientSendError):
        await sender_for(db, free_port()).send(email(clinic))
    with pytest.raises(PermanentSendError):
        await sender_for(db, port).send(email(clinic, metadata={}))


def deliver(port: int, msg: EmailMessage, to: str) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(msg, from_addr=PATIENT_EMAIL, to_addrs=[to])


async def test_mail_delivered_to_our_listener_reaches_the_pipeline(start: Start) -> None:
    port = free_port()
    running = await start(CARELINE_SMTP_LISTEN_PORT=str(port))
    running.responder.answers = ["We will call you back today."]
    # A reminder we sent earlier, whose Message-ID the patient's client quotes.
    now = datetime.now(UTC)
    async with running.db.transaction() as conn:
        repo = ConversationRepository(conn)
        thread, _ = await repo.get_or_create(
            org_id=running.clinic.org.id, channel=Channel.EMAIL, patient_address=PATIENT_EMAIL,
            careline_address=EMAIL_FROM, patient_id=None, facility_id=None, at=now)
        await repo.add_message(Message(
            id=new_id(), org_id=running.clinic.org.id, conversation_id=thread.id,
            direction=MessageDirection.OUTBOUND, channel=Channel.EMAIL, body="Reminder",
            status=MessageStatus.SENT, created_at=now, provider_id="rem-1@clinic.example"))
    msg = EmailMessage()
    msg["From"] = f"Avery <{PATIENT_EMAIL}>"
    msg["To"] = f"{PUBLIC_KEY}@{INBOUND_DOMAIN}"
    msg["Subject"] = "Re: Reminder"
    msg["Message-ID"] = "<answer-1@mail.example.com>"
    msg["In-Reply-To"] = "<rem-1@clinic.example>"
    msg.set_content("Please call me.\n\n-- \nAvery\n\n> Reminder text\n")
    await asyncio.to_thread(deliver, port, msg, f"{PUBLIC_KEY}@{INBOUND_DOMAIN}")

    ctx = running.responder.seen[0]
    assert ctx.conversation.id == thread.id
    assert ctx.message.body == "Please call me."
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await asyncio.to_thread(deliver, port, msg, "nobody@elsewhere.example")
    # The same message delivered again is not handled twice.
    await asyncio.to_thread(deliver, port, msg, f"{PUBLIC_KEY}@{INBOUND_DOMAIN}")
    assert len(running.responder.seen) == 1
