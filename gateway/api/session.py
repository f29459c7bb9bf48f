"""Sign-in, sign-out, the current session, and changing one's own password."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web

from domain.hub_rules import user_handle
from domain.model import StaffUser
from domain.storage.repositories import StaffRepository
from gateway.api._body import read_json, text_field
from gateway.auth.audit import audit
from gateway.auth.credentials import (
    clear_session_cookies,
    set_session_cookies,
    start_session,
)
from gateway.auth.keys import AUTH
from gateway.auth.passwords import check_password_strength
from gateway.auth.policy import is_locked
from gateway.auth.principal import Principal, permissions_of
from gateway.auth.request import current_principal, unauthenticated
from gateway.auth.store import AuthStore
from gateway.errors import bad_request
from gateway.keys import CLOCK, DB, STORES
from gateway.logs import get_logger

__all__ = [
    "change_password", "get_session", "session_body", "sign_in", "sign_out", "user_body",
]

log = get_logger(__name__)

SIGN_IN_FAILED = (
    "The email or password is not right, or the account is locked for a few minutes after "
    "repeated failures."
)


def user_body(user: StaffUser) -> dict[str, Any]:
    """A staff user as the API shows them (never the password hash)."""
    return {"id": user.id, "name": user.name, "email": user.email, "role": user.role.value,
            "handle": user_handle(user), "group_ids": sorted(user.group_ids),
            "active": user.active}


def session_body(principal: Principal) -> dict[str, Any]:
    """The ``Session`` schema: who is signed in, what they may do and see."""
    return {
        "user": user_body(principal.user),
        "csrf_token": principal.csrf_token,
        "permissions": sorted(p.value for p in permissions_of(principal.role)),
        "facility_ids": None if principal.access is None else sorted(principal.access),
    }


async def sign_in(request: web.Request) -> web.Response:
    """``POST /api/session``: check email and password, open a session, set its cookies."""
    body = await read_json(request)
    email = text_field(body, "email", max_length=254)
    password = text_field(body, "password")
    app = request.app
    config = app[AUTH]
    limiter = app[STORES].rate_limiter
    if not await limiter.try_acquire(f"sign-in:{request.remote}", rate=0.5, burst=10):
        raise bad_request("too many sign-in attempts; wait a minute", status=429)
    now = app[CLOCK].now()
    async with app[DB].read() as conn:
        user = await StaffRepository(conn).user_by_email(email)
    usable = user is not None and user.active and not is_locked(user, now)
    ok = await config.passwords.verify(user.password_hash if usable and user else None, password)
    if not ok or user is None:
        if user is not None:
            async with app[DB].transaction() as conn:
                locked = usable and await AuthStore(conn).record_failure(user.id, now,
                                                                         config.policy)
                await audit(conn, None, "sign_in_failed", "user", user.id, now,
                            org_id=user.org_id, locked=locked)
        log.info("sign_in_failed", known=user is not None)
        raise unauthenticated(SIGN_IN_FAILED)
    async with app[DB].transaction() as conn:
        store = AuthStore(conn)
        user = replace(user, failed_logins=0, locked_until=None)
        if config.passwords.needs_rehash(user.password_hash or ""):
            user = replace(user, password_hash=await config.passwords.hash(password))
            await StaffRepository(conn).save_user(user)
        else:
            await store.clear_failures(user.id)
        token, row = await start_session(store, user, now, config.policy)
        groups = await StaffRepository(conn).groups(user.org_id)
        principal = Principal(user=user, groups=groups, session_id=row.id,
                              csrf_token=row.csrf_token)
        await audit(conn, principal, "sign_in", "session", None, now)
    response = web.json_response(session_body(principal))
    set_session_cookies(response, token, row.csrf_token, config)
    return response


async def get_session(request: web.Request) -> web.Response:
    """``GET /api/session``: the signed-in user, or 401."""
    return web.json_response(session_body(current_principal(request)))


async def sign_out(request: web.Request) -> web.Response:
    """``DELETE /api/session``: end this session (server-side) and drop its cookie."""
    principal = current_principal(request)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        if principal.session_id is not None:
            await AuthStore(conn).revoke_session(principal.session_id, now)
        await audit(conn, principal, "sign_out", "session", None, now)
    response = web.Response(status=204)
    clear_session_cookies(response)
    return response


async def change_password(request: web.Request) -> web.Response:
    """``POST /api/session/password``: change one's own password. Every session of the user
    ends and a new one replaces this one."""
    principal = current_principal(request)
    body = await read_json(request)
    current = text_field(body, "current_password")
    new = text_field(body, "new_password")
    problem = check_password_strength(new)
    if problem is not None:
        raise bad_request(f"new_password {problem}", field="new_password", status=422)
    config = request.app[AUTH]
    if not await config.passwords.verify(principal.user.password_hash, current):
        raise bad_request("the current password is not right", field="current_password",
                          status=422)
    now = request.app[CLOCK].now()
    new_hash = await config.passwords.hash(new)
    async with request.app[DB].transaction() as conn:
        await StaffRepository(conn).save_user(replace(principal.user, password_hash=new_hash))
        store = AuthStore(conn)
        await store.revoke_user_sessions(principal.user_id, now)
        token, row = await start_session(store, principal.user, now, config.policy)
        await audit(conn, principal, "change_password", "user", principal.user_id, now)
    renewed = replace(principal, session_id=row.id, csrf_token=row.csrf_token)
    response = web.json_response(session_body(renewed))
    set_session_cookies(response, token, row.csrf_token, config)
    return response
