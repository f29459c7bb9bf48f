"""Every API route, every role, every facility: nobody sees or changes what their facilities do
not grant, and role-only actions refuse the other roles (HUB-17).

The scene: a patient of Riverbend Downtown texts in (with a note, a queued reply and an
appointment), and an unknown number texts in (no facility yet: triage for admins and
managers). The demo users are admin (every facility), manager (Downtown and Lakeside), and
one staff member each for Downtown, Lakeside and Foothills.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from domain.model import (
    Appointment,
    ContactKind,
    ContactPoint,
    Conversation,
    Patient,
    new_id,
)
from domain.storage import tables as t
from domain.storage.repositories import AppointmentRepository, PatientRepository
from gateway.bot.setup import setup_bot
from gateway.waitlist import setup_waitlist
from tests.gateway.hub.harness import Clinic, Template, start_from

USERS = ("admin", "manager", "downtown", "lakeside", "foothills")
SEES_DOWNTOWN = {"admin", "manager", "downtown"}
SEES_UNSCOPED = {"admin", "manager"}
SECRET_TEXT = "matrix secret text about a rash"


@dataclass
class Scene:
    client: TestClient
    clinic: Clinic
    patient: Patient
    chat: Conversation
    unknown: Conversation
    appointment: Appointment
    shortcut_id: str
    reply_outbox_id: str
    entry_id: str = ""
    slot_id: str = ""
    offer_id: str = ""

    def leaks(self) -> tuple[str, ...]:
        """Patient data that must never reach someone who may not see the Downtown patient
        (a 404 may repeat the id the caller sent, which tells them nothing new)."""
        return (self.patient.last_name, self.patient.contacts[0].value,
                self.patient.contacts[1].value, SECRET_TEXT)

    async def call(self, user: str, method: str, path: str, **kwargs: Any) -> tuple[int, str]:
        response = await self.client.request(method, path, headers=self.clinic.auth(user),
                                             **kwargs)
        return response.status, await response.text()


@pytest.fixture
async def scene(hub_template: Template, aiohttp_client: Any, tmp_path: Any) -> Scene:
    features: list[Callable[..., None]] = []
    try:
        from gateway.reminders import setup_reminders
    except ImportError:  # the reminders part is not installed
        pass
    else:
        features.append(setup_reminders)
    features += [partial(setup_waitlist, background=False), setup_bot]
    client, clinic = await start_from(hub_template, aiohttp_client, tmp_path, features=features)
    downtown = clinic.facility("downtown")
    patient = Patient(
        id=new_id(), org_id=clinic.org_id, first_name="Quinn", last_name="Zyzzlewick",
        primary_facility_id=downtown,
        contacts=(ContactPoint(kind=ContactKind.SMS, value="+16465550177"),
                  ContactPoint(kind=ContactKind.EMAIL, value="quinn@example.org")),
    )
    provider = clinic.data.providers[0]
    now = clinic.clock.now()
    appointment = Appointment(
        id=new_id(), org_id=clinic.org_id, patient_id=patient.id, facility_id=downtown,
        provider_id=provider.id, type_id=None, start=now + timedelta(days=2),
        duration_minutes=30, created_at=now, updated_at=now,
    )

    async def add(conn: Any) -> None:
        await PatientRepository(conn).add(patient, now)
        await AppointmentRepository(conn).add(appointment)

    await clinic.run(add)
    chat = await clinic.text_in(patient, SECRET_TEXT)
    unknown = await clinic.text_in(None, "who is this, I got a missed call",
                                   address="+17185550142")
    admin = clinic.auth("admin")
    await client.post(f"/api/conversations/{chat.id}/notes", headers=admin,
                      json={"body": "@lakeside please look at this"})
    reply = await client.post(f"/api/conversations/{chat.id}/messages", headers=admin,
                              json={"body": "We will call you back today.",
                                    "facility_id": downtown})
    reply_outbox_id = (await reply.json())["outbox_id"]
    shortcut = await client.post("/api/shortcuts", headers=admin,
                                 json={"shortcut": "hours", "title": "Hours",
                                       "body": "We are open 8 to 5."})
    shortcut_id = (await shortcut.json())["id"]
    made = Scene(client, clinic, patient, chat, unknown, appointment, shortcut_id,
                 reply_outbox_id)
    await _waitlist_of(made)
    return made


async def _waitlist_of(s: Scene) -> None:
    """The Downtown patient waits for an earlier visit; a Downtown opening is offered to them."""
    admin, downtown = s.clinic.auth("admin"), s.clinic.facility("downtown")
    provider = next(p for p, f in s.clinic.data.provider_facility.items() if f == downtown)
    entry = await s.client.post("/api/waitlist/entries", headers=admin, json={
        "patient_id": s.patient.id, "facility_id": downtown, "provider_id": provider,
        "note": SECRET_TEXT})
    s.entry_id = (await entry.json())["id"]
    slot = await s.client.post("/api/waitlist/slots", headers=admin, json={
        "facility_id": downtown, "provider_id": provider,
        "start": (s.clinic.clock.now() + timedelta(days=1, hours=2)).isoformat()})
    s.slot_id = (await slot.json())["id"]
    await s.client.post(f"/api/waitlist/slots/{s.slot_id}/offer", headers=admin,
                        json={"entry_ids": [s.entry_id]})
    offers = await s.client.get("/api/waitlist/offers", headers=admin)
    s.offer_id = (await offers.json())["offers"][0]["id"]


# -- the routes --------------------------------------------------------------------------------

Request = Callable[[Scene], tuple[str, str, dict[str, Any]]]
C = "/api/conversations/{conversation_id}"


def chat_route(method: str, suffix: str = "", body: dict[str, Any] | None = None) -> Request:
    def build(s: Scene) -> tuple[str, str, dict[str, Any]]:
        kwargs: dict[str, Any] = {} if body is None else {"json": body}
        return method, f"/api/conversations/{s.chat.id}{suffix}", kwargs
    return build


def secure_form(s: Scene) -> tuple[str, str, dict[str, Any]]:
    form = FormData()
    form.add_field("body", "Your results are attached.")
    form.add_field("facility_id", s.clinic.facility("downtown"))
    form.add_field("attachments", b"%PDF-1.4 test", filename="results.pdf",
                   content_type="application/pdf")
    return "POST", f"/api/conversations/{s.chat.id}/secure-messages", {"data": form}


FACILITY_SCOPED: dict[tuple[str, str], Request] = {
    ("GET", C): chat_route("GET"),
    ("PATCH", C): lambda s: ("PATCH", f"/api/conversations/{s.chat.id}",
                             {"json": {"facility_id": s.clinic.facility("downtown")}}),
    ("POST", f"{C}/assign"): chat_route("POST", "/assign", {"assignee_id": None}),
    ("POST", f"{C}/close"): chat_route("POST", "/close"),
    ("POST", f"{C}/reopen"): chat_route("POST", "/reopen"),
    ("POST", f"{C}/read"): chat_route("POST", "/read", {"unread": True}),
    ("POST", f"{C}/messages"): lambda s: ("POST", f"/api/conversations/{s.chat.id}/messages", {
        "json": {"body": "Hello", "facility_id": s.clinic.facility("downtown")}}),
    ("POST", f"{C}/notes"): chat_route("POST", "/notes", {"body": "checking"}),
    ("POST", f"{C}/identity"): lambda s: ("POST", f"/api/conversations/{s.chat.id}/identity",
                                          {"json": {"patient_id": s.patient.id}}),
    ("POST", f"{C}/secure-messages"): secure_form,
    ("GET", "/api/patients/{patient_id}"): lambda s: ("GET", f"/api/patients/{s.patient.id}",
                                                      {}),
    ("PATCH", "/api/patients/{patient_id}"): lambda s: (
        "PATCH", f"/api/patients/{s.patient.id}", {"json": {"preferred_language": "es"}}),
    ("POST", "/api/activity/messages/{outbox_id}/resend"): lambda s: (
        "POST", f"/api/activity/messages/{s.reply_outbox_id}/resend", {}),
}
"""Routes on one Downtown chat, patient or outbound message: 404 (and nothing changed) for
users without Downtown; anything but 404 for users with it."""

W = "/api/waitlist"
WAITLIST_SCOPED: dict[tuple[str, str], Request] = {
    ("GET", "/api/patients/{patient_id}/waitlist-offers"): lambda s: (
        "GET", f"/api/patients/{s.patient.id}/waitlist-offers", {}),
    ("PATCH", f"{W}/entries/{{entry_id}}"): lambda s: (
        "PATCH", f"{W}/entries/{s.entry_id}", {"json": {"note": "any time after 3"}}),
    ("POST", f"{W}/offers/{{offer_id}}/decline"): lambda s: (
        "POST", f"{W}/offers/{s.offer_id}/decline", {"json": {"reason": "matrix"}}),
    ("POST", f"{W}/offers/{{offer_id}}/approve"): lambda s: (
        "POST", f"{W}/offers/{s.offer_id}/approve", {}),
    ("POST", f"{W}/slots/{{slot_id}}/offer"): lambda s: (
        "POST", f"{W}/slots/{s.slot_id}/offer", {"json": {"entry_ids": [s.entry_id]}}),
    ("DELETE", f"{W}/slots/{{slot_id}}"): lambda s: ("DELETE", f"{W}/slots/{s.slot_id}", {}),
    ("DELETE", f"{W}/entries/{{entry_id}}"): lambda s: (
        "DELETE", f"{W}/entries/{s.entry_id}", {}),
    ("POST", f"{W}/entries"): lambda s: ("POST", f"{W}/entries", {"json": {
        "patient_id": s.patient.id, "facility_id": s.clinic.facility("downtown")}}),
}
"""The waitlist's routes on the Downtown patient's entry, opening and offer: scoped like the
Hub's (the later ones change what the earlier ones look at, hence the order)."""
FACILITY_SCOPED.update(WAITLIST_SCOPED)

