"""Outbound email over SMTP (aiosmtplib), in the organisation's name.

The sender reads from ``OutboundMessage``: ``to_address``, ``body`` (text), ``html``,
``subject``, ``from_address`` (else the organisation's ``messaging.email_from``), and
``metadata``: ``org_id`` (required: the sender name and the unsubscribe link belong to the
organisation), optional ``in_reply_to`` and ``references`` (Message-IDs, for replies).
The provider id returned is the Message-ID we generate (without angle brackets), so that a
patient's reply (``In-Reply-To``) is tied back to the thread.
"""

from __future__ import annotations

import aiosmtplib

from channels.base import (
    OutboundMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)
from channels.email_message import OutgoingEmail, build_email, new_message_id
from channels.unsubscribe import unsubscribe_token, unsubscribe_url
from domain.clock import Clock
from domain.errors import NotFound
from domain.model import Channel, MessageStatus
from domain.storage.database import Database
from domain.storage.repositories import PracticeRepository

__all__ = ["EmailSender", "SmtpServer"]

UNCONFIGURED_INBOUND_DOMAIN = "careline.invalid"


class SmtpServer:
    """Where and how to submit mail."""

    def __init__(
        self, host: str, port: int, *, username: str = "", password: str = "",
        starttls: bool = True, timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout


class EmailSender:
    """Sends email through an SMTP server.

    Args:
        server: the SMTP submission server.
        db: to read the organisation's sender name and address.
        clock: the time source.
        public_url: ``CARELINE_PUBLIC_URL`` for unsubscribe links.
        secret: the key that signs unsubscribe links.
        inbound_domain: replies go to ``<public_key>@<inbound_domain>`` (when configured).
    """

    channel = Channel.EMAIL

    def __init__(
        self, server: SmtpServer, db: Database, clock: Clock, *, public_url: str, secret: str,
        inbound_domain: str,
    ) -> None:
        self.server = server
        self.db = db
        self.clock = clock
        self.public_url = public_url
        self.secret = secret
        self.inbound_domain = inbound_domain

    async def send(self, message: OutboundMessage) -> SendResult:
        """Submit the email.

        Raises:
            PermanentSendError: no organisation, or the server refused the recipient (5xx).
            TransientSendError: the server was unreachable or answered 4xx.
        """
        org_id = message.metadata.get("org_id")
        if not isinstance(org_id, str):
            raise PermanentSendError("the message names no organisation (metadata org_id)")
        async with self.db.read() as conn:
            try:
                org = await PracticeRepository(conn).organization(org_id)
            except NotFound:
                raise PermanentSendError(f"unknown organisation {org_id}") from None
        identity = org.settings.messaging
        sender = message.from_address or identity.email_from
        domain = sender.rpartition("@")[2] or "careline.invalid"
        message_id = new_message_id(domain, message.idempotency_key)
        token = unsubscribe_token(self.secret, org.id, message.to_address, sender)
        reply_to = None
        if self.inbound_domain != UNCONFIGURED_INBOUND_DOMAIN:
            reply_to = f"{org.public_key}@{self.inbound_domain}"
        references = message.metadata.get("references")
        in_reply_to = message.metadata.get("in_reply_to")
        mail = OutgoingEmail(
            sender_name=identity.email_sender_name or org.name,
            sender_address=sender,
            to_address=message.to_address,
            subject=message.subject or f"A message from {org.name}",
            text=message.body,
            html=message.html,
            message_id=message_id,
            date=self.clock.now(),
            unsubscribe_url=unsubscribe_url(self.public_url, token),
            reply_to=reply_to,
            in_reply_to=in_reply_to if isinstance(in_reply_to, str) else None,
            references=tuple(r for r in references if isinstance(r, str))
            if isinstance(references, list) else (),
            headers=dict(message.headers),
        )
        await self._submit(mail)
        return SendResult(message_id, MessageStatus.SENT)

    async def _submit(self, mail: OutgoingEmail) -> None:
        server = self.server
        try:
            await aiosmtplib.send(
                build_email(mail),
                hostname=server.host,
                port=server.port,
                username=server.username or None,
                password=server.password or None,
                start_tls=server.starttls,
                timeout=server.timeout,
                # Given, so that aiosmtplib does not look up our name (a blocking call).
                local_hostname=mail.sender_address.rpartition("@")[2] or "localhost",
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            reason = f"the mail server refused the recipient: {exc}"
            code = str(codes[0]) if codes else None
            if codes and all(500 <= c < 600 for c in codes):
                raise PermanentSendError(reason, code=code) from exc
            raise TransientSendError(reason, code=code) from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentSendError(exc.message, code=str(exc.code)) from exc
            raise TransientSendError(exc.message, code=str(exc.code), maybe_sent=False) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TransientSendError(f"mail server unavailable: {exc}") from exc

    async def lookup(self, provider_id: str | None, idempotency_key: str) -> MessageStatus | None:
        """SMTP keeps no queryable record: unknown."""
        return None

    async def aclose(self) -> None:
        return None
