"""Errors of the inbound pipeline, with structured fields (mapped to HTTP in gateway/errors.py)."""

from __future__ import annotations

from domain.errors import NotFound
from domain.model import Channel

__all__ = ["UnknownRecipient"]


class UnknownRecipient(NotFound):
    """No organisation owns the address a message was sent to (answered 404).

    Attributes:
        channel: the channel the message came on.
        address: our address as the provider gave it.
    """

    code = "unknown_recipient"

    def __init__(self, channel: Channel, address: str) -> None:
        super().__init__("recipient", address)
        self.channel = channel
        self.address = address
        self.message = f"no organisation receives {channel.value} messages at {address!r}"

    def to_dict(self) -> dict[str, object]:
        return {"error": self.code, "channel": self.channel.value, "message": self.message}
