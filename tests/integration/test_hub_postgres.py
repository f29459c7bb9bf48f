"""The Hub on PostgreSQL: the same API scenario as on SQLite (sign-in and lock-out, queues
and filters, notes, replies, close and reopen, secure messages, facility scoping)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from sqlalchemy.engine import make_url

from domain.clock import MovableClock
from domain.storage import tables as t
from gateway.auth.keys import AUTH
from gateway.auth.passwords import PasswordService
from gateway.demo_data import build_demo, load_demo
from gateway.keys import DB
from tests.gateway.hub.harness import (
    FAST_HASHER,
    Clinic,
    build_hub_app,
    hub_settings,
    sign_in,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
async def database(postgres_url: str) -> AsyncIterator[str]:
    """A database of its own on the test server (the demo clinic needs an empty one)."""
    import asyncpg

    server = make_url(postgres_url)
    name = f"careline_hub_{uuid.uuid4().hex[:10]}"
    dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    yield server.set(database=name).render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def test_the_hub_works_the_same_on_postgresql(aiohttp_client: Any, tmp_path: Path,
                                                    database: str) -> None:
    clock = MovableClock()
    app = build_hub_app(hub_settings(tmp_path, CARELINE_DATABASE_URL=database), clock=clock)
    app[AUTH].passwords = PasswordService(FAST_HASHER)
    client: TestClient = await aiohttp_client(app)
    data = build_demo(patients=30, now=clock.now())
    quick = FAST_HASHER.hash("careline-demo")
    data.users = [replace(u, password_hash=quick) for u in data.users]
    await load_demo(app[DB], data, now=clock.now())
    clinic = Clinic(app=app, data=data, clock=clock)

    # Lock-out counts atomically (UPDATE ... RETURNING).
    for _ in range(5):
        assert (await sign_in(client, "lakeside@riverbend.example", "nope")).status == 401
    assert (await sign_in(client, "lakeside@riverbend.example")).status == 401

    session = await (await sign_in(client, "downtown@riverbend.example")).json()
    csrf = {"X-CSRF-Token": session["csrf_token"]}
    patient = clinic.patient_at("downtown")
    chat = await clinic.text_in(patient, "Is 100% of the copay due today?")
    listed = await (await client.get("/api/conversations?queue=unassigned&q=100%25")).json()
    assert [c["id"] for c in listed["items"]] == [chat.id]

    note = await client.post(f"/api/conversations/{chat.id}/notes", headers=csrf,
                             json={"body": "@manager copay question"})
    assert note.status == 201
    reply = await client.post(f"/api/conversations/{chat.id}/messages", headers=csrf, json={
        "body": "Hi {{ patient.first_name }}, yes.", "facility_id": clinic.facility("downtown")})
    assert reply.status == 201
    assert (await client.post(f"/api/conversations/{chat.id}/close", headers=csrf)).status == 200
    await clinic.text_in(patient, "Thanks, and can I pay by card at the desk?")
    detail = await (await client.get(f"/api/conversations/{chat.id}")).json()
    assert detail["status"] == "open" and detail["reopened_at"] is not None

    form = FormData()
    form.add_field("body", "Your statement is attached.")
    form.add_field("facility_id", clinic.facility("downtown"))
    form.add_field("attachments", b"%PDF-1.4 statement", filename="statement.pdf",
                   content_type="application/pdf")
    secure = await client.post(f"/api/conversations/{chat.id}/secure-messages", data=form,
                               headers=csrf)
    assert secure.status == 201
    async with clinic.db.read() as conn:
        link_row = (await conn.execute(sa.select(t.outbox.c.body).where(
            t.outbox.c.kind == "secure_link"))).scalar_one()
    link = re.search(r"/secure/[\w-]+", link_row).group(0)  # type: ignore[union-attr]
    await client.post(f"{link}/code", json={"contact": 0})
    async with clinic.db.read() as conn:
        code_row = (await conn.execute(sa.select(t.outbox.c.body).where(
            t.outbox.c.kind == "transactional"))).scalar_one()
    code = re.search(r"\b(\d{6})\b", code_row).group(1)  # type: ignore[union-attr]
    assert (await client.post(f"{link}/verify", json={"code": code})).status == 200
    message = await (await client.get(f"{link}/message")).json()
    attachment = await client.get(f"{link}/attachments/{message['attachments'][0]['id']}")
    assert await attachment.read() == b"%PDF-1.4 statement"

    # Facility scoping holds on PostgreSQL too.
    other = await aiohttp_client(client.server)
    await sign_in(other, "foothills@riverbend.example")
    assert (await other.get(f"/api/conversations/{chat.id}")).status == 404
    mine = await (await other.get("/api/conversations?limit=200")).json()
    assert chat.id not in [c["id"] for c in mine["items"]]