BOT_SETTINGS: dict[tuple[str, str], Request] = {
    ("POST", "/api/bot/flows"): lambda s: ("POST", "/api/bot/flows", {"json": {}}),
    ("PUT", "/api/bot/flows/{key}"): lambda s: ("PUT", "/api/bot/flows/greeting", {"json": {}}),
    ("PATCH", "/api/bot/flows/{key}"): lambda s: (
        "PATCH", "/api/bot/flows/greeting", {"json": {}}),
    ("DELETE", "/api/bot/flows/{key}"): lambda s: ("DELETE", "/api/bot/flows/nope", {}),
    ("POST", "/api/bot/flows/{key}/versions/{version}/restore"): lambda s: (
        "POST", "/api/bot/flows/nope/versions/1/restore", {}),
    ("PUT", "/api/bot/messages/{key}"): lambda s: ("PUT", "/api/bot/messages/nope", {"json": {}}),
    ("DELETE", "/api/bot/messages/{key}"): lambda s: ("DELETE", "/api/bot/messages/nope", {}),
}
"""Changes to the chat bot's flows and texts: organisation settings, admins only (403 for the
others before anything is read); the bot's data holds no patient data."""

APPOINTMENT_ROUTES = "/api/appointments/{appointment_id}"
"""Routes of other parts under an appointment (the reminder timeline and actions): the Hub's
middleware scopes them by the appointment's facility."""

