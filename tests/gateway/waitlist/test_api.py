"""The waitlist JSON API and the Hub page, signed in with API tokens of the demo staff:
entries (WL-10..WL-15), CSV upload with its report (WL-11), openings and offers by hand
(WL-04), history and active offers (WL-02, WL-03, WL-07), approvals (WL-27), the dashboard
(WL-01), facility scoping, and a clear 4xx for every bad request."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from domain.model import ContactKind, Patient, new_id
from domain.storage import tables as t
from gateway.waitlist import setup_waitlist
from gateway.waitlist.keys import WAITLIST_WORKER
from tests.gateway.hub.harness import Clinic, Template, hub_template, start_from

__all__ = ["hub_template"]


@pytest.fixture
async def hub(hub_template: Template, aiohttp_client: Any, tmp_path: Path
              ) -> tuple[TestClient, Clinic]:
    """The Hub's demo clinic with the waitlist installed (its worker driven by the tests)."""
    return await start_from(hub_template, aiohttp_client, tmp_path,
                            features=[partial(setup_waitlist, background=False)])


def at(clinic: Clinic, word: str) -> tuple[str, str, list[Patient]]:
    """A facility, one of its providers and its patients with a mobile number."""
    facility = clinic.facility(word)
    provider = next(pid for pid, fid in clinic.data.provider_facility.items() if fid == facility)
    patients = [p for p in clinic.data.patients
                if p.primary_facility_id == facility and p.contacts_of(ContactKind.SMS)]
    return facility, provider, patients


async def post(client: TestClient, clinic: Clinic, path: str, body: Any = None, *,
               who: str = "admin", status: int = 200) -> Any:
    response = await client.post(path, json=body if body is not None else {},
                                 headers=clinic.auth(who))
    assert response.status == status, await response.text()
    return await response.json()


async def get(client: TestClient, clinic: Clinic, path: str, *, who: str = "admin",
              status: int = 200) -> Any:
    response = await client.get(path, headers=clinic.auth(who))
    assert response.status == status, await response.text()
    return await response.json()


async def test_entries_add_edit_list_remove(hub: tuple[TestClient, Clinic]) -> None:
    client, clinic = hub
    facility, provider, patients = at(clinic, "Lakeside")
    created = await post(client, clinic, "/api/waitlist/entries", {
        "patient_id": patients[0].id, "facility_id": facility, "provider_id": provider,
        "note": "mornings"}, status=201)
    assert (created["status"], created["duration_minutes"], created["source"]) == (
        "active", 30, "api")
    async with clinic.db.read() as conn:  # WL-33: the patient is told
        (joined,) = (await conn.execute(t.outbox.select().where(
            t.outbox.c.dedupe_key == f"waitlist-joined:{created['id']}"))).mappings().all()
    assert joined["to_address"] == patients[0].contacts_of(ContactKind.SMS)[0].value
    patch = await client.patch(f"/api/waitlist/entries/{created['id']}",
                               json={"duration_minutes": 60, "note": ""},
                               headers=clinic.auth("admin"))
    assert patch.status == 200 and (await patch.json())["duration_minutes"] == 60
    listed = await get(client, clinic, f"/api/waitlist/entries?provider_id={provider}")
    assert [e["id"] for e in listed["entries"]] == [created["id"]]
    removed = await client.delete(f"/api/waitlist/entries/{created['id']}",
                                  headers=clinic.auth("admin"))
    assert (await removed.json())["status"] == "removed"
    assert (await get(client, clinic, "/api/waitlist/entries"))["entries"] == []
    everything = await get(client, clinic, "/api/waitlist/entries?status=all")
    assert len(everything["entries"]) == 1


async def test_bulk_add_reports_each_item_and_bulk_remove(hub: tuple[TestClient, Clinic]) -> None:
    client, clinic = hub
    facility, _, patients = at(clinic, "Lakeside")
    result = await post(client, clinic, "/api/waitlist/entries/bulk", {"entries": [
        {"patient_id": patients[0].id, "facility_id": facility},
        {"patient_id": "NOPE"},
        {"patient_id": patients[1].id, "duration_minutes": 2},
        {"patient_id": patients[2].id},
    ]})
    assert (result["added"], result["rejected"]) == (2, 2)
    assert [r["ok"] for r in result["results"]] == [True, False, False, True]
    assert result["results"][1]["error"]["error"] == "not_found"
    ids = [r["entry"]["id"] for r in result["results"] if r["ok"]]
    assert (await post(client, clinic, "/api/waitlist/entries/remove",
                       {"entry_ids": ids}))["removed"] == 2


