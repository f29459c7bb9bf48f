"""Staff sign-in: argon2 passwords, server-side sessions in HttpOnly cookies, CSRF, lock-out,
sign-out, and what the audit log records."""

from __future__ import annotations

from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from domain.storage import tables as t
from domain.storage import tables_hub as h
from tests.gateway.hub.harness import (
    DEMO_PASSWORD,
    Clinic,
    build_hub_app,
    csrf_cookie,
    hub_settings,
    sign_in,
)

Hub = tuple[TestClient, Clinic]


def cookie_attributes(response: Any, name: str) -> Any:
    for header in response.headers.getall("Set-Cookie"):
        parsed = SimpleCookie(header)
        if name in parsed:
            return parsed[name]
    raise AssertionError(f"no {name} cookie set")


async def test_sign_in_sets_a_secret_http_only_lax_session_cookie(hub: Hub) -> None:
    client, clinic = hub
    response = await sign_in(client, "downtown@riverbend.example")
    assert response.status == 200
    body = await response.json()
    assert body["user"]["email"] == "downtown@riverbend.example"
    assert body["facility_ids"] == [clinic.facility("downtown")]
    session = cookie_attributes(response, "careline_session")
    assert session["httponly"] and session["samesite"] == "Lax" and not session["secure"]
    # Only a hash of the cookie is stored.
    async with clinic.db.read() as conn:
        stored = (await conn.execute(sa.select(h.staff_sessions.c.id))).scalars().all()
    assert session.value not in stored and len(stored) == 1
    assert (await client.get("/api/session")).status == 200


async def test_cookies_are_secure_on_https_deployments(aiohttp_client: Any, tmp_path: Path
                                                       ) -> None:
    settings = hub_settings(tmp_path, CARELINE_PUBLIC_URL="https://hub.example.org")
    app = build_hub_app(settings)
    client: TestClient = await aiohttp_client(app)
    response = await client.get("/hub/login")
    assert cookie_attributes(response, "careline_csrf")["secure"]


async def test_a_wrong_password_and_an_unknown_email_answer_the_same(hub: Hub) -> None:
    client, _ = hub
    wrong = await sign_in(client, "downtown@riverbend.example", "not-the-password")
    unknown = await sign_in(client, "nobody@riverbend.example", "not-the-password")
    assert wrong.status == unknown.status == 401
    assert (await wrong.json()) == (await unknown.json())
    assert (await client.get("/api/session")).status == 401


async def test_five_failures_lock_the_account_for_fifteen_minutes(hub: Hub) -> None:
    client, clinic = hub
    for _ in range(5):
        assert (await sign_in(client, "lakeside@riverbend.example", "guess")).status == 401
    # Even the right password is refused while locked.
    assert (await sign_in(client, "lakeside@riverbend.example")).status == 401
    clinic.clock.advance(timedelta(minutes=16))
    assert (await sign_in(client, "lakeside@riverbend.example")).status == 200
    async with clinic.db.read() as conn:
        failures = (await conn.execute(
            sa.select(t.staff_users.c.failed_logins, t.staff_users.c.locked_until)
            .where(t.staff_users.c.email == "lakeside@riverbend.example"))).one()
        actions = (await conn.execute(
            sa.select(t.audit_log.c.action).where(t.audit_log.c.entity.in_(["user", "session"]))
        )).scalars().all()
    assert tuple(failures) == (0, None)
    assert actions.count("sign_in_failed") == 6 and "sign_in" in actions  # 5 + 1 while locked


async def test_sign_in_needs_the_csrf_cookie_echoed(hub: Hub) -> None:
    client, _ = hub
    await csrf_cookie(client)
    response = await client.post("/api/session", json={
        "email": "downtown@riverbend.example", "password": DEMO_PASSWORD})
    assert response.status == 403
    forged = await client.post(
        "/api/session", json={"email": "downtown@riverbend.example", "password": DEMO_PASSWORD},
        headers={"X-CSRF-Token": "made-up"})
    assert forged.status == 403


