"""The widget's server frames, numbered per session and kept in a bounded backlog, so a client
that reconnects gets exactly the frames it missed, from whichever gateway process; and the
outbound sender that appends to it (staff answers, dispatcher messages).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from channels.base import OutboundMessage, SendResult, TransientSendError
from channels.widget import ServerFrame, message_frame
from domain.clock import Clock
from domain.model import Channel, MessageStatus
from domain.storage.database import Database
from domain.storage.tables_channels import widget_frames
from gateway.stores.ports import PubSub

__all__ = ["BACKLOG", "STAFF_KINDS", "WidgetFrames", "WidgetSender", "frame_sender",
           "widget_channel"]

BACKLOG = 200
"""Frames kept per session; older ones are pruned (a resume from before them gets a gap)."""
_ATTEMPTS = 8
STAFF_KINDS = frozenset({"staff", "secure_link"})
"""Outbox ``metadata["kind"]`` values written by a person in the Hub."""


def frame_sender(metadata: Mapping[str, Any]) -> Literal["staff", "bot"]:
    """Who the widget shows as the author of an outbound message.

    Staff replies (``metadata["sender"] == "staff"`` or an outbox ``kind`` of ``staff`` or
    ``secure_link``) are shown as staff, so they are not mistaken for the bot and a numbered
    list in them is not turned into answer buttons; everything else is the bot's.
    """
    if metadata.get("sender") == "staff" or metadata.get("kind") in STAFF_KINDS:
        return "staff"
    return "bot"


def widget_channel(session_id: str) -> str:
    """The pub/sub channel that wakes the sockets of a session."""
    return f"widget:{session_id}"


class WidgetFrames:
    """Storage of numbered frames (table ``widget_frames``), plus the wake-up publish."""

    def __init__(self, db: Database, pubsub: PubSub, *, keep: int = BACKLOG) -> None:
        self.db = db
        self.pubsub = pubsub
        self.keep = keep

    async def append(
        self, session_id: str, org_id: str | None, frames: Sequence[ServerFrame], now: datetime
    ) -> list[ServerFrame]:
        """Number and store ``frames`` (consecutive seqs), prune the backlog, wake sockets.

        Returns:
            the frames with their ``seq``.
        """
        for attempt in range(_ATTEMPTS):
            try:
                stored = await self._append_once(session_id, org_id, frames, now)
            except IntegrityError:
                # Another process numbered a frame at the same time: take the next numbers.
                if attempt == _ATTEMPTS - 1:
                    raise
                continue
            if stored:
                await self.pubsub.publish(widget_channel(session_id), {"seq": stored[-1]["seq"]})
            return stored
        raise AssertionError("unreachable")

    async def _append_once(
        self, session_id: str, org_id: str | None, frames: Sequence[ServerFrame], now: datetime
    ) -> list[ServerFrame]:
        async with self.db.transaction() as conn:
            last = (
                await conn.execute(
                    sa.select(sa.func.max(widget_frames.c.seq)).where(
                        widget_frames.c.session_id == session_id
                    )
                )
            ).scalar() or 0
            stored: list[ServerFrame] = []
            for offset, frame in enumerate(frames, start=1):
                numbered = cast(ServerFrame, {**frame, "seq": last + offset})
                stored.append(numbered)
            if not stored:
                return stored
            await conn.execute(
                widget_frames.insert(),
                [
                    {"session_id": session_id, "seq": f["seq"], "org_id": org_id,
                     "frame": dict(f), "created_at": now}
                    for f in stored
                ],
            )
            await conn.execute(
                widget_frames.delete().where(
                    widget_frames.c.session_id == session_id,
                    widget_frames.c.seq <= stored[-1]["seq"] - self.keep,
                )
            )
        return stored

    async def since(self, session_id: str, last_seq: int) -> list[ServerFrame]:
        """Kept frames with ``seq > last_seq``, in order."""
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    sa.select(widget_frames.c.frame)
                    .where(widget_frames.c.session_id == session_id,
                           widget_frames.c.seq > last_seq)
                    .order_by(widget_frames.c.seq)
                    .limit(self.keep)
                )
            ).scalars().all()
        return [cast(ServerFrame, dict(cast(dict[str, Any], r))) for r in rows]

    async def bounds(self, session_id: str) -> tuple[int, int]:
        """(oldest kept seq, latest seq); (0, 0) for a session without frames."""
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    sa.select(sa.func.min(widget_frames.c.seq), sa.func.max(widget_frames.c.seq))
                    .where(widget_frames.c.session_id == session_id)
                )
            ).first()
        if row is None or row[1] is None:
            return 0, 0
        return int(row[0]), int(row[1])


class WidgetSender:
    """Delivers outbound messages to a widget session (``to_address`` is the session id).

    The frame's sender comes from :func:`frame_sender`; ``metadata["org_id"]`` is kept with
    the frame.
    """

    channel = Channel.WIDGET

    def __init__(self, frames: WidgetFrames, clock: Clock) -> None:
        self.frames = frames
        self.clock = clock

    async def send(self, message: OutboundMessage) -> SendResult:
        """Append the message to the session's frames; connected sockets get it at once and
        a reconnecting client on resume.

        Raises:
            TransientSendError: the database failed.
        """
        sender = frame_sender(message.metadata)
        org_id = message.metadata.get("org_id")
        frame = message_frame(message.body, sender, self.clock.now())
        try:
            stored = await self.frames.append(
                message.to_address, org_id if isinstance(org_id, str) else None, [frame],
                self.clock.now(),
            )
        except Exception as exc:
            raise TransientSendError(f"could not store the widget frame: {exc!r}") from exc
        return SendResult(f"{message.to_address}:{stored[0]['seq']}", MessageStatus.DELIVERED)

    async def lookup(self, provider_id: str | None, idempotency_key: str) -> MessageStatus | None:
        """Frames are stored synchronously: a provider id means delivered."""
        return MessageStatus.DELIVERED if provider_id else None

    async def aclose(self) -> None:
        return None
