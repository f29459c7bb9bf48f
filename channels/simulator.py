"""The simulator channel: a pretend phone in the browser. Outbound SMS (and calls) to any number
land on its screen when no Twilio account is configured, so the product works with no provider.

The screen is a log per phone number (table ``simulator_messages``); every new line is
published on ``simulator:<number>`` for live viewers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa

from channels.base import OutboundMessage, SendResult, TransientSendError
from domain.clock import Clock
from domain.model import Channel, MessageStatus, new_id
from domain.storage.database import Database
from domain.storage.tables_channels import simulator_messages
from gateway.stores.ports import PubSub

__all__ = ["PhoneLine", "SimulatorPhone", "SimulatorSender", "simulator_channel",
           "simulator_id"]

Direction = Literal["to_phone", "from_phone"]


def simulator_channel(phone: str) -> str:
    """The pub/sub channel of one simulated phone."""
    return f"simulator:{phone}"


def simulator_id() -> str:
    """A provider id for a simulated message (``SIM`` + a unique id)."""
    return "SIM" + new_id()


@dataclass(frozen=True, slots=True)
class PhoneLine:
    """One line on the simulated phone's screen."""

    id: str
    phone: str
    careline_address: str
    direction: Direction
    channel: str
    body: str
    provider_id: str | None
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data


class SimulatorPhone:
    """The simulated phones' screens."""

    def __init__(self, db: Database, pubsub: PubSub) -> None:
        self.db = db
        self.pubsub = pubsub

    async def add(
        self, *, phone: str, careline_address: str, direction: Direction, channel: Channel,
        body: str, provider_id: str | None, now: datetime,
    ) -> PhoneLine:
        """Show a line on ``phone``'s screen and tell live viewers."""
        line = PhoneLine(new_id(), phone, careline_address, direction, channel.value, body,
                         provider_id, now)
        async with self.db.transaction() as conn:
            await conn.execute(simulator_messages.insert().values(**asdict(line)))
        await self.pubsub.publish(simulator_channel(phone), {"line": line.to_json()})
        return line

    async def history(self, phone: str, *, limit: int = 200) -> list[PhoneLine]:
        """The latest ``limit`` lines of ``phone``, oldest first."""
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    sa.select(simulator_messages)
                    .where(simulator_messages.c.phone == phone)
                    .order_by(simulator_messages.c.created_at.desc(),
                              simulator_messages.c.id.desc())
                    .limit(limit)
                )
            ).mappings().all()
        return [PhoneLine(**dict(r)) for r in reversed(rows)]


class SimulatorSender:
    """Delivers outbound messages to the simulated phone (used when Twilio is not configured).

    Args:
        phone: the screens.
        clock: the time source.
        channel: the channel it stands in for (SMS or voice).
    """

    def __init__(self, phone: SimulatorPhone, clock: Clock, *, channel: Channel = Channel.SMS
                 ) -> None:
        self.phone = phone
        self.clock = clock
        self.channel = channel

    async def send(self, message: OutboundMessage) -> SendResult:
        """Show the message on the recipient's simulated phone; delivered at once.

        Raises:
            TransientSendError: the database failed.
        """
        provider_id = simulator_id()
        try:
            await self.phone.add(
                phone=message.to_address, careline_address=message.from_address or "",
                direction="to_phone", channel=self.channel, body=message.body,
                provider_id=provider_id, now=self.clock.now(),
            )
        except Exception as exc:
            raise TransientSendError(f"could not store the simulated message: {exc!r}") from exc
        return SendResult(provider_id, MessageStatus.DELIVERED)

    async def lookup(self, provider_id: str | None, idempotency_key: str) -> MessageStatus | None:
        """A simulated message with an id was delivered."""
        return MessageStatus.DELIVERED if provider_id else None

    async def aclose(self) -> None:
        return None
