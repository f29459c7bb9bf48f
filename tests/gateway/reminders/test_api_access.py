"""Who sees which reminders (HUB-17): the reminder and template routes act for the signed-in
staff member, show only the facilities they may see, and leave template and library changes
to admins and managers.

The demo users are admin (every facility), manager (Downtown and Lakeside), and one staff
member each for Downtown, Lakeside and Foothills; the patient below is Downtown's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from domain.model import Appointment, ContactKind, ContactPoint, Patient, new_id
from domain.storage.repositories import AppointmentRepository, PatientRepository
from gateway.reminders import REMINDERS, setup_reminders
from tests.gateway.hub.harness import Clinic, Template, start_from

USERS = ("admin", "manager", "downtown", "lakeside", "foothills")
SEES_DOWNTOWN = {"admin", "manager", "downtown"}
PHONE = "+16465550188"

Client = TestClient[web.Request, web.Application]


@dataclass
class Scene:
    client: Client
    clinic: Clinic
    appointment: Appointment

    async def call(self, user: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        response = await self.client.request(method, path, headers=self.clinic.auth(user), **kwargs)
        return response.status, await response.json()


@pytest.fixture
async def scene(hub_template: Template, aiohttp_client: Any, tmp_path: Path) -> Scene:
    client, clinic = await start_from(
        hub_template, aiohttp_client, tmp_path, features=[setup_reminders]
    )
    downtown = clinic.facility("downtown")
    now = clinic.clock.now()
    patient = Patient(
        id=new_id(),
        org_id=clinic.org_id,
        first_name="Rory",
        last_name="Quillfeather",
        primary_facility_id=downtown,
        contacts=(ContactPoint(kind=ContactKind.SMS, value=PHONE, preferred=True),),
    )
    appointment = Appointment(
        id=new_id(),
        org_id=clinic.org_id,
        patient_id=patient.id,
        facility_id=downtown,
        provider_id=clinic.data.providers[0].id,
        type_id=None,
        start=now + timedelta(days=10),
        duration_minutes=30,
        created_at=now,
        updated_at=now,
    )

    async def add(conn: Any) -> None:
        await PatientRepository(conn).add(patient, now)
        await AppointmentRepository(conn).add(appointment)

    await clinic.run(add)
    await clinic.app[REMINDERS].created(appointment.id)
    return Scene(client, clinic, appointment)


async def test_next_reminders_show_only_the_users_facilities(scene: Scene) -> None:
    for user in USERS:
        status, body = await scene.call(user, "GET", "/api/reminders/next?limit=500")
        assert status == 200, (user, body)
        ours = [r for r in body["reminders"] if r["appointment_id"] == scene.appointment.id]
        assert bool(ours) is (user in SEES_DOWNTOWN), user
        assert (PHONE in str(body)) is (user in SEES_DOWNTOWN), user
        if user not in ("admin", "manager"):
            allowed = {scene.clinic.facility(user)}
            assert {r["facility_id"] for r in body["reminders"]} <= allowed, user


async def test_next_reminders_of_a_facility_one_may_not_see_are_refused(scene: Scene) -> None:
    downtown = scene.clinic.facility("downtown")
    status, body = await scene.call(
        "foothills", "GET", f"/api/reminders/next?facility_id={downtown}"
    )
    assert status == 403 and body["error"] == "forbidden"
    status, body = await scene.call(
        "downtown", "GET", f"/api/reminders/next?facility_id={downtown}"
    )
    assert status == 200 and body["reminders"]


async def test_a_timeline_of_another_facility_is_not_found(scene: Scene) -> None:
    path = f"/api/appointments/{scene.appointment.id}/timeline"
    for user in USERS:
        status, body = await scene.call(user, "GET", path)
        if user in SEES_DOWNTOWN:
            assert status == 200 and len(body["entries"]) == 3, user
        else:
            assert status == 404, user
            assert PHONE not in str(body) and "Quillfeather" not in str(body)
    status, _ = await scene.call(
        "lakeside", "POST", f"/api/appointments/{scene.appointment.id}/reminders/block"
    )
    assert status == 404
    _, timeline = await scene.call("admin", "GET", path)
    assert {e["status"] for e in timeline["entries"]} == {"planned"}, "the block was refused"


@pytest.mark.parametrize("user", ["downtown", "foothills"])
async def test_staff_may_read_templates_but_not_change_them(scene: Scene, user: str) -> None:
    base = "/api/templates/confirmation_reply/sms/en"
    status, _ = await scene.call(user, "GET", base)
    assert status == 200
    status, body = await scene.call(
        user, "PUT", base, json={"body": "Thanks {{ patient.first_name }}"}
    )
    assert status == 403 and "admins and managers" in body["message"]
    status, body = await scene.call(user, "POST", base + "/restore", json={"version": 1})
    assert status == 403 and "admins and managers" in body["message"]
    status, body = await scene.call(
        user,
        "POST",
        "/api/message-library",
        json={"title": "Parking", "body": "Park behind the clinic."},
    )
    assert status == 403 and "message library" in body["message"]
    _, stored = await scene.call("admin", "GET", base)
    assert stored["current"] is None, "nothing was saved"


async def test_managers_and_admins_change_templates_and_the_library(scene: Scene) -> None:
    base = "/api/templates/confirmation_reply/sms/en"
    status, _ = await scene.call(
        "manager", "PUT", base, json={"body": "Thanks {{ patient.first_name }}, see you soon."}
    )
    assert status == 200
    status, _ = await scene.call("admin", "POST", base + "/restore", json={"version": 1})
    assert status == 200
    status, item = await scene.call(
        "manager",
        "POST",
        "/api/message-library",
        json={"title": "Parking", "body": "Park behind the clinic."},
    )
    assert status == 201
    status, body = await scene.call("downtown", "GET", "/api/message-library")
    assert status == 200 and [i["title"] for i in body["items"]] == ["Parking"]
    status, _ = await scene.call("downtown", "DELETE", f"/api/message-library/{item['id']}")
    assert status == 403
    status, _ = await scene.call("admin", "DELETE", f"/api/message-library/{item['id']}")
    assert status == 200
