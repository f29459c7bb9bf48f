"""Staff API of reminders: timeline, next reminders, send now, block and unblock.

Routes (JSON):

* ``GET  /api/appointments/{id}/timeline`` -- every planned, sent, skipped and blocked
  reminder with its reason (the Hub shows it on the appointment);
* ``POST /api/appointments/{id}/reminders/send-now`` -- REM-08;
* ``POST /api/appointments/{id}/reminders/block`` and ``.../unblock`` -- REM-51;
* ``GET  /api/reminders/next?limit=50&facility_id=`` -- REM-48.

Every route acts for the signed-in staff member (``current_principal``) and shows only the
facilities they may see (HUB-17): an appointment of another facility answers 404 exactly like
one that does not exist, and the next-reminders list leaves other facilities' rows out.
"""

from __future__ import annotations

from aiohttp import web

from domain.storage import tables as t
from gateway.auth.principal import Principal
from gateway.auth.request import current_principal
from gateway.auth.scoping import facility_condition, visible_appointment
from gateway.errors import bad_request
from gateway.keys import DB
from gateway.reminders.keys import REMINDERS

__all__ = ["add_routes", "visible_appointment_id"]


async def visible_appointment_id(request: web.Request) -> tuple[str, Principal]:
    """The ``{appointment_id}`` of the path and the principal, if the principal may see it.

    Raises:
        NotFound: no such appointment, or it belongs to a facility the principal may not see.
    """
    principal = current_principal(request)
    async with request.app[DB].read() as conn:
        appointment = await visible_appointment(conn, principal,
                                                request.match_info["appointment_id"])
    return appointment.id, principal


async def get_timeline(request: web.Request) -> web.Response:
    appointment_id, _ = await visible_appointment_id(request)
    return web.json_response(await request.app[REMINDERS].timeline(appointment_id))


async def post_send_now(request: web.Request) -> web.Response:
    appointment_id, principal = await visible_appointment_id(request)
    row = await request.app[REMINDERS].send_now(appointment_id, by=principal.user_id)
    return web.json_response({"outbox_id": row.id, "channel": row.channel.value,
                              "due_at": row.due_at.isoformat().replace("+00:00", "Z")})


async def _set_blocked(request: web.Request, blocked: bool) -> web.Response:
    appointment_id, principal = await visible_appointment_id(request)
    await request.app[REMINDERS].set_blocked(appointment_id, blocked, by=principal.user_id)
    return web.json_response(await request.app[REMINDERS].timeline(appointment_id))


async def post_block(request: web.Request) -> web.Response:
    return await _set_blocked(request, True)


async def post_unblock(request: web.Request) -> web.Response:
    return await _set_blocked(request, False)


async def get_next(request: web.Request) -> web.Response:
    principal = current_principal(request)
    try:
        limit = int(request.query.get("limit", "50"))
    except ValueError:
        raise bad_request("limit must be a whole number", field="limit") from None
    if not 1 <= limit <= 500:
        raise bad_request("limit must be between 1 and 500", field="limit")
    facility_id = request.query.get("facility_id")
    if facility_id is not None and not principal.sees(facility_id):
        raise bad_request("no access to that facility", field="facility_id", status=403)
    items = await request.app[REMINDERS].next_reminders(
        principal.org_id, limit=limit, facility_id=facility_id,
        visible=facility_condition(t.outbox.c.facility_id, principal))
    return web.json_response({"reminders": items})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/appointments/{appointment_id}/timeline", get_timeline)
    app.router.add_post("/api/appointments/{appointment_id}/reminders/send-now", post_send_now)
    app.router.add_post("/api/appointments/{appointment_id}/reminders/block", post_block)
    app.router.add_post("/api/appointments/{appointment_id}/reminders/unblock", post_unblock)
    app.router.add_get("/api/reminders/next", get_next)
