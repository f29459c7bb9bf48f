"""Organisation settings of the Hub and patient-initiated texting, and the audit log
(admins only)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from aiohttp import web

from domain.errors import ValidationError
from domain.org_settings import OrgSettings
from domain.storage import tables as t
from domain.storage.repositories import PracticeRepository
from gateway.api._body import query_int, read_json
from gateway.api.views import json_ok
from gateway.auth.audit import audit
from gateway.auth.principal import Permission
from gateway.auth.request import require_permission
from gateway.inbound.keys import ADDRESS_BOOK
from gateway.inbound.org_changes import announce_org_change
from gateway.keys import CLOCK, DB

__all__ = ["get_hub_settings", "list_audit", "update_hub_settings"]

_SECTIONS = ("hub", "messaging")


def _view(settings: OrgSettings) -> dict[str, Any]:
    data = settings.to_dict()
    return {section: data[section] for section in _SECTIONS}


async def get_hub_settings(request: web.Request) -> web.Response:
    """``GET /api/settings/hub``: the ``hub`` and ``messaging`` sections (PIT-03: the number
    patients text is ``messaging.sms_number``)."""
    principal = require_permission(request, Permission.MANAGE_SETTINGS)
    async with request.app[DB].read() as conn:
        organization = await PracticeRepository(conn).organization(principal.org_id)
    return json_ok(_view(organization.settings))


async def update_hub_settings(request: web.Request) -> web.Response:
    """``PATCH /api/settings/hub``: change fields of the ``hub`` and ``messaging`` sections;
    the whole result is validated before anything is stored."""
    principal = require_permission(request, Permission.MANAGE_SETTINGS)
    body = await read_json(request)
    for key, value in body.items():
        if key not in _SECTIONS:
            raise ValidationError(key, "only hub and messaging can be changed here")
        if not isinstance(value, dict):
            raise ValidationError(key, "must be an object")
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        practice = PracticeRepository(conn)
        organization = await practice.organization(principal.org_id)
        data = organization.settings.to_dict()
        for section, changes in body.items():
            data[section] = {**data[section], **changes}
        settings = OrgSettings.from_dict(data)
        await practice.save_org_settings(principal.org_id, settings)
        await audit(conn, principal, "update", "settings", principal.org_id, now,
                    sections=sorted(body))
    if ADDRESS_BOOK in request.app:  # the channel gateway keeps organisations for a while
        await announce_org_change(request.app, principal.org_id)
    return json_ok(_view(settings))


async def list_audit(request: web.Request) -> web.Response:
    """``GET /api/audit``: newest first; filter by ``entity``, ``entity_id``, ``actor_id``."""
    principal = require_permission(request, Permission.VIEW_AUDIT)
    a = t.audit_log
    query = sa.select(a).where(a.c.org_id == principal.org_id)
    for name in ("entity", "entity_id", "actor_id"):
        value = request.query.get(name)
        if value:
            query = query.where(a.c[name] == value[:64])
    limit = query_int(request, "limit", 100, low=1, high=500)
    query = query.order_by(a.c.at.desc(), a.c.id.desc()).limit(limit)
    async with request.app[DB].read() as conn:
        rows = (await conn.execute(query)).mappings().all()
    return json_ok({"items": [
        {k: r[k] for k in ("id", "actor_id", "action", "entity", "entity_id", "detail", "at")}
        for r in rows
    ]})