ROLE_ONLY: dict[tuple[str, str], tuple[Request, set[str]]] = {
    ("POST", "/api/shortcuts"): (lambda s: ("POST", "/api/shortcuts", {"json": {
        "shortcut": f"s{new_id().lower()[-8:]}", "title": "T", "body": "B"}}),
        {"admin", "manager"}),
    ("PATCH", "/api/shortcuts/{shortcut_id}"): (lambda s: (
        "PATCH", f"/api/shortcuts/{s.shortcut_id}", {"json": {"title": "Opening hours"}}),
        {"admin", "manager"}),
    ("DELETE", "/api/shortcuts/{shortcut_id}"): (lambda s: (
        "DELETE", f"/api/shortcuts/{s.shortcut_id}", {}), {"admin", "manager"}),
    ("POST", "/api/users"): (lambda s: ("POST", "/api/users", {"json": {
        "email": f"u{new_id().lower()[-10:]}@riverbend.example", "name": "New Person",
        "role": "staff", "group_ids": [], "password": "a long enough password"}}), {"admin"}),
    ("PATCH", "/api/users/{user_id}"): (lambda s: (
        "PATCH", f"/api/users/{s.clinic.user('foothills').id}", {"json": {"name": "Frankie F"}}),
        {"admin"}),
    ("POST", "/api/groups"): (lambda s: ("POST", "/api/groups", {"json": {
        "name": "Nurses", "facility_ids": []}}), {"admin"}),
    ("GET", "/api/settings/hub"): (lambda s: ("GET", "/api/settings/hub", {}), {"admin"}),
    ("PATCH", "/api/settings/hub"): (lambda s: ("PATCH", "/api/settings/hub", {
        "json": {"hub": {"reopen_min_chars": 20}}}), {"admin"}),
    ("GET", "/api/audit"): (lambda s: ("GET", "/api/audit", {}), {"admin"}),
}
"""Routes only some roles may use: 403 for the others."""

