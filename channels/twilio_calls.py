"""Outbound reminder calls through the official Twilio client."""

from __future__ import annotations

from urllib.parse import urlencode

from channels.base import OutboundMessage, PermanentSendError, SendResult
from channels.twilio_rest import TwilioRest, call_status, send_error
from channels.voice_scripts import VoiceScripts
from domain.clock import Clock
from domain.model import Channel, MessageStatus

__all__ = ["TwilioVoiceSender"]


class TwilioVoiceSender:
    """Places a call whose TwiML comes from ``/webhooks/twilio/voice?script=<id>``.

    The text is stored first (``voice_scripts``); Twilio asks the webhook for it when the call
    is answered, with answering-machine detection on, so a machine hears it without the menu.

    Args:
        rest: the Twilio client holder.
        scripts: where call texts are kept.
        clock: the time source.
        public_url: ``CARELINE_PUBLIC_URL``, as Twilio reaches Careline.
    """

    channel = Channel.VOICE

    def __init__(
        self, rest: TwilioRest, scripts: VoiceScripts, clock: Clock, *, public_url: str
    ) -> None:
        self.rest = rest
        self.scripts = scripts
        self.clock = clock
        self.public_url = public_url.rstrip("/")

    async def send(self, message: OutboundMessage) -> SendResult:
        """Store the script and create the call.

        Raises:
            PermanentSendError: no calling number, or Twilio refused the number.
            TransientSendError: rate limited, Twilio or the network failed.
        """
        if not message.from_address:
            raise PermanentSendError("no calling number (set the organisation's SMS number)")
        org_id = message.metadata.get("org_id")
        script = await self.scripts.add(
            org_id=org_id if isinstance(org_id, str) else None,
            to_address=message.to_address, from_address=message.from_address,
            text=message.body, language=message.language, outbox_key=message.idempotency_key,
            now=self.clock.now(),
        )
        url = f"{self.public_url}/webhooks/twilio/voice?{urlencode({'script': script.id})}"
        try:
            call = await self.rest.client().api.v2010.account.calls.create_async(
                to=message.to_address,
                from_=message.from_address,
                url=url,
                method="POST",
                machine_detection="Enable",
                status_callback=message.status_callback
                or f"{self.public_url}/webhooks/twilio/status",
            )
        except Exception as exc:
            raise send_error(exc) from exc
        return SendResult(call.sid, call_status(call.status or "") or MessageStatus.QUEUED)

    async def lookup(self, provider_id: str | None, idempotency_key: str) -> MessageStatus | None:
        """The call's state at Twilio (None without a provider id)."""
        if provider_id is None:
            return None
        try:
            found = await self.rest.client().api.v2010.account.calls(provider_id).fetch_async()
        except Exception as exc:
            raise send_error(exc) from exc
        return call_status(found.status or "")

    async def aclose(self) -> None:
        await self.rest.aclose()
