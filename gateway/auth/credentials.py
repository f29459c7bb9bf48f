"""Session cookies and API tokens: creating them, and finding the principal behind a request.

Secrets are random (256 bits) and stored only as SHA-256 hashes, so a copy of the database
signs nobody in. Sessions live server-side, so signing out or deactivating a user ends them at
once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import NotFound
from domain.model import StaffUser, new_id
from domain.storage.repositories import StaffRepository
from gateway.auth.keys import AUTH, AuthConfig
from gateway.auth.policy import AuthPolicy, session_expiry
from gateway.auth.principal import Principal
from gateway.auth.store import ApiToken, AuthStore, SessionRow
from gateway.keys import CLOCK, DB

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "TOKEN_PREFIX",
    "authenticate",
    "clear_session_cookies",
    "csrf_matches",
    "hash_secret",
    "new_api_token",
    "set_csrf_cookie",
    "set_session_cookies",
    "start_session",
]

SESSION_COOKIE = "careline_session"
CSRF_COOKIE = "careline_csrf"
CSRF_HEADER = "X-CSRF-Token"
TOKEN_PREFIX = "clt_"

_TOUCH_EVERY = timedelta(minutes=5)


def hash_secret(value: str) -> str:
    """The hex SHA-256 of a session or token secret (what the database stores)."""
    return hashlib.sha256(value.encode()).hexdigest()


async def start_session(
    store: AuthStore, user: StaffUser, now: datetime, policy: AuthPolicy
) -> tuple[str, SessionRow]:
    """Open a session for ``user``. Returns the cookie value (shown once) and the stored row."""
    token = secrets.token_urlsafe(32)
    row = SessionRow(
        id=hash_secret(token), org_id=user.org_id, user_id=user.id,
        csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen_at=now,
        expires_at=session_expiry(now, now, policy),
    )
    await store.add_session(row)
    return token, row


def new_api_token(user: StaffUser, name: str, now: datetime, days: int) -> tuple[str, ApiToken]:
    """A new API token for ``user``. Returns the secret (shown once) and the record."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        id=new_id(), org_id=user.org_id, user_id=user.id, name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6], created_at=now,
        expires_at=now + timedelta(days=days),
    )
    return secret, record


def set_session_cookies(
    response: web.StreamResponse, token: str, csrf_token: str, config: AuthConfig
) -> None:
    """Put the session cookie (HttpOnly) and its CSRF token cookie (readable by our script)."""
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax",
                        secure=config.cookie_secure, path="/")
    set_csrf_cookie(response, csrf_token, config)


def set_csrf_cookie(response: web.StreamResponse, value: str, config: AuthConfig) -> None:
    response.set_cookie(CSRF_COOKIE, value, httponly=False, samesite="Strict",
                        secure=config.cookie_secure, path="/")


def clear_session_cookies(response: web.StreamResponse) -> None:
    response.del_cookie(SESSION_COOKIE, path="/")


async def authenticate(request: web.Request) -> Principal | None:
    """The principal of ``request`` from its bearer token or session cookie; None when it has
    neither, or one that is unknown, expired, revoked or belongs to an inactive user."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return await _from_token(request, header[7:].strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return await _from_session(request, cookie)
    return None


async def _from_session(request: web.Request, cookie: str) -> Principal | None:
    config = request.app[AUTH]
    now = request.app[CLOCK].now()
    async with request.app[DB].read() as conn:
        row = await AuthStore(conn).session(hash_secret(cookie))
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            return None
        principal = await _principal(conn, row.user_id, session_id=row.id,
                                     csrf_token=row.csrf_token)
    if principal is not None and now - row.last_seen_at >= _TOUCH_EVERY:
        async with request.app[DB].transaction() as conn:
            await AuthStore(conn).touch_session(
                row.id, now, session_expiry(row.created_at, now, config.policy)
            )
    return principal


async def _from_token(request: web.Request, secret: str) -> Principal | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = request.app[CLOCK].now()
    async with request.app[DB].read() as conn:
        token = await AuthStore(conn).token_by_hash(hash_secret(secret))
        if token is None or not token.usable_at(now):
            return None
        principal = await _principal(conn, token.user_id, token_id=token.id)
    if principal is not None and (
        token.last_used_at is None or now - token.last_used_at >= _TOUCH_EVERY
    ):
        async with request.app[DB].transaction() as conn:
            await AuthStore(conn).touch_token(token.id, now)
    return principal


async def _principal(
    conn: AsyncConnection, user_id: str, *, session_id: str | None = None,
    csrf_token: str | None = None, token_id: str | None = None,
) -> Principal | None:
    staff = StaffRepository(conn)
    try:
        user = await staff.user(user_id)
    except NotFound:
        return None
    if not user.active:
        return None
    return Principal(user=user, groups=await staff.groups(user.org_id), session_id=session_id,
                     csrf_token=csrf_token, token_id=token_id)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of a CSRF token with the one the client sent."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