async def test_csv_upload_stores_valid_lines_and_reports_the_rest(
    hub: tuple[TestClient, Clinic],
) -> None:
    client, clinic = hub
    facility, _, patients = at(clinic, "Lakeside")
    name = next(f.name for f in clinic.data.facilities if f.id == facility)
    mrns = [p.mrn for p in patients if p.mrn][:2]
    body = f"MRN,Facility,Duration Minutes\n{mrns[0]},{name},45\nMRN-NOPE,{name},\n{mrns[1]},,3\n"
    dry = await client.post("/api/waitlist/entries/upload?dry_run=1", data=body.encode(),
                            headers={**clinic.auth("admin"), "Content-Type": "text/csv"})
    report = await dry.json()
    assert dry.status == 200 and (report["accepted"], report["rejected"], report["stored"]) == (
        1, 2, 0)
    assert [(line["line"], [p["field"] for p in line["problems"]])
            for line in report["lines"] if not line["ok"]] == [(3, ["mrn"]),
                                                              (4, ["duration_minutes"])]
    form = aiohttp.FormData()
    form.add_field("file", body.encode(), filename="waitlist.csv", content_type="text/csv")
    stored = await client.post("/api/waitlist/entries/upload", data=form,
                               headers=clinic.auth("admin"))
    assert (await stored.json())["stored"] == 1
    (entry,) = (await get(client, clinic, "/api/waitlist/entries"))["entries"]
    assert (entry["source"], entry["duration_minutes"], entry["facility_id"]) == (
        "csv", 45, facility)
    broken = await client.post("/api/waitlist/entries/upload", data=b"colour\nblue\n",
                               headers={**clinic.auth("admin"), "Content-Type": "text/csv"})
    assert broken.status == 422
    wrong_type = await client.post("/api/waitlist/entries/upload", data=b"{}",
                                   headers={**clinic.auth("admin"),
                                            "Content-Type": "application/json"})
    assert wrong_type.status == 415


async def test_publish_offer_approve_and_history(hub: tuple[TestClient, Clinic]) -> None:
    client, clinic = hub
    facility, provider, patients = at(clinic, "Lakeside")
    zone = ZoneInfo(next(f.timezone for f in clinic.data.facilities if f.id == facility))
    tomorrow = (clinic.clock.now().astimezone(zone) + timedelta(days=1)).date()
    clinic.clock.set(datetime.combine(tomorrow, time(10), tzinfo=zone))  # inside working hours
    entries = []
    for patient in patients[:2]:
        entries.append((await post(client, clinic, "/api/waitlist/entries", {
            "patient_id": patient.id, "facility_id": facility, "provider_id": provider},
            status=201))["id"])
    start_at = (clinic.clock.now() + timedelta(days=2)).isoformat()
    slot = await post(client, clinic, "/api/waitlist/slots", {
        "facility_id": facility, "provider_id": provider, "start": start_at}, status=201)
    assert slot["offers"] == 2 and slot["state"] == "open"
    listed = await get(client, clinic, "/api/waitlist/slots")
    assert slot["id"] in [s["id"] for s in listed["slots"]]
    active = await get(client, clinic, "/api/waitlist/offers/active")
    waiting = active["waiting_for_patient"]
    assert len(waiting) == 2 and all(1790 <= o["seconds_left"] <= 1800 for o in waiting)  # WL-07
    clinic.clock.advance(timedelta(minutes=10))
    active = await get(client, clinic, "/api/waitlist/offers/active")
    assert all(1190 <= o["seconds_left"] <= 1200 for o in active["waiting_for_patient"])
    # A patient says YES (through the event the flow records); staff approve.
    first = next(o for o in waiting if o["entry_id"] == entries[0])
    async with clinic.db.transaction() as conn:
        await conn.execute(t.domain_events.insert().values(
            id=new_id(), org_id=clinic.org_id, kind="waitlist.accepted",
            payload={"offer_id": first["id"]}, created_at=clinic.clock.now()))
    await client.app[WAITLIST_WORKER].run_events()
    active = await get(client, clinic, "/api/waitlist/offers/active")
    assert [o["id"] for o in active["waiting_for_approval"]] == [first["id"]]
    lakeside_staff = await post(client, clinic, f"/api/waitlist/offers/{first['id']}/approve",
                                who="lakeside")
    assert lakeside_staff["state"] == "booked" and lakeside_staff["appointment_id"]
    again = await client.post(f"/api/waitlist/offers/{first['id']}/approve",
                              headers=clinic.auth("admin"))
    assert again.status == 409
    history = await get(client, clinic, "/api/waitlist/offers?state=booked")
    assert [o["id"] for o in history["offers"]] == [first["id"]]
    mine = await get(client, clinic, f"/api/patients/{patients[0].id}/waitlist-offers")
    assert [o["state"] for o in mine["offers"]] == ["booked"]
    dashboard = await get(client, clinic, "/api/waitlist/dashboard")
    assert dashboard["offers_by_state"] == {"booked": 1, "withdrawn": 1}
    assert dashboard["waiting"] == 1


