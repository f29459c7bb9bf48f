"""``GET /widget/ws?token=...[&last_seq=N]``: the website widget's WebSocket (protocol:
docs/widget-protocol.md).

Every server frame of the conversation is numbered and stored first (channels/widget_frames.py);
this socket only forwards stored frames past its cursor, woken by pub/sub (any process may
append) and by a slow poll in case a wake-up was lost. So a reconnecting client that sends its
last seen ``seq`` gets exactly what it missed, and nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from aiohttp import WSMsgType, web

from channels.envelope import Envelope
from channels.widget import (
    ClientMessage,
    FrameError,
    Ping,
    ServerFrame,
    WidgetSession,
    error_frame,
    message_frame,
    parse_client_frame,
    read_session,
)
from channels.widget_frames import WidgetFrames, widget_channel
from domain.model import Channel, Organization
from gateway.errors import bad_request
from gateway.inbound.keys import ADDRESS_BOOK, PIPELINE
from gateway.keys import CLOCK, DB, STORES
from gateway.logs import get_logger
from gateway.stores.errors import LockTimeout
from gateway.webhooks.keys import SECRET, WIDGET_FRAMES

__all__ = ["MAX_WIRE_BYTES", "socket_handler"]

log = get_logger(__name__)

MAX_WIRE_BYTES = 64 * 1024
"""Frames beyond this close the socket (1009); smaller oversized frames get an error frame."""
POLL_SECONDS = 15.0
SESSION_RATE, SESSION_BURST = 1.0, 5
IP_RATE, IP_BURST = 5.0, 30


class _Connection:
    """One socket: forwards stored frames past ``cursor`` and handles client frames."""

    def __init__(self, request: web.Request, ws: web.WebSocketResponse, session: WidgetSession,
                 org: Organization, cursor: int) -> None:
        self.app = request.app
        self.ip = request.remote or "unknown"
        self.ws = ws
        self.session = session
        self.org = org
        self.cursor = cursor
        self.frames: WidgetFrames = request.app[WIDGET_FRAMES]
        self.wake = asyncio.Event()
        self.lock = asyncio.Lock()

    async def send(self, frame: ServerFrame) -> None:
        async with self.lock:
            await self.ws.send_json(frame)

    async def forward(self) -> None:
        """Send every stored frame past the cursor, in order."""
        async with self.lock:
            for frame in await self.frames.since(self.session.session_id, self.cursor):
                if self.ws.closed:
                    return
                await self.ws.send_json(frame)
                self.cursor = frame["seq"]

    async def resume(self, last_seq: int) -> None:
        oldest, latest = await self.frames.bounds(self.session.session_id)
        async with self.lock:
            self.cursor = min(last_seq, latest)
            if oldest and self.cursor < oldest - 1:
                await self.ws.send_json({"type": "gap", "from": self.cursor + 1, "to": oldest - 1})
                self.cursor = oldest - 1
        await self.forward()

    async def pump(self) -> None:
        """Forward frames whenever woken (pub/sub or our own appends), or every few seconds."""
        while not self.ws.closed:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):
                    await self.wake.wait()
            self.wake.clear()
            await self.forward()

    async def listen(self) -> None:
        channel = widget_channel(self.session.session_id)
        async with self.app[STORES].pubsub.subscribe(channel) as sub:
            async for _ in sub:
                self.wake.set()

    async def handle(self, data: str) -> None:
        try:
            frame = parse_client_frame(data)
        except FrameError as exc:
            await self.send(error_frame(exc.code, exc.message, exc.frame_id))
            return
        if isinstance(frame, Ping):
            await self.send({"type": "pong", **({"id": frame.id} if frame.id else {})})
        elif isinstance(frame, ClientMessage):
            await self.message(frame)
        else:
            await self.resume(frame.last_seq)

    async def message(self, frame: ClientMessage) -> None:
        limiter = self.app[STORES].rate_limiter
        if not (
            await limiter.try_acquire(f"widget:s:{self.session.session_id}",
                                      rate=SESSION_RATE, burst=SESSION_BURST)
            and await limiter.try_acquire(f"widget:ip:{self.ip}", rate=IP_RATE, burst=IP_BURST)
        ):
            await self.send(error_frame("rate_limited", "slow down: too many messages", frame.id))
            return
        now = self.app[CLOCK].now()
        envelope = Envelope(
            channel=Channel.WIDGET, provider_message_id=f"{self.session.session_id}:{frame.id}",
            from_address=self.session.session_id, to_address=self.session.public_key,
            text=frame.text, received_at=now, metadata={"client_id": frame.id},
        )
        try:
            result = await self.app[PIPELINE].receive(envelope)
        except LockTimeout:
            await self.send(error_frame("busy", "please send this message again", frame.id))
            return
        if result.duplicate:
            await self.send({"type": "ack", "id": frame.id, "duplicate": True})
            return
        frames: list[ServerFrame] = [message_frame(frame.text, "patient", now, client_id=frame.id)]
        frames += [message_frame(text, "bot", now) for text in result.replies]
        stored = await self.frames.append(self.session.session_id, self.org.id, frames, now)
        await self.send({"type": "ack", "id": frame.id, "seq": stored[0]["seq"],
                         "duplicate": False})
        self.wake.set()


async def socket_handler(request: web.Request) -> web.StreamResponse:
    """Upgrade to the widget WebSocket after checking the session token."""
    now = request.app[CLOCK].now()
    session = read_session(request.app[SECRET], request.query.get("token", ""), now)
    if session is None:
        raise bad_request("a valid widget session token is required (GET /widget/session)",
                          field="token", status=403)
    last_seq = _last_seq(request.query.get("last_seq"))
    async with request.app[DB].read() as conn:
        org = await request.app[ADDRESS_BOOK].organization(conn, Channel.WIDGET,
                                                           session.public_key)
    if not await request.app[STORES].rate_limiter.try_acquire(
        f"widget:connect:{request.remote}", rate=1.0, burst=20
    ):
        raise bad_request("too many connections from this address; wait a moment", status=429)
    frames: WidgetFrames = request.app[WIDGET_FRAMES]
    _, latest = await frames.bounds(session.session_id)
    ws = web.WebSocketResponse(max_msg_size=MAX_WIRE_BYTES, heartbeat=30.0)
    await ws.prepare(request)
    conn_ = _Connection(request, ws, session, org, latest)
    await conn_.send({"type": "ready", "session": session.session_id, "last_seq": latest})
    tasks = [asyncio.create_task(conn_.pump()), asyncio.create_task(conn_.listen())]
    try:
        if last_seq is not None:
            await conn_.resume(last_seq)
        await _serve(conn_, ws)
    finally:
        await _stop(tasks)
    return ws


async def _serve(conn: _Connection, ws: web.WebSocketResponse) -> None:
    async for msg in ws:
        try:
            if msg.type is WSMsgType.TEXT:
                await conn.handle(msg.data)
            elif msg.type is WSMsgType.BINARY:
                await conn.send(error_frame("bad_frame", "send JSON text frames"))
        except ConnectionResetError:
            break
        except Exception:
            log.exception("widget_frame_failed", session=conn.session.session_id)
            with contextlib.suppress(Exception):
                await conn.send(error_frame("internal", "something went wrong; send it again"))


async def _stop(tasks: Sequence[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def _last_seq(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise bad_request("last_seq must be a whole number", field="last_seq")
    return int(raw)
