"""What every outbound channel offers the dispatcher: send a message, map delivery states."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from domain.model import Channel, MessageStatus

__all__ = [
    "OutboundMessage",
    "PermanentSendError",
    "SendResult",
    "Sender",
    "TransientSendError",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboundMessage:
    """A rendered message ready for a provider.

    ``idempotency_key`` is the outbox row id: providers that accept one (or our own
    reconciliation) use it so that a retry after a crash can be matched to the first attempt.
    """

    channel: Channel
    to_address: str
    from_address: str | None
    body: str
    idempotency_key: str
    subject: str | None = None
    html: str | None = None
    media: tuple[str, ...] = ()
    language: str = "en"
    status_callback: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SendResult:
    provider_id: str | None
    status: MessageStatus = MessageStatus.SENT


class SendError(Exception):
    def __init__(self, reason: str, *, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class PermanentSendError(SendError):
    """The provider refused for good (invalid number, opted out at the carrier...)."""


class TransientSendError(SendError):
    """Try again later (timeouts, 5xx, rate limited). The message may or may not have gone:
    ``maybe_sent`` is True when the request reached the provider and the answer was lost."""

    def __init__(self, reason: str, *, code: str | None = None, maybe_sent: bool = False) -> None:
        super().__init__(reason, code=code)
        self.maybe_sent = maybe_sent


class Sender(Protocol):
    channel: Channel

    async def send(self, message: OutboundMessage) -> SendResult:
        """Hand the message to the provider.

        Returns:
            the provider's id for the message and its state.

        Raises:
            PermanentSendError: the provider refused the message for good.
            TransientSendError: a retry may succeed.
        """
        ...

    async def lookup(self, provider_id: str | None, idempotency_key: str) -> MessageStatus | None:
        """Ask the provider what became of a message whose fate is unknown (None: no trace)."""
        ...