async def test_slots_from_a_csv_are_published_and_offered(
    hub: tuple[TestClient, Clinic],
) -> None:
    client, clinic = hub
    facility, provider, patients = at(clinic, "Lakeside")
    await post(client, clinic, "/api/waitlist/entries", {
        "patient_id": patients[0].id, "facility_id": facility, "provider_id": provider},
        status=201)
    zone = ZoneInfo(next(f.timezone for f in clinic.data.facilities if f.id == facility))
    day = (clinic.clock.now().astimezone(zone) + timedelta(days=3)).date()
    body = (f"facility,provider,start\n{facility},{provider},{day} 10:00\n"
            f"{facility},{provider},not a time\n")
    response = await client.post("/api/waitlist/slots/upload", data=body.encode(), headers={
        **clinic.auth("admin"), "Content-Type": "text/csv"})
    result = await response.json()
    assert response.status == 200
    assert (result["accepted"], result["rejected"], result["offers"]) == (1, 1, 1)
    wanted = datetime.combine(day, time(10), tzinfo=zone)
    slots = (await get(client, clinic, "/api/waitlist/slots?state=offered"))["slots"]
    assert [datetime.fromisoformat(s["start"]) for s in slots] == [wanted]


async def test_staff_see_only_their_facilities(hub: tuple[TestClient, Clinic]) -> None:
    client, clinic = hub
    facility, _, patients = at(clinic, "Lakeside")
    created = await post(client, clinic, "/api/waitlist/entries",
                         {"patient_id": patients[0].id, "facility_id": facility}, status=201)
    assert (await get(client, clinic, "/api/waitlist/entries", who="downtown"))["entries"] == []
    hidden = await client.patch(f"/api/waitlist/entries/{created['id']}", json={"note": "x"},
                                headers=clinic.auth("downtown"))
    assert hidden.status == 404
    refused = await client.post("/api/waitlist/entries", json={
        "patient_id": patients[1].id, "facility_id": facility}, headers=clinic.auth("downtown"))
    assert refused.status == 404


BAD_REQUESTS: list[tuple[str, str, Any, int]] = [
    ("post", "/api/waitlist/entries", {}, 422),
    ("post", "/api/waitlist/entries", {"patient_id": 5}, 422),
    ("post", "/api/waitlist/entries", {"patient_id": "X", "expires_at": "tomorrow"}, 422),
    ("post", "/api/waitlist/entries", {"patient_id": "X", "expires_at": "2026-12-01T10:00"}, 422),
    ("post", "/api/waitlist/entries", {"patient_id": "NOPE"}, 404),
    ("post", "/api/waitlist/entries/bulk", {"entries": []}, 422),
    ("post", "/api/waitlist/entries/remove", {"entry_ids": "abc"}, 422),
    ("patch", "/api/waitlist/entries/NOPE", {"note": "x"}, 404),
    ("patch", "/api/waitlist/entries/NOPE", {"status": "x"}, 422),
    ("delete", "/api/waitlist/entries/NOPE", None, 404),
    ("get", "/api/waitlist/entries?status=sleeping", None, 422),
    ("get", "/api/waitlist/entries?limit=0", None, 422),
    ("get", "/api/waitlist/offers?state=lost", None, 422),
    ("post", "/api/waitlist/slots", {"facility_id": "F"}, 422),
    ("post", "/api/waitlist/slots", {"facility_id": "F", "provider_id": "P",
                                     "start": "2030-01-01T10:00:00+00:00"}, 422),
    ("post", "/api/waitlist/slots/NOPE/offer", {"entry_ids": ["E"]}, 404),
    ("post", "/api/waitlist/slots/NOPE/offer", {"entry_ids": []}, 422),
    ("delete", "/api/waitlist/slots/NOPE", None, 404),
    ("post", "/api/waitlist/offers/NOPE/approve", None, 404),
    ("post", "/api/waitlist/offers/NOPE/decline", {"reason": 5}, 422),
]


async def test_bad_requests_get_a_clear_4xx(hub: tuple[TestClient, Clinic]) -> None:
    client, clinic = hub
    for method, path, body, status in BAD_REQUESTS:
        kwargs: dict[str, Any] = {"headers": clinic.auth("admin")}
        if body is not None:
            kwargs["json"] = body
        response = await getattr(client, method)(path, **kwargs)
        assert response.status == status, (method, path, await response.text())
        assert "error" in await response.json()
    not_json = await client.post("/api/waitlist/entries", data=b"[", headers={
        **clinic.auth("admin"), "Content-Type": "application/json"})
    assert not_json.status == 400


async def test_sign_in_is_required_and_the_page_is_served(hub: tuple[TestClient, Clinic]) -> None:
    client, clinic = hub
    assert (await client.get("/api/waitlist/entries")).status == 401
    page = await client.get("/hub/waitlist", allow_redirects=False)
    assert page.status == 302 and page.headers["Location"].startswith("/hub/login")
    signed_in = await client.get("/hub/waitlist", headers=clinic.auth("admin"))
    assert signed_in.status == 200 and "Accepted offers waiting for approval" in (
        await signed_in.text())
    script = await client.get("/hub/waitlist/static/waitlist.js", headers=clinic.auth("admin"))
    assert script.status == 200
