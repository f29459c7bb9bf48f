"""The simulator page and its JSON API: text Careline as a patient, with no provider account.

Messages typed here go through the same inbound pipeline as Twilio's, as SMS (provider ids
``SIM...``), so flows behave exactly as with real texts. Outbound SMS and calls show on the
simulated phone (channels/simulator.py). The simulator is off (404) when Twilio is configured:
it would let anyone write as any patient number.

API:

- ``GET  /simulator/api/config`` → organisations with their numbers, demo patients' numbers.
- ``GET  /simulator/api/phones/{phone}/lines`` → the phone's screen, oldest first.
- ``POST /simulator/api/phones/{phone}/lines`` ``{"text": ..., "to"?: our number,
  "channel"?: "sms"|"voice", "id"?: client id}`` → the new lines (sent and replies).
- ``GET  /simulator/api/phones/{phone}/live`` → Server-Sent Events, one ``line`` per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

from aiohttp import web

from channels.envelope import Envelope
from channels.simulator import PhoneLine, simulator_channel, simulator_id
from channels.twilio_voice import KEYPAD
from domain.errors import ValidationError
from domain.model import Channel, ContactKind, normalise_address
from domain.storage.repositories import PatientRepository, PracticeRepository
from gateway.errors import bad_request
from gateway.inbound.addresses import sms_number_of
from gateway.keys import CLOCK, DB, SETTINGS, STORES
from gateway.webhooks._forms import read_body
from gateway.webhooks._receive import receive
from gateway.webhooks.keys import SIMULATOR_PHONE

__all__ = ["STATIC", "setup_simulator"]

STATIC = Path(__file__).parent / "static"
MAX_TEXT = 1600
_KEEPALIVE = 15.0


def setup_simulator(app: web.Application) -> None:
    """Register the page, its static files and the API."""
    app.router.add_get("/simulator", page)
    app.router.add_static("/simulator/static", STATIC)
    app.router.add_get("/simulator/api/config", config)
    app.router.add_get("/simulator/api/phones/{phone}/lines", lines)
    app.router.add_post("/simulator/api/phones/{phone}/lines", send)
    app.router.add_get("/simulator/api/phones/{phone}/live", live)


def _enabled(request: web.Request) -> None:
    if request.app[SETTINGS].twilio.configured:
        raise bad_request("the simulator is off because Twilio is configured", status=404)


def _phone(request: web.Request) -> str:
    try:
        return normalise_address(ContactKind.SMS, request.match_info["phone"], field_name="phone")
    except ValidationError as exc:
        raise bad_request(exc.reason, field="phone", status=422) from None


async def page(request: web.Request) -> web.FileResponse:
    """The simulator page."""
    _enabled(request)
    return web.FileResponse(STATIC / "index.html")


async def config(request: web.Request) -> web.Response:
    """Our numbers and some demo patients to play."""
    _enabled(request)
    orgs: list[dict[str, Any]] = []
    async with request.app[DB].read() as conn:
        for org in await PracticeRepository(conn).organizations():
            patients = []
            for patient in await PatientRepository(conn).search(org.id, limit=60):
                numbers = patient.contacts_of(ContactKind.SMS)
                if numbers:
                    patients.append({"name": patient.display_name, "phone": numbers[0].value,
                                     "language": patient.preferred_language})
            orgs.append({"name": org.name, "number": sms_number_of(org), "patients": patients[:20]})
    return web.json_response({"organizations": orgs})


async def lines(request: web.Request) -> web.Response:
    """The phone's screen."""
    _enabled(request)
    history = await request.app[SIMULATOR_PHONE].history(_phone(request))
    return web.json_response({"lines": [line.to_json() for line in history]})


async def send(request: web.Request) -> web.Response:
    """Text (or key in, for a call) from the simulated phone."""
    _enabled(request)
    phone = _phone(request)
    body = await read_body(request, limit=16 * 1024, content_types=("application/json",))
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise bad_request("the body is not valid UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise bad_request("the body must be a JSON object")
    text, to, channel, client_id = _fields(data)
    if to is None:
        to = await _default_number(request)
    now = request.app[CLOCK].now()
    provider_id = f"SIM{client_id}" if client_id else simulator_id()
    spoken = KEYPAD.get(text, text) if channel is Channel.VOICE else text
    envelope = Envelope(
        channel=channel, provider_message_id=provider_id, from_address=phone, to_address=to,
        text=spoken, received_at=now,
        metadata={"simulator": True, **({"digits": text} if channel is Channel.VOICE else {})},
    )
    result = await receive(request.app, envelope)
    screen = request.app[SIMULATOR_PHONE]
    new: list[PhoneLine] = []
    if not result.duplicate:
        new.append(await screen.add(phone=phone, careline_address=to, direction="from_phone",
                                    channel=channel, body=text, provider_id=provider_id, now=now))
        for reply in result.replies:
            new.append(await screen.add(phone=phone, careline_address=to, direction="to_phone",
                                        channel=channel, body=reply, provider_id=simulator_id(),
                                        now=request.app[CLOCK].now()))
    return web.json_response({"duplicate": result.duplicate,
                              "lines": [line.to_json() for line in new]})


def _fields(data: dict[str, Any]) -> tuple[str, str | None, Channel, str | None]:
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("text is required", field="text")
    if len(text) > MAX_TEXT or "\x00" in text:
        raise bad_request(f"text must be at most {MAX_TEXT} characters", field="text")
    channel_name = data.get("channel", "sms")
    if channel_name not in ("sms", "voice"):
        raise bad_request("channel must be sms or voice", field="channel")
    to = data.get("to")
    if to is not None:
        if not isinstance(to, str):
            raise bad_request("to must be a phone number", field="to")
        try:
            to = normalise_address(ContactKind.SMS, to, field_name="to")
        except ValidationError as exc:
            raise bad_request(exc.reason, field="to", status=422) from None
    client_id = data.get("id")
    if client_id is not None and not (
        isinstance(client_id, str) and 0 < len(client_id) <= 40 and client_id.isascii()
        and client_id.replace("-", "").replace("_", "").isalnum()
    ):
        raise bad_request("id must be 1-40 letters, digits, - or _", field="id")
    return text.strip(), to, Channel(channel_name), client_id


async def _default_number(request: web.Request) -> str:
    async with request.app[DB].read() as conn:
        orgs = await PracticeRepository(conn).organizations()
    if not orgs:
        raise bad_request("no organisation yet: load the demo data (careline demo-data)",
                          status=409)
    return sms_number_of(orgs[0])


async def live(request: web.Request) -> web.StreamResponse:
    """New lines of the phone as Server-Sent Events."""
    _enabled(request)
    phone = _phone(request)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-cache"})
    await response.prepare(request)
    async with request.app[STORES].pubsub.subscribe(simulator_channel(phone)) as sub:
        iterator = aiter(sub)
        with contextlib.suppress(ConnectionResetError, StopAsyncIteration):
            while True:
                try:
                    async with asyncio.timeout(_KEEPALIVE):
                        event = await anext(iterator)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                data = json.dumps(event.get("line", {}))
                await response.write(f"event: line\ndata: {data}\n\n".encode())
    return response
