"""Live updates (server-sent events fed by pub/sub): a browser hears about chats its user may
see, mentions of its user, and nothing else; the stream ends when the session does."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from gateway.hub.events import conversation_channel
from gateway.hub.live import LIVE
from gateway.keys import STORES
from tests.gateway.hub.harness import Clinic

Hub = tuple[TestClient, Clinic]


async def open_stream(client: TestClient, clinic: Clinic, user: str) -> ClientResponse:
    response = await client.get("/api/events", headers=clinic.auth(user))
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert (await next_event(response))[0] == "ready"
    return response


async def next_event(response: ClientResponse, within: float = 3.0
                     ) -> tuple[str, dict[str, Any]]:
    event, data = "", ""
    async with asyncio.timeout(within):
        while True:
            line = (await response.content.readline()).decode()
            if line == "":
                return "closed", {}
            if line.startswith("event: "):
                event = line[7:].strip()
            elif line.startswith("data: "):
                data = line[6:].strip()
            elif line == "\n" and event:
                return event, json.loads(data or "{}")


async def no_event(response: ClientResponse) -> bool:
    try:
        await next_event(response, within=0.3)
    except TimeoutError:
        return True
    return False


async def test_a_new_message_reaches_users_of_its_facility_only(hub: Hub) -> None:
    client, clinic = hub
    dana = await open_stream(client, clinic, "downtown")
    frankie = await open_stream(client, clinic, "foothills")
    chat = await clinic.text_in(clinic.patient_at("downtown"), "are you open today?")
    # What the inbound pipeline publishes after storing a message:
    await clinic.app[STORES].pubsub.publish(conversation_channel(clinic.org_id), {
        "type": "message", "direction": "inbound", "conversation_id": chat.id,
        "message_id": "m1"})
    assert await next_event(dana) == ("conversation", {"conversation_id": chat.id,
                                                       "action": "message"})
    assert await no_event(frankie)
    dana.close()
    frankie.close()


async def test_staff_actions_and_deliveries_are_announced(hub: Hub) -> None:
    client, clinic = hub
    chat = await clinic.text_in(clinic.patient_at("downtown"), "hello")
    stream = await open_stream(client, clinic, "manager")
    closed = await client.post(f"/api/conversations/{chat.id}/close",
                               headers=clinic.auth("downtown"))
    assert closed.status == 200
    assert await next_event(stream) == ("conversation", {"conversation_id": chat.id,
                                                         "action": "closed"})
    # The dispatcher's delivery updates name the chat too.
    await clinic.app[STORES].pubsub.publish(f"org:{clinic.org_id}:outbox", {
        "type": "outbox.updated", "org_id": clinic.org_id,
        "items": [{"outbox_id": "o1", "state": "sent", "conversation_id": chat.id}]})
    assert await next_event(stream) == ("conversation", {"conversation_id": chat.id,
                                                         "action": "delivery"})
    stream.close()


async def test_a_mention_notifies_only_the_mentioned_user(hub: Hub) -> None:
    client, clinic = hub
    chat = await clinic.text_in(clinic.patient_at("downtown"), "hello")
    dana = await open_stream(client, clinic, "downtown")
    morgan = await open_stream(client, clinic, "manager")
    await client.post(f"/api/conversations/{chat.id}/notes", headers=clinic.auth("admin"),
                      json={"body": "@downtown can you take this one?"})
    seen = [await next_event(dana), await next_event(dana)]
    assert ("notification", {"conversation_id": chat.id}) in seen
    assert await next_event(morgan) == ("conversation", {"conversation_id": chat.id,
                                                         "action": "note"})
    assert await no_event(morgan)
    dana.close()
    morgan.close()


async def test_the_stream_ends_when_the_credentials_do(hub: Hub) -> None:
    client, clinic = hub
    clinic.app[LIVE].heartbeat = 0.1
    stream = await open_stream(client, clinic, "lakeside")
    tokens = await (await client.get("/api/tokens", headers=clinic.auth("lakeside"))).json()
    revoked = await client.delete(f"/api/tokens/{tokens['items'][0]['id']}",
                                  headers=clinic.auth("lakeside"))
    assert revoked.status == 204
    assert (await next_event(stream, within=3))[0] == "closed"
