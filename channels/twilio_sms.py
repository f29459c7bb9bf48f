"""SMS and MMS through Twilio: inbound webhook form → Envelope, TwiML answers, outbound sender."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TypedDict

from twilio.base import values

from channels import _twilio_fields as f
from channels.base import OutboundMessage, PermanentSendError, SendResult
from channels.envelope import Envelope
from channels.twilio_rest import TwilioRest, message_status, send_error
from domain.model import Channel, MessageStatus

__all__ = ["EMPTY_TWIML", "MAX_MEDIA", "SmsWebhookForm", "TwilioSmsSender", "messaging_twiml",
           "parse_inbound_sms"]

MAX_MEDIA = 10
"""Twilio attaches at most 10 media to an MMS."""


class SmsWebhookForm(TypedDict, total=False):
    """The fields of Twilio's incoming-message webhook that Careline reads."""

    MessageSid: str
    SmsSid: str
    AccountSid: str
    From: str
    To: str
    Body: str
    NumMedia: str
    NumSegments: str
    MediaUrl0: str
    MediaContentType0: str


def parse_inbound_sms(form: Mapping[str, str], *, received_at: datetime) -> Envelope:
    """The envelope of an incoming SMS/MMS webhook.

    Args:
        form: the (signature-checked) form fields.
        received_at: when it arrived.

    Raises:
        ValidationError: a field is missing or malformed; ``field`` names it.
    """
    sid_field = "MessageSid" if form.get("MessageSid") else "SmsSid"
    message_sid = f.sid(form, sid_field, ("SM", "MM"))
    sender = f.e164(form, "From")
    recipient = f.e164(form, "To")
    body = f.optional(form, "Body", max_length=1600 * 4)
    media_count = f.count(form, "NumMedia", maximum=MAX_MEDIA)
    media = tuple(f.media_url(form, f"MediaUrl{i}") for i in range(media_count))
    types = [f.optional(form, f"MediaContentType{i}", max_length=100) for i in range(media_count)]
    return Envelope(
        channel=Channel.SMS,
        provider_message_id=message_sid,
        from_address=sender,
        to_address=recipient,
        text=body,
        media=media,
        received_at=received_at,
        metadata={"media_types": types} if media else {},
    )


_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
EMPTY_TWIML = _XML_DECLARATION + "<Response />"
"""The answer that sends nothing (what ``str(MessagingResponse())`` gives)."""


def messaging_twiml(replies: Sequence[str]) -> str:
    """TwiML answering with ``replies`` (an empty ``<Response/>`` for none).

    The text is what ``MessagingResponse`` with one ``message(reply)`` per reply serialises
    to, character for character (tests/channels/test_twiml_template.py compares them), built
    without ElementTree: this answers every inbound SMS, and the tree costs tens of
    microseconds per reply.
    """
    if not replies:
        return EMPTY_TWIML
    return "".join([_XML_DECLARATION, "<Response>", *map(_message, replies), "</Response>"])


def _message(text: str) -> str:
    """One ``<Message>`` as ElementTree writes it in UTF-8: ``&``, ``<`` and ``>`` escaped,
    characters UTF-8 cannot encode (lone surrogates) as character references, and an empty
    text as an empty element (MessagingResponse leaves out a falsy body)."""
    if not text:
        return "<Message />"
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if not text.isascii():
        text = text.encode("utf-8", "xmlcharrefreplace").decode("utf-8")
    return f"<Message>{text}</Message>"


class TwilioSmsSender:
    """Sends SMS/MMS with the official client; delivery comes back on the status callback.

    Args:
        rest: the Twilio client holder.
        status_callback: URL of ``/webhooks/twilio/status`` as Twilio reaches it.
    """

    channel = Channel.SMS

    def __init__(self, rest: TwilioRest, *, status_callback: str) -> None:
        self.rest = rest
        self.status_callback = status_callback

    async def send(self, message: OutboundMessage) -> SendResult:
        """Create the message at Twilio.

        Raises:
            PermanentSendError: no sending number, or Twilio refused (e.g. 21610 opted out).
            TransientSendError: rate limited, Twilio or the network failed.
        """
        if not message.from_address:
            raise PermanentSendError("no sending number (set the organisation's SMS number)")
        media: object = list(message.media) if message.media else values.unset
        try:
            created = await self.rest.client().api.v2010.account.messages.create_async(
                to=message.to_address,
                from_=message.from_address,
                body=message.body,
                media_url=media,
                status_callback=message.status_callback or self.status_callback,
            )
        except Exception as exc:
            raise send_error(exc) from exc
        status = message_status(created.status or "") or MessageStatus.QUEUED
        return SendResult(created.sid, status)

    async def lookup(self, provider_id: str | None, idempotency_key: str) -> MessageStatus | None:
        """The message's state at Twilio (None without a provider id: Twilio keeps no key)."""
        if provider_id is None:
            return None
        try:
            found = await self.rest.client().api.v2010.account.messages(provider_id).fetch_async()
        except Exception as exc:
            raise send_error(exc) from exc
        return message_status(found.status or "")

    async def aclose(self) -> None:
        await self.rest.aclose()
