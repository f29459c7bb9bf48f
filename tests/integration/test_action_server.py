"""``careline actions``: the real rasa_sdk action server (Sanic) in its own process, called the
way a Rasa assistant calls it (``POST /webhook`` with ``next_action``, ``tracker``, ``domain``),
on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import rasa_sdk
import sqlalchemy as sa

from domain.storage import tables as t
from domain.storage import tables_hub as h
from domain.storage.database import Database
from tests.dialogs.clinic import Clinic, events, prepare, seed

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the action server exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the action server did not start: {log.read_text()}")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[str, str]]:
    """(base URL, database URL) of a running ``python -m dialogs.actions``."""
    if request.param == "postgres":
        database_url: str = request.getfixturevalue("postgres_url")
    else:
        database_url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('actions') / 'c.db'}"
    import asyncio

    async def migrate() -> None:
        db = Database(database_url)
        try:
            await prepare(db)
        finally:
            await db.dispose()

    asyncio.run(migrate())
    port = _free_port()
    log = tmp_path_factory.mktemp("log") / "server.log"
    env = os.environ | {"CARELINE_DATABASE_URL": database_url}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "dialogs.actions", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_healthy(process, url, log)
        yield url, database_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def call(action: str, slots: dict[str, Any], *, sender: str = "rasa-user-1",
         text: str = "") -> dict[str, Any]:
    """A Rasa action-server request (the payload Rasa's RemoteAction sends)."""
    return {
        "next_action": action,
        "sender_id": sender,
        "version": rasa_sdk.__version__,
        "tracker": {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {"text": text, "intent": {"name": "affirm", "confidence": 0.98},
                               "entities": []},
            "latest_event_time": 1700000000.0,
            "followup_action": None,
            "paused": False,
            "events": [{"event": "user", "text": text, "timestamp": 1700000000.0}],
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action": {"action_name": "action_listen"},
            "latest_action_name": "action_listen",
        },
        "domain": {"version": "3.1", "slots": {name: {"type": "any"} for name in slots},
                   "responses": {}, "actions": [action]},
    }


async def post(url: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.post(
        f"{url}/webhook", json=payload
    ) as response:
        return response.status, await response.json()


def slots_set(body: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in body["events"] if e["event"] == "slot"}


async def clinic_on(database_url: str) -> tuple[Database, Clinic]:
    db = Database(database_url)
    return db, await seed(db, now=datetime.now(UTC))


async def test_every_action_is_served(server: tuple[str, str]) -> None:
    url, _ = server
    async with aiohttp.ClientSession() as session, session.get(f"{url}/actions") as response:
        names = {item["name"] for item in await response.json()}
    assert names == {
        "action_confirm_appointment", "action_cancel_appointment", "action_find_open_slots",
        "action_book_slot", "action_join_waitlist", "action_leave_waitlist",
        "action_referral_status", "action_request_refill", "action_hand_over_to_staff",
    }


async def test_confirm_an_appointment(server: tuple[str, str]) -> None:
    url, database_url = server
    db, clinic = await clinic_on(database_url)
    try:
        status, body = await post(url, call("action_confirm_appointment", {
            "appointment_id": clinic.appointment.id, "patient_id": clinic.patient.id}))
        assert status == 200
        assert slots_set(body) == {"appointment_status": "booked", "appointment_confirmed": True}
        assert "is confirmed" in body["responses"][0]["text"]
        async with db.read() as conn:
            confirmation = (await conn.execute(sa.select(t.appointments.c.confirmation).where(
                t.appointments.c.id == clinic.appointment.id))).scalar_one()
        assert confirmation == "confirmed"
        kinds = [e["payload"]["appointment_id"] for e in await events(db, "appointment.confirmed")]
        assert clinic.appointment.id in kinds
    finally:
        await db.dispose()


async def test_nobody_acts_on_someone_elses_appointment(server: tuple[str, str]) -> None:
    url, database_url = server
    db, clinic = await clinic_on(database_url)
    try:
        status, body = await post(url, call("action_cancel_appointment", {
            "appointment_id": clinic.appointment.id, "patient_id": "SOMEONE-ELSE"}))
        assert status == 200 and slots_set(body) == {"action_error": "not_found"}
        async with db.read() as conn:
            state = (await conn.execute(sa.select(t.appointments.c.status).where(
                t.appointments.c.id == clinic.appointment.id))).scalar_one()
        assert state == "booked"
    finally:
        await db.dispose()


async def test_cancel_follows_the_no_show_policy(server: tuple[str, str]) -> None:
    url, database_url = server
    db, clinic = await clinic_on(database_url)
    try:
        _, body = await post(url, call("action_cancel_appointment", {
            "appointment_id": clinic.appointment.id}))
        assert slots_set(body) == {"appointment_status": "noshow",
                                   "cancellation_fee_notice": True}
        invited = [e["payload"]["appointment_id"] for e in await events(db, "waitlist.invite")]
        assert clinic.appointment.id in invited
    finally:
        await db.dispose()


async def test_find_open_slots_then_book_one_exactly_once(server: tuple[str, str]) -> None:
    url, database_url = server
    db, clinic = await clinic_on(database_url)
    try:
        _, found = await post(url, call("action_find_open_slots", {
            "patient_id": clinic.patient.id, "facility_id": clinic.facility.id}))
        offered = slots_set(found)["open_slots"]
        assert [s["slot_id"] for s in offered] == [s.id for s in clinic.slots]
        assert "1." in found["responses"][0]["text"]

        booking = call("action_book_slot", {"slot_id": offered[0]["slot_id"],
                                            "patient_id": clinic.patient.id})
        _, first = await post(url, booking)
        _, second = await post(url, booking)
        appointment_id = slots_set(first)["appointment_id"]
        assert slots_set(second) == {"action_error": "slot_taken", "slot_id": None}
        async with db.read() as conn:
            row = (await conn.execute(sa.select(t.appointments).where(
                t.appointments.c.id == appointment_id))).mappings().one()
        assert row["patient_id"] == clinic.patient.id and row["status"] == "booked"
    finally:
        await db.dispose()


async def test_hand_over_to_staff_puts_the_chat_in_the_hub(server: tuple[str, str]) -> None:
    url, database_url = server
    db, clinic = await clinic_on(database_url)
    try:
        _, body = await post(url, call(
            "action_hand_over_to_staff",
            {"conversation_id": clinic.conversation.id, "handover_reason": "asks about billing"},
            text="I have a question about my bill"))
        assert slots_set(body) == {"handed_over": True}
        async with db.read() as conn:
            unread = (await conn.execute(sa.select(t.conversations.c.unread).where(
                t.conversations.c.id == clinic.conversation.id))).scalar_one()
            routed = (await conn.execute(sa.select(h.hub_chats.c.reason).where(
                h.hub_chats.c.conversation_id == clinic.conversation.id))).scalar_one()
            notes = (await conn.execute(sa.select(t.notes.c.body).where(
                t.notes.c.conversation_id == clinic.conversation.id))).scalars().all()
        assert unread and routed == "bot_handover"
        assert notes == ["Handed over by the assistant: asks about billing"]
    finally:
        await db.dispose()


async def test_waitlist_and_refill_requests_become_events(server: tuple[str, str]) -> None:
    url, database_url = server
    db, clinic = await clinic_on(database_url)
    try:
        patient = {"patient_id": clinic.patient.id}
        _, joined = await post(url, call("action_join_waitlist",
                                         patient | {"facility_id": clinic.facility.id}))
        _, left = await post(url, call("action_leave_waitlist", patient))
        _, refill = await post(url, call("action_request_refill",
                                         patient | {"medication": "lisinopril 10 mg"}))
        _, referral = await post(url, call("action_referral_status", patient))
        assert slots_set(joined) == {"waitlist_requested": True}
        assert slots_set(left) == {"waitlist_left": True}
        assert slots_set(refill) == {"refill_requested": True}
        assert slots_set(referral) == {"referral_status": None}
        mine = [e for e in await events(db)
                if e["payload"].get("patient_id") == clinic.patient.id]
        assert [e["kind"] for e in mine] == [
            "waitlist.join_requested", "waitlist.leave_requested", "refill.requested",
            "referral.status_requested"]
        assert mine[0]["payload"]["preferences"] == {"facility_id": clinic.facility.id}
    finally:
        await db.dispose()


async def test_protocol_errors(server: tuple[str, str]) -> None:
    url, _ = server
    status, body = await post(url, call("action_does_not_exist", {}))
    assert status == 404 and body["action_name"] == "action_does_not_exist"
    status, body = await post(url, call("action_confirm_appointment", {}))
    assert status == 200
    assert slots_set(body) == {"action_error": "invalid", "action_error_field": "appointment_id"}