LISTS = {
    ("GET", "/api/conversations"), ("GET", "/api/patients"), ("GET", "/api/notifications"),
    ("GET", "/api/directory"), ("POST", "/api/conversations/bulk"), ("GET", "/api/activity"),
    ("GET", "/api/activity/{list}"),
}
"""Routes that list or touch many things: checked for what each user gets back."""

WAITLIST_LISTS = {
    ("GET", "/api/waitlist/entries"), ("POST", "/api/waitlist/entries/bulk"),
    ("POST", "/api/waitlist/entries/remove"), ("POST", "/api/waitlist/entries/upload"),
    ("GET", "/api/waitlist/slots"), ("POST", "/api/waitlist/slots"),
    ("POST", "/api/waitlist/slots/upload"), ("GET", "/api/waitlist/offers"),
    ("GET", "/api/waitlist/offers/active"), ("GET", "/api/waitlist/dashboard"),
    ("GET", "/api/reschedule/sessions"),
}
"""The waitlist's lists and bulk routes: checked below for what each user gets back."""

BOT_READS = {
    ("GET", "/api/bot/flows"), ("POST", "/api/bot/flows/validate"),
    ("GET", "/api/bot/system-flows"), ("GET", "/api/bot/messages"),
    ("GET", "/api/bot/flows/{key}"), ("GET", "/api/bot/flows/{key}/versions"),
    ("GET", "/api/bot/flows/{key}/versions/{version}"),
}
"""The chat bot's flows and texts: the organisation's settings, no patient data; every
signed-in user may read them."""

OWN = {
    ("GET", "/api/session"), ("POST", "/api/session"), ("DELETE", "/api/session"),
    ("POST", "/api/session/password"), ("POST", "/api/notifications/read"),
    ("GET", "/api/shortcuts"), ("GET", "/api/tokens"), ("POST", "/api/tokens"),
    ("DELETE", "/api/tokens/{token_id}"), ("GET", "/api/openapi.json"), ("GET", "/api/events"),
}
"""Routes about the caller themselves or public documents (tests/gateway/auth and
tests/gateway/hub/test_live.py cover them; tokens are below)."""

ORG_WIDE_OF_OTHER_PARTS: set[str] = set()
"""Routes other parts own that show organisation-wide data: the Hub only makes them require
sign-in (tested below); scoping their content is theirs."""

REMINDER_READS = {
    ("GET", "/api/templates"), ("POST", "/api/templates/preview"),
    ("GET", "/api/templates/{key}/{format}/{language}"), ("GET", "/api/message-library"),
    ("GET", "/api/reminders/next"),
}
"""The reminders' templates and library (the organisation's texts, no patient data) and the
next-reminders list (scoped by facility): every signed-in user may read them."""

TEMPLATE_BASE = "/api/templates/confirmation_reply/sms/en"
REMINDER_EDITS: dict[tuple[str, str], Request] = {
    ("PUT", "/api/templates/{key}/{format}/{language}"): lambda s: (
        "PUT", TEMPLATE_BASE, {"json": {"body": "Thanks {{ patient.first_name }}!"}}),
    ("POST", "/api/templates/{key}/{format}/{language}/restore"): lambda s: (
        "POST", f"{TEMPLATE_BASE}/restore", {"json": {"version": 1}}),
    ("POST", "/api/message-library"): lambda s: (
        "POST", "/api/message-library", {"json": {"title": "Parking", "body": "Park behind."}}),
    ("DELETE", "/api/message-library/{item_id}"): lambda s: (
        "DELETE", "/api/message-library/{item_id}", {}),
}
"""Changes to templates and the message library: admins and managers only (403 with the
reason for staff). The DELETE's ``{item_id}`` is a library item made just before each try."""


