"""The Hub: Careline's staff inbox (HUB, PIT). ``setup_hub(app)`` wires authentication, the
JSON API, the web UI, live updates and the patients' secure-message pages."""

from __future__ import annotations

from aiohttp import web

from gateway.api.activity import ActivityScope, setup_activity_api
from gateway.api.routes import setup_api
from gateway.auth.keys import AUTH, AuthConfig
from gateway.auth.middleware import auth_middleware, security_headers
from gateway.auth.request import current_principal
from gateway.hub.identity_check import setup_identity_check
from gateway.hub.live import LIVE, LiveStreams, close_streams
from gateway.hub.pages import setup_pages
from gateway.hub.secure_pages import setup_secure_pages
from gateway.keys import SETTINGS

__all__ = ["PUBLIC_PATHS", "setup_hub"]

PUBLIC_PATHS = ["/api/openapi.json", "POST /api/session", "/hub/login", "/hub/static/"]
"""Paths under /api and /hub that answer without sign-in: a trailing ``/`` makes a prefix, a
method in front limits the entry to that method (signing in)."""


def setup_hub(app: web.Application) -> None:
    """Register the Hub on ``app`` (needs SETTINGS, CLOCK, DB, STORES).

    Adds the authentication middleware for ``/api`` and ``/hub`` (every ``/api`` route of
    every part needs a signed-in user from now on, and routes under
    ``/api/{appointments,conversations,patients}/{id}`` are scoped by facility), the Hub API
    and its OpenAPI document, the messaging-activity lists scoped to the user's facilities,
    the ``/hub`` pages, the live event stream, ``/secure``, and the identity check of unknown
    senders with the dialog manager (PIT-04, when the dialogs part is installed).
    """
    settings = app[SETTINGS]
    app[AUTH] = AuthConfig(
        secret=settings.resolved_secret_key().encode(), cookie_secure=settings.cookie_secure,
        public_paths=list(PUBLIC_PATHS),
    )
    app[LIVE] = LiveStreams()
    app.middlewares.append(auth_middleware)
    app.on_response_prepare.append(security_headers)
    app.on_shutdown.append(close_streams)
    setup_api(app)
    setup_activity_api(app, scope=activity_scope)
    setup_pages(app)
    setup_secure_pages(app)
    setup_identity_check(app)


def activity_scope(request: web.Request) -> ActivityScope:
    """The messaging-activity lists (the outbox part's ``/api/activity``) show the signed-in
    user's organisation and facilities only."""
    principal = current_principal(request)
    return ActivityScope(principal.org_id, principal.access, principal.user_id)
