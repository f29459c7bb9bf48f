"""The inbound SMTP listener (aiosmtpd on the application's event loop).

Started when ``CARELINE_SMTP_LISTEN_PORT`` > 0. Recipients are checked at ``RCPT TO`` (an
address no organisation owns is refused with 550); each accepted message goes through the
inbound pipeline (replies through the outbox). A failure to store answers 451 so the sending
server retries later.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from aiosmtpd.smtp import SMTP, Session
from aiosmtpd.smtp import Envelope as SmtpEnvelope

from channels.email_inbound import MAX_EMAIL_BYTES, parse_email
from domain.errors import ValidationError
from domain.model import Channel
from gateway.inbound.errors import UnknownRecipient
from gateway.inbound.keys import ADDRESS_BOOK, PIPELINE
from gateway.keys import CLOCK, DB, SETTINGS
from gateway.logs import get_logger
from gateway.stores.errors import LockTimeout

__all__ = ["InboundMailHandler", "smtp_listener"]

log = get_logger(__name__)


class InboundMailHandler:
    """aiosmtpd handler: checks recipients, hands messages to the pipeline."""

    def __init__(self, app: web.Application) -> None:
        self.app = app

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: SmtpEnvelope, address: str,
        rcpt_options: list[str],
    ) -> str:
        try:
            async with self.app[DB].read() as conn:
                await self.app[ADDRESS_BOOK].organization(conn, Channel.EMAIL, address)
        except UnknownRecipient:
            return "550 5.1.1 No such recipient here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: SmtpEnvelope
    ) -> str:
        raw = envelope.original_content or b""
        for recipient in envelope.rcpt_tos:
            try:
                parsed = parse_email(raw, recipient=recipient,
                                     received_at=self.app[CLOCK].now())
            except ValidationError as exc:
                return f"554 5.6.0 {exc.field} {exc.reason}"
            try:
                await self.app[PIPELINE].receive(parsed, inline=False)
            except LockTimeout:
                return "451 4.3.0 Busy, please try again later"
            except Exception:
                log.exception("smtp_inbound_failed", recipient=recipient)
                return "451 4.3.0 Temporary failure, please try again later"
        return "250 Message accepted"


async def smtp_listener(app: web.Application) -> AsyncIterator[None]:
    """``cleanup_ctx``: serve SMTP on ``CARELINE_SMTP_LISTEN_HOST:PORT`` while the app runs."""
    smtp = app[SETTINGS].smtp
    if smtp.listen_port <= 0:
        yield
        return
    loop = asyncio.get_running_loop()
    handler = InboundMailHandler(app)

    def protocol() -> Any:
        return SMTP(handler, hostname=smtp.inbound_domain, ident="Careline",
                    data_size_limit=MAX_EMAIL_BYTES, enable_SMTPUTF8=True, loop=loop)

    server = await loop.create_server(protocol, smtp.listen_host, smtp.listen_port)
    log.info("smtp_listening", host=smtp.listen_host, port=smtp.listen_port)
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()