def api_routes(scene: Scene) -> set[tuple[str, str]]:
    found = set()
    for route in scene.client.app.router.routes():
        canonical = route.resource.canonical if route.resource else ""
        if canonical.startswith("/api") and route.method != "HEAD":
            found.add((route.method, canonical))
    return found


async def test_every_api_route_is_in_the_matrix(scene: Scene) -> None:
    known = set(FACILITY_SCOPED) | set(ROLE_ONLY) | LISTS | OWN
    known |= WAITLIST_LISTS | BOT_READS | set(BOT_SETTINGS)
    known |= REMINDER_READS | set(REMINDER_EDITS)
    unknown = {
        (method, path) for method, path in api_routes(scene)
        if (method, path) not in known and not path.startswith(APPOINTMENT_ROUTES)
        and not any(path.startswith(p) for p in ORG_WIDE_OF_OTHER_PARTS)
    }
    assert unknown == set(), "add these routes to the authorization matrix"


async def test_chat_and_patient_routes_are_scoped_by_facility(scene: Scene) -> None:
    # Users without Downtown first: nothing they try may change anything.
    before = await _snapshot(scene)
    for user in USERS:
        if user in SEES_DOWNTOWN:
            continue
        for route, build in FACILITY_SCOPED.items():
            method, path, kwargs = build(scene)
            status, text = await scene.call(user, method, path, **kwargs)
            assert status == 404, (route, user, status, text)
            assert not any(s in text for s in scene.leaks()), (route, user, text)
    assert await _snapshot(scene) == before, "a user changed a chat they cannot see"
    for user in sorted(SEES_DOWNTOWN):
        for route, build in FACILITY_SCOPED.items():
            method, path, kwargs = build(scene)
            status, text = await scene.call(user, method, path, **kwargs)
            assert status < 500 and status != 404, (route, user, status, text)


async def _snapshot(scene: Scene) -> tuple[Any, ...]:
    async with scene.clinic.db.read() as conn:
        chat = (await conn.execute(sa.select(t.conversations).where(
            t.conversations.c.id == scene.chat.id))).mappings().one()
        patient = (await conn.execute(sa.select(t.patients).where(
            t.patients.c.id == scene.patient.id))).mappings().one()
        counts = [
            (await conn.execute(sa.select(sa.func.count()).select_from(table).where(
                table.c.conversation_id == scene.chat.id))).scalar_one()
            for table in (t.notes, t.outbox, t.messages)
        ]
    return dict(chat), dict(patient), counts


async def test_appointment_routes_of_other_parts_are_scoped_by_facility(scene: Scene) -> None:
    routes = [r for r in api_routes(scene) if r[1].startswith(APPOINTMENT_ROUTES)]
    if not routes:
        pytest.skip("no part registers routes under /api/appointments/{id}")
    for user, (method, canonical) in itertools.product(USERS, sorted(routes)):
        path = canonical.replace("{appointment_id}", scene.appointment.id)
        status, text = await scene.call(user, method, path, json={})
        assert status < 500, (method, canonical, text)
        if user in SEES_DOWNTOWN:
            assert status != 404, (method, canonical, user, text)
        else:
            assert status == 404, (method, canonical, user)
            assert not any(s in text for s in scene.leaks())


async def test_role_only_routes_refuse_other_roles(scene: Scene) -> None:
    for user, (route, (build, roles)) in itertools.product(USERS, ROLE_ONLY.items()):
        if "{shortcut_id}" in route[1]:  # each try on a shortcut that exists
            made = await scene.client.post("/api/shortcuts", headers=scene.clinic.auth("admin"),
                                           json={"shortcut": f"s{new_id().lower()[-8:]}",
                                                 "title": "T", "body": "B"})
            scene.shortcut_id = (await made.json())["id"]
        method, path, kwargs = build(scene)
        status, text = await scene.call(user, method, path, **kwargs)
        if user in roles:
            assert status in (200, 201, 204), (route, user, text)
        else:
            assert status == 403, (route, user, status)


