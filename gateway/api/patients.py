"""The patient panel (HUB-07) and patient search (to identify a sender)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from aiohttp import web

from domain.errors import ValidationError
from domain.storage import tables as t
from domain.storage.repositories import PatientRepository
from gateway.api._body import query_int, read_json
from gateway.api.views import appointment_view, json_ok, patient_view
from gateway.auth.request import current_principal
from gateway.auth.scoping import patient_condition
from gateway.errors import bad_request
from gateway.hub.patients import patient_panel, update_demographics
from gateway.keys import CLOCK, DB

__all__ = ["get_patient", "search_patients", "update_patient"]

_EDITABLE = {"first_name", "last_name", "date_of_birth", "preferred_language"}


async def get_patient(request: web.Request) -> web.Response:
    """``GET /api/patients/{id}``: demographics, appointments at the user's facilities (with
    their reminder timeline link), waitlist entries and sign-in history. Audited."""
    principal = current_principal(request)
    async with request.app[DB].transaction() as conn:
        panel = await patient_panel(conn, principal, request.match_info["patient_id"],
                                    request.app[CLOCK].now())
    return json_ok({
        "patient": patient_view(panel["patient"]),
        "appointments": [appointment_view(a) for a in panel["appointments"]],
        "waitlist": panel["waitlist"],
        "logins": [
            {"at": row["at"], "method": row["method"], "success": row["success"]}
            for row in panel["logins"]
        ],
    })


async def update_patient(request: web.Request) -> web.Response:
    """``PATCH /api/patients/{id}``: change name, date of birth or preferred language."""
    principal = current_principal(request)
    body = await read_json(request)
    unknown = sorted(set(body) - _EDITABLE)
    if unknown:
        raise bad_request(f"{unknown[0]} cannot be changed here", field=unknown[0], status=422)
    if not body:
        raise bad_request("nothing to change", status=422)
    changes: dict[str, Any] = {}
    for name in ("first_name", "last_name", "preferred_language"):
        if name in body:
            if not isinstance(body[name], str):
                raise ValidationError(name, "must be text")
            changes[name] = body[name]
    if "date_of_birth" in body:
        raw = body["date_of_birth"]
        try:
            changes["date_of_birth"] = None if raw is None else date.fromisoformat(str(raw))
        except ValueError:
            raise ValidationError("date_of_birth", "must be a date such as 1985-04-27") from None
    async with request.app[DB].transaction() as conn:
        patient = await update_demographics(conn, principal, request.match_info["patient_id"],
                                            changes, request.app[CLOCK].now())
    return json_ok(patient_view(patient))


async def search_patients(request: web.Request) -> web.Response:
    """``GET /api/patients?q=``: identified patients the user may see whose name or MRN
    matches, to link a chat to."""
    principal = current_principal(request)
    text = " ".join(request.query.get("q", "").split())
    if not 2 <= len(text) <= 100:
        raise bad_request("q must have 2-100 characters", field="q", status=422)
    limit = query_int(request, "limit", 20, low=1, high=50)
    p = t.patients
    query = sa.select(p.c.id).where(p.c.org_id == principal.org_id, p.c.placeholder.is_(False))
    for word in text.lower().split()[:3]:
        like = f"%{word.replace('%', '').replace('_', '')}%"
        query = query.where(sa.or_(sa.func.lower(p.c.first_name).like(like),
                                   sa.func.lower(p.c.last_name).like(like),
                                   sa.func.lower(p.c.mrn) == word))
    condition = patient_condition(principal)
    if condition is not None:
        query = query.where(condition)
    query = query.order_by(p.c.last_name, p.c.first_name, p.c.id).limit(limit)
    async with request.app[DB].read() as conn:
        ids = (await conn.execute(query)).scalars().all()
        found = await PatientRepository(conn).get_many(ids)
    return json_ok({"items": [patient_view(found[i]) for i in ids]})
