"""API tokens for integrations: a token acts as the user who made it, with their role and
facilities; only its hash is stored and the secret is shown once."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from domain.errors import NotFound
from gateway.api._body import read_json, text_field
from gateway.api.views import json_ok
from gateway.auth.audit import audit
from gateway.auth.credentials import hash_secret, new_api_token
from gateway.auth.keys import AUTH
from gateway.auth.principal import Permission
from gateway.auth.request import current_principal
from gateway.auth.store import ApiToken, AuthStore
from gateway.errors import bad_request
from gateway.keys import CLOCK, DB

__all__ = ["create_token", "list_tokens", "revoke_token"]


def _view(token: ApiToken) -> dict[str, Any]:
    return {"id": token.id, "name": token.name, "prefix": token.prefix,
            "user_id": token.user_id, "created_at": token.created_at,
            "last_used_at": token.last_used_at, "expires_at": token.expires_at,
            "revoked_at": token.revoked_at}


async def list_tokens(request: web.Request) -> web.Response:
    """``GET /api/tokens``: one's own tokens (admins: everyone's)."""
    principal = current_principal(request)
    mine = None if principal.can(Permission.MANAGE_ALL_TOKENS) else principal.user_id
    async with request.app[DB].read() as conn:
        tokens = await AuthStore(conn).tokens(principal.org_id, user_id=mine)
    return json_ok({"items": [_view(t) for t in tokens]})


async def create_token(request: web.Request) -> web.Response:
    """``POST /api/tokens``: ``{"name", "days"?}``; the answer holds the secret, once.
    Tokens cannot make tokens."""
    principal = current_principal(request)
    if principal.token_id is not None:
        raise bad_request("sign in to create API tokens", status=403)
    body = await read_json(request)
    name = " ".join(text_field(body, "name", max_length=100).split())
    config = request.app[AUTH]
    days = body.get("days", config.policy.token_days)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 730:
        raise bad_request("days must be a whole number from 1 to 730", field="days", status=422)
    now = request.app[CLOCK].now()
    secret, token = new_api_token(principal.user, name, now, days)
    async with request.app[DB].transaction() as conn:
        await AuthStore(conn).add_token(token, hash_secret(secret))
        await audit(conn, principal, "create", "api_token", token.id, now)
    return json_ok(_view(token) | {"token": secret}, status=201)


async def revoke_token(request: web.Request) -> web.Response:
    """``DELETE /api/tokens/{id}``: one's own token (admins: anyone's in the organisation)."""
    principal = current_principal(request)
    token_id = request.match_info["token_id"]
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        store = AuthStore(conn)
        token = await store.token(token_id)
        allowed = token is not None and token.org_id == principal.org_id and (
            token.user_id == principal.user_id or principal.can(Permission.MANAGE_ALL_TOKENS)
        )
        if token is None or not allowed:
            raise NotFound("api_token", token_id)
        await store.revoke_token(token.id, now)
        await audit(conn, principal, "revoke", "api_token", token.id, now)
    return web.Response(status=204)
