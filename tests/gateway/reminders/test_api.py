"""The staff API: timeline, next reminders, send now, block, templates and message library."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from domain.clock import MovableClock
from domain.model import Role, StaffUser
from gateway.app import create_app
from gateway.auth.keys import PRINCIPAL
from gateway.auth.principal import Principal
from gateway.keys import DB
from gateway.reminders import REMINDERS, setup_reminders
from gateway.settings import Settings
from tests.gateway.reminders.fixtures import (
    APPOINTMENT,
    CREATED,
    ORG,
    ensure_template_tables,
    seed,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

Client = TestClient[web.Request, web.Application]


def signed_in_as(role: Role) -> Callable[[web.Application], None]:
    """A feature that signs every request in as a staff user of ``role`` of the fixture's
    organisation (the Hub's authentication is tested with the Hub; see test_api_access.py)."""
    user = StaffUser(id="01USR0000000000000000000AA", org_id=ORG, email="pat@example.org",
                     name="Pat Admin", role=role, created_at=CREATED)

    @web.middleware
    async def sign_in(request: web.Request, handler: Handler) -> web.StreamResponse:
        request[PRINCIPAL] = Principal(user=user, groups={})
        return await handler(request)

    def feature(app: web.Application) -> None:
        app.middlewares.insert(0, sign_in)

    return feature


@pytest.fixture
async def client(aiohttp_client: Any, tmp_path: Path) -> Client:
    settings = Settings.from_environ({"CARELINE_DATA_DIR": str(tmp_path)})
    app = create_app(settings, clock=MovableClock(CREATED, frozen=True), migrate=True,
                     features=[signed_in_as(Role.ADMIN), setup_reminders])

    async def prepare(app: web.Application) -> None:
        await seed(app[DB])
        await ensure_template_tables(app[DB])
        await app[REMINDERS].created(APPOINTMENT)

    app.on_startup.append(prepare)
    test_client: Client = await aiohttp_client(app)
    return test_client


async def test_timeline_shows_every_reminder_with_its_rule(client: Client) -> None:
    response = await client.get(f"/api/appointments/{APPOINTMENT}/timeline")
    assert response.status == 200
    body = await response.json()
    assert [(e["slot"], e["status"]) for e in body["entries"]] == [
        ("c7", "planned"), ("c5", "planned"), ("c2", "planned")]
    assert body["entries"][0]["rules"][0]["rule"] == "REM-01"
    assert body["entries"][2]["local"] == "Sun 08 Mar 2026 10:00 CDT (America/Chicago)"


async def test_unknown_appointment_is_a_404(client: Client) -> None:
    response = await client.get("/api/appointments/01NOPE00000000000000000000/timeline")
    assert response.status == 404


async def test_block_send_now_and_next(client: Client) -> None:
    blocked = await (await client.post(
        f"/api/appointments/{APPOINTMENT}/reminders/block")).json()
    assert {e["status"] for e in blocked["entries"]} == {"cancelled"}
    refused = await client.post(f"/api/appointments/{APPOINTMENT}/reminders/send-now")
    assert refused.status == 409
    await client.post(f"/api/appointments/{APPOINTMENT}/reminders/unblock")
    sent = await client.post(f"/api/appointments/{APPOINTMENT}/reminders/send-now")
    assert sent.status == 200 and (await sent.json())["due_at"] == "2026-02-01T15:00:00Z"
    listed = await (await client.get("/api/reminders/next?limit=5")).json()
    assert listed["reminders"][0]["due_at"] == "2026-02-01T15:00:00Z"
    assert (await client.get("/api/reminders/next?limit=zero")).status == 400


async def test_template_edit_history_restore_and_preview(client: Client) -> None:
    base = "/api/templates/confirmation_reply/sms/en"
    stock = await (await client.get(base)).json()
    assert stock["current"] is None and stock["history"] == []
    assert stock["preview"]["encoding"] == "GSM-7" and stock["preview"]["segments"] == 1

    broken = await client.put(base, json={"body": "Thanks {{ patient.frist_name }}"})
    assert broken.status == 422
    assert "patient.frist_name" in (await broken.json())["message"]

    saved = await client.put(base, json={"body": "Thanks {{ patient.first_name }}! 👍"})
    assert saved.status == 200
    preview = (await saved.json())["preview"]
    assert preview["body"] == "Thanks Ana! 👍" and preview["encoding"] == "UCS-2"

    after = await (await client.get(base)).json()
    assert after["current"]["version"] == 1
    assert [v["version"] for v in after["history"]] == [1, 0]

    restored = await client.post(base + "/restore", json={"version": 0})
    assert (await restored.json())["version"] == 2
    assert (await (await client.get(base)).json())["preview"]["body"].startswith("Thank you, Ana.")


async def test_preview_counts_segments_for_staff(client: Client) -> None:
    response = await client.post("/api/templates/preview",
                                 json={"body": "x" * 161, "format": "sms", "language": "en"})
    assert (await response.json())["segments"] == 2
    bad = await client.post("/api/templates/preview",
                            json={"body": "{% if %}", "format": "sms", "language": "en"})
    assert bad.status == 422


async def test_message_library(client: Client) -> None:
    created = await client.post("/api/message-library",
                                json={"title": "Parking", "body": "Park behind the clinic."})
    assert created.status == 201
    item_id = (await created.json())["id"]
    items = (await (await client.get("/api/message-library")).json())["items"]
    assert [i["title"] for i in items] == ["Parking"]
    assert (await client.delete(f"/api/message-library/{item_id}")).status == 200
    assert (await client.delete(f"/api/message-library/{item_id}")).status == 404
