"""``GET|POST /widget/session?key=<public key>``: an anonymous, signed widget session token.

Pass ``token=<old token>`` as well to renew a session (same session id, new expiry). The answer
carries CORS headers: the widget runs on the clinic's own website.
"""

from __future__ import annotations

from aiohttp import web

from channels.widget import issue_session, read_session
from domain.model import Channel
from gateway.errors import bad_request
from gateway.inbound.keys import ADDRESS_BOOK
from gateway.keys import CLOCK, DB, SETTINGS, STORES
from gateway.webhooks.keys import SECRET

__all__ = ["CORS", "session_handler", "widget_options"]

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}


async def widget_options(request: web.Request) -> web.Response:
    """CORS preflight."""
    return web.Response(status=204, headers=CORS)


async def session_handler(request: web.Request) -> web.Response:
    """Issue or renew a session for the organisation whose public key is ``key``."""
    key = request.query.get("key", "")
    if not key or len(key) > 64:
        raise bad_request("the organisation's public key is required", field="key")
    ip = request.remote or "unknown"
    if not await request.app[STORES].rate_limiter.try_acquire(
        f"widget:session:{ip}", rate=0.5, burst=10
    ):
        raise bad_request("too many new sessions from this address; wait a moment", status=429)
    async with request.app[DB].read() as conn:
        await request.app[ADDRESS_BOOK].organization(conn, Channel.WIDGET, key)
    now = request.app[CLOCK].now()
    secret = request.app[SECRET]
    previous = read_session(secret, request.query.get("token", ""), now)
    renew = previous.session_id if previous is not None and previous.public_key == key else None
    session = issue_session(key, now, session_id=renew)
    base = request.app[SETTINGS].public_url
    ws_base = "ws" + base[4:] if base.startswith("http") else base
    body = {
        "token": session.token(secret),
        "session_id": session.session_id,
        "expires_at": session.expires_at,
        "ws_url": f"{ws_base}/widget/ws",
    }
    return web.json_response(body, headers=CORS)
