"""The website widget's WebSocket, with a real WebSocket client (aiohttp ws_connect)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from channels.base import OutboundMessage
from channels.widget_frames import WidgetSender
from domain.clock import SystemClock
from domain.model import Channel
from gateway.webhooks.keys import WIDGET_FRAMES
from tests.gateway.webhooks import conftest as webhook_fixtures
from tests.gateway.webhooks.appkit import PUBLIC_KEY
from tests.gateway.webhooks.conftest import Running

pytestmark = pytest.mark.integration
# The webhook tests' fixtures: the app with the channels, and the blocking-call detector.
blockbuster = webhook_fixtures.blockbuster
start = webhook_fixtures.start
Start = Callable[..., Awaitable[Running]]


async def session(running: Running, **params: str) -> dict[str, Any]:
    response = await running.client.get("/widget/session", params={"key": PUBLIC_KEY, **params})
    assert response.status == 200, await response.text()
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data: dict[str, Any] = await response.json()
    return data


async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    async with asyncio.timeout(3):
        message = await ws.receive()
    assert message.type is aiohttp.WSMsgType.TEXT, message
    data: dict[str, Any] = json.loads(message.data)
    return data


async def receive_until(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[dict[str, Any]]:
    return [await receive(ws) for _ in range(count)]


async def test_a_conversation_over_the_socket(start: Start) -> None:
    running = await start()
    running.responder.answers = ["Hello! How can we help?"]
    s = await session(running)
    async with running.client.ws_connect("/widget/ws", params={"token": s["token"]}) as ws:
        ready = await receive(ws)
        assert ready == {"type": "ready", "session": s["session_id"], "last_seq": 0}
        await ws.send_json({"type": "message", "id": "c1", "text": "Hi there"})
        frames = await receive_until(ws, 3)
        by_type = {f["type"]: f for f in frames if f["type"] == "ack"}
        assert by_type["ack"] == {"type": "ack", "id": "c1", "seq": 1, "duplicate": False}
        messages = [f for f in frames if f["type"] == "message"]
        assert [(m["seq"], m["sender"], m["text"]) for m in messages] == [
            (1, "patient", "Hi there"), (2, "bot", "Hello! How can we help?")]
        # The same client id again: acknowledged, not processed twice.
        await ws.send_json({"type": "message", "id": "c1", "text": "Hi there"})
        assert await receive(ws) == {"type": "ack", "id": "c1", "duplicate": True}
    envelope = running.responder.seen[0].envelope
    assert envelope.channel is Channel.WIDGET and envelope.to_address == PUBLIC_KEY
    assert envelope.from_address == s["session_id"] and len(running.responder.seen) == 1


async def test_resume_delivers_exactly_the_missed_frames(start: Start) -> None:
    running = await start()
    running.responder.answers = []
    s = await session(running)
    async with running.client.ws_connect("/widget/ws", params={"token": s["token"]}) as ws:
        await receive(ws)
        await ws.send_json({"type": "message", "id": "m1", "text": "first"})
        seen = await receive_until(ws, 2)
        last_seq = max(f.get("seq", 0) for f in seen)
    # While the visitor is away, staff answer twice (through the dispatcher's sender).
    sender = WidgetSender(running.client.app[WIDGET_FRAMES], SystemClock())
    for text in ("Staff here.", "Are you still there?"):
        await sender.send(OutboundMessage(channel=Channel.WIDGET, to_address=s["session_id"],
                                          from_address=None, body=text, idempotency_key=text,
                                          metadata={"sender": "staff"}))
    async with running.client.ws_connect(
        "/widget/ws", params={"token": s["token"], "last_seq": str(last_seq)}
    ) as ws:
        assert (await receive(ws))["last_seq"] == 3
        missed = await receive_until(ws, 2)
        assert [(f["seq"], f["sender"], f["text"]) for f in missed] == [
            (2, "staff", "Staff here."), (3, "staff", "Are you still there?")]
        # Resume by frame too: from the start, everything kept, once each.
        await ws.send_json({"type": "resume", "last_seq": 0})
        replay = await receive_until(ws, 3)
        assert [f["seq"] for f in replay] == [1, 2, 3]
        await ws.send_json({"type": "ping", "id": "p"})
        assert await receive(ws) == {"type": "pong", "id": "p"}


async def test_a_live_socket_gets_staff_messages_at_once(start: Start) -> None:
    running = await start()
    s = await session(running)
    async with running.client.ws_connect("/widget/ws", params={"token": s["token"]}) as ws:
        await receive(ws)
        sender = WidgetSender(running.client.app[WIDGET_FRAMES], SystemClock())
        await sender.send(OutboundMessage(channel=Channel.WIDGET, to_address=s["session_id"],
                                          from_address=None, body="Hi from the front desk",
                                          idempotency_key="k", metadata={"sender": "staff"}))
        frame = await receive(ws)
        assert (frame["seq"], frame["text"]) == (1, "Hi from the front desk")


async def test_bad_frames_get_error_frames_and_the_socket_lives_on(start: Start) -> None:
    running = await start()
    s = await session(running)
    async with running.client.ws_connect("/widget/ws", params={"token": s["token"]}) as ws:
        await receive(ws)
        bad: list[tuple[Any, str]] = [
            ("not json", "bad_json"), ("[1, 2]", "bad_frame"), ('{"type": "dance"}',
                                                                  "unknown_type"),
            ('{"type": "message", "text": "no id"}', "bad_frame"),
            ('{"type": "message", "id": "x", "text": ""}', "bad_frame"),
            (json.dumps({"type": "message", "id": "x", "text": "y" * 3000}), "too_large"),
            (json.dumps({"type": "resume", "last_seq": -1}), "bad_frame"),
            ("x" * 9000, "too_large"),
        ]
        for data, code in bad:
            await ws.send_str(data)
            frame = await receive(ws)
            assert (frame["type"], frame["code"]) == ("error", code), data[:40]
        await ws.send_bytes(b"\x00\x01")
        assert (await receive(ws))["code"] == "bad_frame"
        await ws.send_json({"type": "ping"})
        assert await receive(ws) == {"type": "pong"}


async def test_messages_beyond_the_rate_limit_are_refused_politely(start: Start) -> None:
    running = await start()
    running.responder.answers = []
    s = await session(running)
    async with running.client.ws_connect("/widget/ws", params={"token": s["token"]}) as ws:
        await receive(ws)
        codes = []
        for i in range(8):
            await ws.send_json({"type": "message", "id": f"r{i}", "text": "spam"})
            frame = await receive(ws)
            while frame["type"] == "message":
                frame = await receive(ws)
            codes.append(frame.get("code", frame["type"]))
        assert codes[:5] == ["ack"] * 5 and "rate_limited" in codes[5:]


async def test_sessions_and_tokens_are_checked(start: Start) -> None:
    running = await start()
    client = running.client
    assert (await client.get("/widget/session")).status == 400
    assert (await client.get("/widget/session", params={"key": "no-such-key"})).status == 404
    assert (await client.get("/widget/ws", params={"token": "forged.token"})).status == 403
    assert (await client.get("/widget/ws")).status == 403
    s = await session(running)
    renewed = await session(running, token=s["token"])
    assert renewed["session_id"] == s["session_id"]
    response = await client.get("/widget/ws", params={"token": s["token"], "last_seq": "x"})
    assert response.status == 400
    assert (await client.options("/widget/session")).status == 204
