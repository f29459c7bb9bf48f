"""The patient panel, the message library, the team and its tokens, and Hub settings."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from domain.storage import tables_hub as h
from tests.gateway.hub.harness import Clinic, sign_in

Hub = tuple[TestClient, Clinic]


async def call(client: TestClient, clinic: Clinic, user: str, method: str, path: str,
               status: int = 200, **kwargs: Any) -> Any:
    response = await client.request(method, path, headers=clinic.auth(user), **kwargs)
    assert response.status == status, await response.text()
    return None if status == 204 else await response.json()


async def test_the_panel_shows_only_appointments_at_the_users_facilities(hub: Hub) -> None:
    client, clinic = hub
    patient = clinic.patient_at("downtown")
    everything = await call(client, clinic, "admin", "GET", f"/api/patients/{patient.id}")
    mine = await call(client, clinic, "downtown", "GET", f"/api/patients/{patient.id}")
    downtown = clinic.facility("downtown")
    assert {a["facility_id"] for a in mine["appointments"]} <= {downtown}
    assert len(mine["appointments"]) == sum(
        a["facility_id"] == downtown for a in everything["appointments"])
    first = mine["appointments"][0]
    assert first["timeline_url"] == f"/api/appointments/{first['id']}/timeline"
    assert mine["patient"]["mrn"] == patient.mrn and mine["waitlist"] == []


async def test_demographics_can_be_edited_and_are_validated(hub: Hub) -> None:
    client, clinic = hub
    patient = clinic.patient_at("downtown")
    path = f"/api/patients/{patient.id}"
    changed = await call(client, clinic, "downtown", "PATCH", path,
                         json={"last_name": "Hollis-Vance", "date_of_birth": "1980-02-29"})
    assert changed["last_name"] == "Hollis-Vance" and changed["date_of_birth"] == "1980-02-29"
    future = await call(client, clinic, "downtown", "PATCH", path, status=422,
                        json={"date_of_birth": "2999-01-01"})
    assert future["field"] == "patient.date_of_birth"
    blank = await call(client, clinic, "downtown", "PATCH", path, status=422,
                       json={"first_name": "  "})
    assert blank["field"] == "patient.first_name"
    sneaky = await call(client, clinic, "downtown", "PATCH", path, status=422,
                        json={"mrn": "MRN0"})
    assert sneaky["field"] == "mrn"


async def test_patient_search_finds_names_and_mrns(hub: Hub) -> None:
    client, clinic = hub
    patient = clinic.patient_at("downtown")
    by_name = await call(client, clinic, "admin", "GET", f"/api/patients?q={patient.last_name}")
    assert patient.id in [p["id"] for p in by_name["items"]]
    by_mrn = await call(client, clinic, "admin", "GET", f"/api/patients?q={patient.mrn}")
    assert [p["id"] for p in by_mrn["items"]] == [patient.id]
    await call(client, clinic, "admin", "GET", "/api/patients?q=a", status=422)


async def test_managers_keep_the_library_and_everyone_uses_it(hub: Hub) -> None:
    client, clinic = hub
    made = await call(client, clinic, "manager", "POST", "/api/shortcuts", status=201,
                      json={"shortcut": "/Parking", "title": "Parking",
                            "body": "Park behind the building, {{ patient.first_name }}."})
    assert made["shortcut"] == "parking"
    taken = await call(client, clinic, "admin", "POST", "/api/shortcuts", status=409,
                       json={"shortcut": "parking", "title": "Again", "body": "x"})
    assert taken["error"] == "conflict"
    bad = await call(client, clinic, "admin", "POST", "/api/shortcuts", status=422,
                     json={"shortcut": "two words", "title": "x", "body": "x"})
    assert bad["field"] == "shortcut"
    listed = await call(client, clinic, "downtown", "GET", "/api/shortcuts")
    assert [s["shortcut"] for s in listed["items"]] == ["parking"]
    await call(client, clinic, "downtown", "PATCH", f"/api/shortcuts/{made['id']}", status=403,
               json={"title": "Mine now"})
    renamed = await call(client, clinic, "manager", "PATCH", f"/api/shortcuts/{made['id']}",
                         json={"title": "Where to park"})
    assert renamed["title"] == "Where to park" and renamed["shortcut"] == "parking"
    await call(client, clinic, "manager", "DELETE", f"/api/shortcuts/{made['id']}", status=204)
    assert (await call(client, clinic, "downtown", "GET", "/api/shortcuts"))["items"] == []


async def test_tokens_are_shown_once_stored_hashed_and_revocable(hub: Hub) -> None:
    client, clinic = hub
    session = await (await sign_in(client, "downtown@riverbend.example")).json()
    created = await client.post("/api/tokens", json={"name": "EHR bridge", "days": 30},
                                headers={"X-CSRF-Token": session["csrf_token"]})
    assert created.status == 201
    made = await created.json()
    secret = made["token"]
    assert secret.startswith("clt_") and made["prefix"] == secret[:10]
    async with clinic.db.read() as conn:
        stored = (await conn.execute(sa.select(h.api_tokens.c.token_hash).where(
            h.api_tokens.c.id == made["id"]))).scalar_one()
    assert stored != secret and secret not in stored
    headers = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/api/session", headers=headers)).status == 200
    # Tokens act without CSRF tokens, and cannot make more tokens.
    again = await client.post("/api/tokens", json={"name": "x"}, headers=headers)
    assert again.status == 403
    await call(client, clinic, "downtown", "DELETE", f"/api/tokens/{made['id']}", status=204)
    assert (await client.get("/api/session", headers=headers)).status == 401
    assert (await client.get("/api/session",
                             headers={"Authorization": "Bearer clt_made-up"})).status == 401


async def test_admins_add_users_and_groups(hub: Hub) -> None:
    client, clinic = hub
    group = await call(client, clinic, "admin", "POST", "/api/groups", status=201,
                       json={"name": "Foothills nurses",
                             "facility_ids": [clinic.facility("foothills")]})
    assert group["handle"] == "foothills-nurses"
    user = await call(client, clinic, "admin", "POST", "/api/users", status=201, json={
        "email": "nurse@riverbend.example", "name": "Nia Nurse", "role": "staff",
        "group_ids": [group["id"]], "password": "correct horse battery"})
    assert user["handle"] == "nurse"
    duplicate = await call(client, clinic, "admin", "POST", "/api/users", status=409, json={
        "email": "nurse@riverbend.example", "name": "Nia Again", "role": "staff",
        "group_ids": [], "password": "correct horse battery"})
    assert duplicate["error"] == "conflict"
    weak = await call(client, clinic, "admin", "POST", "/api/users", status=422, json={
        "email": "n2@riverbend.example", "name": "N", "role": "staff", "password": "short"})
    assert weak["field"] == "password"
    signed = await client.post("/api/session", json={"email": "nurse@riverbend.example",
                                                     "password": "correct horse battery"},
                               headers={"X-CSRF-Token": "t", "Cookie": "careline_csrf=t"})
    assert signed.status == 200
    assert (await signed.json())["facility_ids"] == [clinic.facility("foothills")]
    own = await call(client, clinic, "admin", "PATCH", f"/api/users/{clinic.user('admin').id}",
                     status=409, json={"role": "staff"})
    assert own["error"] == "conflict"


async def test_admins_configure_the_hub_and_the_number_patients_text(hub: Hub) -> None:
    client, clinic = hub
    changed = await call(client, clinic, "admin", "PATCH", "/api/settings/hub", json={
        "hub": {"reopen_min_chars": 25, "identity_verification": True},
        "messaging": {"sms_number": "+18885550199"}})
    assert changed["hub"]["reopen_min_chars"] == 25
    assert changed["messaging"]["sms_number"] == "+18885550199"
    bad = await call(client, clinic, "admin", "PATCH", "/api/settings/hub", status=422,
                     json={"hub": {"reopen_min_chars": 0}})
    assert "reopen_min_chars" in bad["field"]
    other = await call(client, clinic, "admin", "PATCH", "/api/settings/hub", status=422,
                       json={"reminders": {}})
    assert other["field"] == "reminders"
    directory = await call(client, clinic, "downtown", "GET", "/api/directory")
    assert directory["settings"]["reopen_min_chars"] == 25
