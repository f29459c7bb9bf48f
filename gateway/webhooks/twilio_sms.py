"""``POST /webhooks/twilio/sms`` and ``POST /webhooks/twilio/status``.

The SMS webhook answers inline with TwiML (``<Response><Message>…``); a duplicate delivery of
the same MessageSid gets an empty ``<Response/>``. The status callback records delivery states
and error codes (see channels/twilio_status.py) and answers 204.
"""

from __future__ import annotations

from aiohttp import web

from channels.twilio_sms import messaging_twiml, parse_inbound_sms
from channels.twilio_status import parse_status_callback
from domain.errors import ValidationError
from gateway.inbound.delivery import apply_status
from gateway.inbound.keys import ADDRESS_BOOK
from gateway.keys import CLOCK, DB
from gateway.webhooks._forms import invalid, read_twilio_form
from gateway.webhooks._receive import receive

__all__ = ["sms_webhook", "status_webhook"]


async def sms_webhook(request: web.Request) -> web.Response:
    """Receive an SMS/MMS and answer with TwiML."""
    form = await read_twilio_form(request)
    try:
        envelope = parse_inbound_sms(form, received_at=request.app[CLOCK].now())
    except ValidationError as exc:
        raise invalid(exc) from None
    result = await receive(request.app, envelope)
    replies = [] if result.duplicate else result.replies
    return web.Response(text=messaging_twiml(replies), content_type="text/xml")


async def status_webhook(request: web.Request) -> web.Response:
    """Record a message or call status callback."""
    form = await read_twilio_form(request)
    try:
        update = parse_status_callback(form)
    except ValidationError as exc:
        raise invalid(exc) from None
    await apply_status(
        request.app[DB], update, now=request.app[CLOCK].now(),
        addresses=request.app[ADDRESS_BOOK],
    )
    return web.Response(status=204)
