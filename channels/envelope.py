"""The normalised inbound message: every channel turns its provider's payload into this."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.model import Channel

__all__ = ["Envelope"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """One message from a patient (or a caller's answer), whatever the channel.

    Attributes:
        channel: the channel it came on.
        provider_message_id: the provider's id (MessageSid, CallSid + step, email Message-ID,
            widget frame id): the idempotency key of the message.
        from_address: the patient's address (E.164 number, email address, widget session id).
        to_address: our address it was sent to (the Careline number, inbound email address,
            the widget's organisation key).
        text: the text, with quoted email history and signatures already stripped.
        media: links to attached media (MMS images, email attachments stored by us).
        received_at: when Careline received it (aware, UTC).
        in_reply_to: for email, the Message-ID it answers (ties replies to conversations).
        metadata: channel specifics that flows may read (e.g. ``{"digits": "1"}`` for voice).
    """

    channel: Channel
    provider_message_id: str
    from_address: str
    to_address: str
    text: str
    received_at: datetime
    media: tuple[str, ...] = ()
    in_reply_to: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def conversation_key(self) -> str:
        """Messages with the same key belong to one conversation and are handled in order."""
        return f"{self.channel.value}:{self.to_address}:{self.from_address}"

    @property
    def idempotency_key(self) -> str:
        return f"inbound:{self.channel.value}:{self.provider_message_id}"