async def test_lists_show_only_what_the_user_may_see(scene: Scene) -> None:
    for user in USERS:
        await _lists_of(scene, user)


async def _lists_of(scene: Scene, user: str) -> None:
    _, text = await scene.call(user, "GET", "/api/conversations?limit=200")
    ids = {c["id"] for c in json.loads(text)["items"]}
    assert (scene.chat.id in ids) is (user in SEES_DOWNTOWN)
    assert (scene.unknown.id in ids) is (user in SEES_UNSCOPED)
    for queue in ("unassigned", "mine", "others", "closed"):
        _, text = await scene.call(user, "GET", f"/api/conversations?queue={queue}&q=rash")
        found = {c["id"] for c in json.loads(text)["items"]}
        assert found <= ({scene.chat.id} if user in SEES_DOWNTOWN else set())

    _, text = await scene.call(user, "GET", "/api/patients?q=Zyzzlewick")
    found = {p["id"] for p in json.loads(text)["items"]}
    assert found == ({scene.patient.id} if user in SEES_DOWNTOWN else set())

    _, text = await scene.call(user, "GET", "/api/directory")
    facilities = {f["id"] for f in json.loads(text)["facilities"]}
    user_access = {
        "admin": {f.id for f in scene.clinic.data.facilities},
        "manager": {scene.clinic.facility("downtown"), scene.clinic.facility("lakeside")},
        "downtown": {scene.clinic.facility("downtown")},
        "lakeside": {scene.clinic.facility("lakeside")},
        "foothills": {scene.clinic.facility("foothills")},
    }[user]
    assert facilities == user_access

    _, text = await scene.call(user, "GET", "/api/notifications")
    assert not any(n["conversation_id"] == scene.chat.id for n in json.loads(text)["items"]) \
        or user in SEES_DOWNTOWN

    _, text = await scene.call(user, "POST", "/api/conversations/bulk",
                                    json={"ids": [scene.chat.id, scene.unknown.id],
                                          "action": "mark_unread"})
    result = json.loads(text)
    assert (scene.chat.id in result["updated"]) is (user in SEES_DOWNTOWN)
    assert (scene.unknown.id in result["updated"]) is (user in SEES_UNSCOPED)


async def test_messaging_activity_shows_only_the_users_facilities(scene: Scene) -> None:
    lists = ["", "/last-sent", "/last-undelivered", "/needs-attention", "/last-responses",
             "/next-scheduled"]
    phone = scene.patient.contacts[0].value
    for user in USERS:
        bodies = []
        for suffix in lists:
            status, text = await scene.call(user, "GET", f"/api/activity{suffix}?limit=200")
            assert status == 200, (user, suffix, text)
            bodies.append(text)
        seen = any(phone in body for body in bodies)
        assert seen is (user in SEES_DOWNTOWN), user
    status, _ = await scene.call(
        "downtown", "GET", f"/api/activity?facility_id={scene.clinic.facility('foothills')}")
    assert status == 403


async def test_a_mention_of_someone_without_the_facility_notifies_nobody(scene: Scene) -> None:
    _, text = await scene.call("lakeside", "GET", "/api/notifications")
    assert json.loads(text)["items"] == []


async def test_tokens_of_others_cannot_be_seen_or_revoked(scene: Scene) -> None:
    _, text = await scene.call("downtown", "GET", "/api/tokens")
    owners = {item["user_id"] for item in json.loads(text)["items"]}
    assert owners == {scene.clinic.user("downtown").id}
    _, text = await scene.call("lakeside", "GET", "/api/tokens")
    theirs = json.loads(text)["items"][0]["id"]
    status, _ = await scene.call("downtown", "DELETE", f"/api/tokens/{theirs}")
    assert status == 404
    status, _ = await scene.call("admin", "GET", "/api/tokens")
    assert status == 200


async def test_nothing_under_api_answers_without_sign_in(scene: Scene) -> None:
    public = {("GET", "/api/openapi.json"), ("POST", "/api/session")}
    for method, canonical in api_routes(scene):
        if (method, canonical) in public:
            continue
        path = canonical
        for name in ("conversation_id", "patient_id", "appointment_id", "shortcut_id",
                     "token_id", "user_id", "key", "format", "language", "item_id",
                     "entry_id", "slot_id", "offer_id", "version"):
            path = path.replace("{" + name + "}", "x")
        response = await scene.client.request(method, path)
        assert response.status == 401, (method, canonical, response.status)




