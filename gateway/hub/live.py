"""Live updates for the Hub's browsers: server-sent events fed by pub/sub (so they work across
gateway processes when pub/sub is Redis).

A browser gets ids only, and only for chats its user may see; it fetches the details through
the API, which checks access again. The stream re-checks the session on every heartbeat, so a
sign-out or deactivation ends it within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from domain.storage.repositories import ConversationRepository
from gateway.auth.credentials import authenticate
from gateway.auth.principal import Principal
from gateway.auth.request import current_principal
from gateway.hub.events import conversation_channel, hub_channel
from gateway.keys import DB, STORES
from gateway.stores.ports import JsonObject

__all__ = ["LIVE", "LiveStreams", "close_streams", "events"]

HEARTBEAT_SECONDS = 15.0


@dataclass
class LiveStreams:
    """The open event streams of this process (ended when the app shuts down)."""

    heartbeat: float = HEARTBEAT_SECONDS
    stops: set[asyncio.Event] = field(default_factory=set)


LIVE = web.AppKey("hub_live_streams", LiveStreams)


def outbox_channel(org_id: str) -> str:
    """The dispatcher's channel of delivery updates (``gateway.dispatcher.events``)."""
    return f"org:{org_id}:outbox"


async def close_streams(app: web.Application) -> None:
    """``on_shutdown``: end every open stream so shutdown does not wait for them."""
    for stop in list(app[LIVE].stops):
        stop.set()


async def events(request: web.Request) -> web.StreamResponse:
    """``GET /api/events``: a ``text/event-stream`` of ``conversation`` events
    (``{"conversation_id", "action"}``) and ``notification`` events for the signed-in user."""
    principal = current_principal(request)
    live = request.app[LIVE]
    pubsub = request.app[STORES].pubsub
    queue: asyncio.Queue[tuple[str, JsonObject]] = asyncio.Queue(maxsize=1000)
    stop = asyncio.Event()
    live.stops.add(stop)
    response = web.StreamResponse(headers={
        "Content-Type": "text/event-stream", "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",
    })
    channels = {
        conversation_channel(principal.org_id): "conversation",
        outbox_channel(principal.org_id): "outbox",
        hub_channel(principal.org_id): "hub",
    }
    tasks: list[asyncio.Task[None]] = []
    try:
        async with AsyncExitStack() as stack:
            for channel, kind in channels.items():
                subscription = await stack.enter_async_context(pubsub.subscribe(channel))
                tasks.append(asyncio.create_task(_pump(kind, subscription, queue)))
            await response.prepare(request)
            await response.write(b"retry: 3000\nevent: ready\ndata: {}\n\n")
            await _serve(request, response, principal, queue, stop, live.heartbeat)
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        live.stops.discard(stop)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return response


async def _pump(kind: str, subscription: AsyncIterator[JsonObject],
                queue: asyncio.Queue[tuple[str, JsonObject]]) -> None:
    async for message in subscription:
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait((kind, message))


async def _serve(
    request: web.Request, response: web.StreamResponse, principal: Principal,
    queue: asyncio.Queue[tuple[str, JsonObject]], stop: asyncio.Event, heartbeat: float,
) -> None:
    while not stop.is_set():
        try:
            async with asyncio.timeout(heartbeat):
                kind, message = await queue.get()
        except TimeoutError:
            if await authenticate(request) is None:
                return
            await response.write(b": ping\n\n")
            continue
        for event, data in await _visible(request, principal, kind, message):
            payload = json.dumps(data, separators=(",", ":"))
            await response.write(f"event: {event}\ndata: {payload}\n\n".encode())


async def _visible(request: web.Request, principal: Principal, kind: str,
                   message: JsonObject) -> list[tuple[str, dict[str, Any]]]:
    """The events ``message`` gives this user: none for chats they may not see."""
    if kind == "hub":
        users = message.get("user_ids")
        if isinstance(users, list) and principal.user_id in users:
            return [("notification", {"conversation_id": message.get("conversation_id")})]
        return []
    if kind == "outbox":
        items = message.get("items")
        ids = [i.get("conversation_id") for i in items if isinstance(i, dict)] \
            if isinstance(items, list) else []
        action = "delivery"
    else:
        ids = [message.get("conversation_id")]
        action = str(message.get("action") or message.get("type") or "message")
    wanted = [i for i in dict.fromkeys(ids) if isinstance(i, str) and i]
    if not wanted:
        return []
    found: list[tuple[str, dict[str, Any]]] = []
    async with request.app[DB].read() as conn:
        repo = ConversationRepository(conn)
        for conversation_id in wanted:
            try:
                conversation = await repo.get(conversation_id)
            except Exception:
                continue
            if conversation.org_id == principal.org_id and principal.sees(conversation.facility_id):
                found.append(("conversation", {"conversation_id": conversation_id,
                                               "action": action}))
    return found
