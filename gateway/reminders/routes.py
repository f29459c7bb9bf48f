"""Staff API of reminders: timeline, next reminders, send now, block and unblock.

Routes (JSON):

* ``GET  /api/appointments/{id}/timeline`` -- every planned, sent, skipped and blocked
  reminder with its reason (the Hub shows it on the appointment);
* ``POST /api/appointments/{id}/reminders/send-now`` -- REM-08;
* ``POST /api/appointments/{id}/reminders/block`` and ``.../unblock`` -- REM-51;
* ``GET  /api/reminders/next?limit=50&facility_id=`` -- REM-48.

The organisation comes from the signed-in staff member (``request["org_id"]``, set by the
Hub's authentication middleware) and, until that exists, from ``?org_id=`` or the only
organisation of an embedded installation.
"""

from __future__ import annotations

from aiohttp import web

from domain.storage.repositories import AppointmentRepository, PracticeRepository
from gateway.errors import bad_request
from gateway.keys import DB
from gateway.reminders.keys import REMINDERS

__all__ = ["add_routes", "org_of"]


async def org_of(request: web.Request) -> str:
    """The organisation the request acts for."""
    org_id = request.get("org_id") or request.query.get("org_id")
    if isinstance(org_id, str) and org_id:
        return org_id
    async with request.app[DB].read() as conn:
        organizations = await PracticeRepository(conn).organizations()
    if len(organizations) == 1:
        return organizations[0].id
    raise bad_request("org_id is required", field="org_id", status=400)


async def _appointment_in_org(request: web.Request) -> str:
    appointment_id = request.match_info["appointment_id"]
    org_id = await org_of(request)
    async with request.app[DB].read() as conn:
        appointment = await AppointmentRepository(conn).get(appointment_id)
    if appointment.org_id != org_id:
        raise bad_request(f"appointment {appointment_id!r} not found", status=404)
    return appointment_id


async def get_timeline(request: web.Request) -> web.Response:
    appointment_id = await _appointment_in_org(request)
    return web.json_response(await request.app[REMINDERS].timeline(appointment_id))


async def post_send_now(request: web.Request) -> web.Response:
    appointment_id = await _appointment_in_org(request)
    row = await request.app[REMINDERS].send_now(appointment_id, by=request.get("user_id"))
    return web.json_response({"outbox_id": row.id, "channel": row.channel.value,
                              "due_at": row.due_at.isoformat().replace("+00:00", "Z")})


async def _set_blocked(request: web.Request, blocked: bool) -> web.Response:
    appointment_id = await _appointment_in_org(request)
    await request.app[REMINDERS].set_blocked(appointment_id, blocked, by=request.get("user_id"))
    return web.json_response(await request.app[REMINDERS].timeline(appointment_id))


async def post_block(request: web.Request) -> web.Response:
    return await _set_blocked(request, True)


async def post_unblock(request: web.Request) -> web.Response:
    return await _set_blocked(request, False)


async def get_next(request: web.Request) -> web.Response:
    try:
        limit = int(request.query.get("limit", "50"))
    except ValueError:
        raise bad_request("limit must be a whole number", field="limit") from None
    if not 1 <= limit <= 500:
        raise bad_request("limit must be between 1 and 500", field="limit")
    items = await request.app[REMINDERS].next_reminders(
        await org_of(request), limit=limit, facility_id=request.query.get("facility_id"))
    return web.json_response({"reminders": items})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/appointments/{appointment_id}/timeline", get_timeline)
    app.router.add_post("/api/appointments/{appointment_id}/reminders/send-now", post_send_now)
    app.router.add_post("/api/appointments/{appointment_id}/reminders/block", post_block)
    app.router.add_post("/api/appointments/{appointment_id}/reminders/unblock", post_unblock)
    app.router.add_get("/api/reminders/next", get_next)
