"""The outbound senders of each channel, as configured (for the outbox dispatcher).

- SMS and voice: Twilio when ``TWILIO_ACCOUNT_SID``/``TWILIO_AUTH_TOKEN`` are set, otherwise the
  simulator (the embedded default: messages show on /simulator).
- Email: SMTP when ``CARELINE_SMTP_HOST`` is set; otherwise there is no email sender.
- Widget: always (frames to the website chat).
"""

from __future__ import annotations

from channels.base import Sender
from channels.email import EmailSender, SmtpServer
from channels.simulator import SimulatorPhone, SimulatorSender
from channels.twilio_calls import TwilioVoiceSender
from channels.twilio_rest import TwilioRest
from channels.twilio_sms import TwilioSmsSender
from channels.voice_scripts import VoiceScripts
from channels.widget_frames import WidgetFrames, WidgetSender
from domain.clock import Clock
from domain.model import Channel
from domain.storage.database import Database
from gateway.settings import Settings
from gateway.stores.factory import Stores

__all__ = ["build_senders", "close_senders"]


def build_senders(
    settings: Settings, *, db: Database, stores: Stores, clock: Clock
) -> dict[Channel, Sender]:
    """One sender per available channel. Nothing connects before the first send; call
    :func:`close_senders` on shutdown."""
    senders: dict[Channel, Sender] = {}
    public_url = settings.public_url
    if settings.twilio.configured:
        rest = TwilioRest(settings.twilio.account_sid, settings.twilio.auth_token,
                          api_base_url=settings.twilio.api_base_url)
        senders[Channel.SMS] = TwilioSmsSender(
            rest, status_callback=f"{public_url}/webhooks/twilio/status"
        )
        senders[Channel.VOICE] = TwilioVoiceSender(
            rest, VoiceScripts(db), clock, public_url=public_url
        )
    else:
        phone = SimulatorPhone(db, stores.pubsub)
        senders[Channel.SMS] = SimulatorSender(phone, clock, channel=Channel.SMS)
        senders[Channel.VOICE] = SimulatorSender(phone, clock, channel=Channel.VOICE)
    senders[Channel.SIMULATOR] = SimulatorSender(
        SimulatorPhone(db, stores.pubsub), clock, channel=Channel.SIMULATOR
    )
    if settings.smtp.configured:
        smtp = settings.smtp
        senders[Channel.EMAIL] = EmailSender(
            SmtpServer(smtp.host, smtp.port, username=smtp.username, password=smtp.password,
                       starttls=smtp.starttls),
            db, clock, public_url=public_url, secret=settings.resolved_secret_key(),
            inbound_domain=smtp.inbound_domain,
        )
    senders[Channel.WIDGET] = WidgetSender(WidgetFrames(db, stores.pubsub), clock)
    return senders


async def close_senders(senders: dict[Channel, Sender]) -> None:
    """Close the senders' connections (each client once)."""
    closed: set[int] = set()
    for sender in senders.values():
        close = getattr(sender, "aclose", None)
        if close is not None and id(sender) not in closed:
            closed.add(id(sender))
            await close()