async def test_changes_need_the_session_csrf_token(hub: Hub) -> None:
    client, clinic = hub
    session = await (await sign_in(client, "admin@riverbend.example")).json()
    conversation = await clinic.text_in(clinic.patient_at("downtown"), "a question for you all")
    path = f"/api/conversations/{conversation.id}/close"
    assert (await client.post(path)).status == 403
    assert (await client.post(path, headers={"X-CSRF-Token": "guess"})).status == 403
    done = await client.post(path, headers={"X-CSRF-Token": session["csrf_token"]})
    assert done.status == 200


async def test_sign_out_ends_the_session_on_the_server(hub: Hub) -> None:
    client, _ = hub
    session = await (await sign_in(client, "downtown@riverbend.example")).json()
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["careline_session"]
    out = await client.delete("/api/session", headers={"X-CSRF-Token": session["csrf_token"]})
    assert out.status == 204
    # Replaying the old cookie does not work: the session is revoked, not just forgotten.
    replay = await client.get("/api/session",
                              headers={"Cookie": f"careline_session={cookie.value}"})
    assert replay.status == 401


async def test_sessions_end_after_eight_idle_hours(hub: Hub) -> None:
    client, clinic = hub
    await sign_in(client, "downtown@riverbend.example")
    clinic.clock.advance(timedelta(hours=7))
    assert (await client.get("/api/session")).status == 200
    clinic.clock.advance(timedelta(hours=7))  # used 7 hours ago: still alive
    assert (await client.get("/api/session")).status == 200
    clinic.clock.advance(timedelta(hours=8, minutes=1))
    assert (await client.get("/api/session")).status == 401


async def test_deactivating_a_user_ends_their_sessions_and_tokens(hub: Hub) -> None:
    client, clinic = hub
    await sign_in(client, "foothills@riverbend.example")
    frankie = clinic.user("foothills")
    answer = await client.patch(f"/api/users/{frankie.id}", json={"active": False},
                                headers=clinic.auth("admin"))
    assert answer.status == 200
    assert (await client.get("/api/session")).status == 401
    assert (await client.get("/api/directory", headers=clinic.auth("foothills"))).status == 401


async def test_changing_ones_password_keeps_this_browser_signed_in_only(hub: Hub) -> None:
    client, _ = hub
    session = await (await sign_in(client, "downtown@riverbend.example")).json()
    changed = await client.post(
        "/api/session/password",
        json={"current_password": DEMO_PASSWORD, "new_password": "a much longer secret 42"},
        headers={"X-CSRF-Token": session["csrf_token"]},
    )
    assert changed.status == 200
    assert (await client.get("/api/session")).status == 200
    await client.delete("/api/session",
                        headers={"X-CSRF-Token": (await changed.json())["csrf_token"]})
    assert (await sign_in(client, "downtown@riverbend.example")).status == 401
    assert (await sign_in(client, "downtown@riverbend.example",
                          "a much longer secret 42")).status == 200


async def test_weak_new_passwords_are_refused(hub: Hub) -> None:
    client, _ = hub
    session = await (await sign_in(client, "downtown@riverbend.example")).json()
    response = await client.post(
        "/api/session/password",
        json={"current_password": DEMO_PASSWORD, "new_password": "short"},
        headers={"X-CSRF-Token": session["csrf_token"]},
    )
    assert response.status == 422
    assert (await response.json())["field"] == "new_password"


async def test_many_sign_in_attempts_from_one_address_are_slowed(hub: Hub) -> None:
    client, _ = hub
    statuses = [(await sign_in(client, f"x{i}@riverbend.example", "guess")).status
                for i in range(14)]
    assert 429 in statuses and statuses[0] == 401


async def test_pages_need_sign_in_and_come_back_after(hub: Hub) -> None:
    client, _ = hub
    redirect = await client.get("/hub", allow_redirects=False)
    assert redirect.status == 302
    assert redirect.headers["Location"] == "/hub/login?next=/hub"
    login = await client.get("/hub/login")
    assert "default-src 'self'" in login.headers["Content-Security-Policy"]
    assert login.headers["X-Frame-Options"] == "DENY"
    await sign_in(client, "downtown@riverbend.example")
    page = await client.get("/hub")
    assert page.status == 200 and "Careline Hub" in await page.text()
    api = await client.get("/api/directory")
    assert api.headers["Cache-Control"] == "no-store"