async def test_bot_settings_are_changed_by_admins_only(scene: Scene) -> None:
    for user, (route, build) in itertools.product(USERS, BOT_SETTINGS.items()):
        method, path, kwargs = build(scene)
        status, text = await scene.call(user, method, path, **kwargs)
        assert status < 500, (route, user, text)
        if user == "admin":
            assert status != 403, (route, user, text)
        else:
            assert status == 403, (route, user, status)
    for user, (method, path) in itertools.product(USERS, sorted(BOT_READS)):
        if "{" in path or method != "GET":
            continue
        status, text = await scene.call(user, method, path)
        assert status == 200, (path, user, text)


async def test_waitlist_lists_show_only_the_users_facilities(scene: Scene) -> None:
    lists = ["/api/waitlist/entries?status=all", "/api/waitlist/slots",
             "/api/waitlist/offers", "/api/waitlist/offers/active",
             f"/api/patients/{scene.patient.id}/waitlist-offers"]
    for user in USERS:
        seen = []
        for path in lists:
            status, text = await scene.call(user, "GET", path)
            if path.startswith("/api/patients/") and user not in SEES_DOWNTOWN:
                assert status == 404, (user, path)
                continue
            assert status == 200, (user, path, text)
            seen.append(scene.entry_id in text or scene.slot_id in text
                        or scene.offer_id in text)
        assert all(seen) if user in SEES_DOWNTOWN else not any(seen), (user, seen)
        _, text = await scene.call(user, "GET", "/api/waitlist/dashboard")
        dashboard = json.loads(text)
        assert (dashboard["waiting"] > 0, bool(dashboard["offers_by_state"])) == (
            (True, True) if user in SEES_DOWNTOWN else (False, False)), (user, dashboard)
    for user in ("lakeside", "foothills", "downtown"):  # those who cannot see it first
        _, text = await scene.call(user, "POST", "/api/waitlist/entries/remove",
                                   json={"entry_ids": [scene.entry_id]})
        assert json.loads(text)["removed"] == (1 if user == "downtown" else 0), (user, text)
    status, text = await scene.call("lakeside", "POST", "/api/waitlist/entries", json={
        "patient_id": scene.patient.id, "facility_id": scene.clinic.facility("lakeside")})
    assert status == 404 and not any(s in text for s in scene.leaks())


async def test_next_reminders_show_only_the_users_facilities(scene: Scene) -> None:
    from gateway.reminders import REMINDERS

    await scene.clinic.app[REMINDERS].created(scene.appointment.id)
    phone = scene.patient.contacts[0].value
    for user in USERS:
        status, text = await scene.call(user, "GET", "/api/reminders/next?limit=500")
        assert status == 200, (user, text)
        ours = [r for r in json.loads(text)["reminders"]
                if r["appointment_id"] == scene.appointment.id]
        assert bool(ours) is (user in SEES_DOWNTOWN), user
        assert (phone in text) is (user in SEES_DOWNTOWN), user
    for user, (method, path) in itertools.product(USERS, sorted(REMINDER_READS)):
        if method == "GET":
            path = path.replace("{key}/{format}/{language}", "confirmation_reply/sms/en")
            status, text = await scene.call(user, method, path)
            assert status == 200, (path, user, text)


async def test_template_and_library_changes_need_admin_or_manager(scene: Scene) -> None:
    admin = scene.clinic.auth("admin")
    for user, (route, build) in itertools.product(USERS, REMINDER_EDITS.items()):
        method, path, kwargs = build(scene)
        if "{item_id}" in path:  # each try on a library item that exists
            made = await scene.client.post("/api/message-library", headers=admin,
                                           json={"title": "T", "body": "B"})
            path = path.replace("{item_id}", (await made.json())["id"])
        status, text = await scene.call(user, method, path, **kwargs)
        if user in ("admin", "manager"):
            assert status in (200, 201), (route, user, text)
        else:
            assert status == 403 and "admins and managers" in text, (route, user, status)
