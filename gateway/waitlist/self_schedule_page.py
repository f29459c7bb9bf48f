"""The self-schedule page behind a link (RSC-07, RSC-08): ``GET`` shows the open times,
``POST`` books the chosen one. No sign-in: the signed, stored link is the permission.

A single-use link is marked used in the same transaction that books, so two submissions race
to one booking: the second is rolled back and told the link was used.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.replies import format_when
from domain.errors import NotFound
from domain.model import ACTIVE_STATUSES, Appointment, Organization
from domain.storage.repositories import AppointmentRepository, PracticeRepository
from gateway.keys import CLOCK, DB
from gateway.waitlist.keys import WAITLIST_DEPS
from gateway.waitlist.rebook import RebookOutcome, rebook
from gateway.waitlist.reschedule import options_for
from gateway.waitlist.reschedule_store import RescheduleStore, SelfScheduleLink
from gateway.waitlist.self_schedule import valid_link

__all__ = ["book_page", "show_page"]

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/p/self-schedule-static/page.css"></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""
_MAX_SHOWN = 9


class _UsedLink(Exception):
    """The link was used by a concurrent submission; the transaction must roll back."""


def _html(title: str, body: str, status: int = 200) -> web.Response:
    text = _PAGE.format(title=escape(title), body=body)
    return web.Response(text=text, content_type="text/html", status=status,
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def _gone() -> web.Response:
    return _html("This link no longer works",
                 "<p>It has expired or was already used. Please call the office to change your "
                 "appointment.</p>", status=410)


async def _load(
    conn: AsyncConnection, request: web.Request, token: str, now: datetime
) -> tuple[SelfScheduleLink, Appointment, Organization] | None:
    appointment_id = request.match_info["appointment_id"]
    link = await valid_link(conn, request.app[WAITLIST_DEPS], appointment_id, token, now)
    if link is None:
        return None
    try:
        appointment = await AppointmentRepository(conn).get(appointment_id)
    except NotFound:
        return None
    if appointment.status not in ACTIVE_STATUSES or appointment.start <= now:
        return None
    org = await PracticeRepository(conn).organization(link.org_id)
    return link, appointment, org


async def show_page(request: web.Request) -> web.Response:
    """``GET /p/self-schedule/{appointment_id}?t=...``: the times the patient may pick."""
    token = request.query.get("t", "")
    now = request.app[CLOCK].now()
    async with request.app[DB].read() as conn:
        loaded = await _load(conn, request, token, now)
        if loaded is None:
            return _gone()
        _, appointment, org = loaded
        options = await options_for(conn, org, appointment, now, max_options=_MAX_SHOWN)
        zone = ZoneInfo((await PracticeRepository(conn).facility(appointment.facility_id))
                        .timezone)
    current = escape(format_when(appointment.start, zone))
    if not options:
        return _html("No other times right now",
                     f"<p>Your appointment on {current} is unchanged. Please call the office "
                     "to find another time.</p>")
    choices = "".join(
        f'<li><label><input type="radio" name="slot_id" value="{escape(o.id)}" required> '
        f"{escape(format_when(o.start, zone))}</label></li>"
        for o in options
    )
    form = (
        f"<p>Your appointment is on {current}. Pick a new time:</p>"
        f'<form method="post"><input type="hidden" name="t" value="{escape(token)}">'
        f"<ul>{choices}</ul><button type=\"submit\">Move my appointment</button></form>"
    )
    return _html(f"{escape(org.name)}: choose a new time", form)


async def book_page(request: web.Request) -> web.Response:
    """``POST /p/self-schedule/{appointment_id}`` (form: ``t``, ``slot_id``): book it."""
    form = await request.post()
    token, slot_id = str(form.get("t", "")), str(form.get("slot_id", ""))
    if not slot_id or len(slot_id) > 26:
        return _html("Please pick a time", "<p>Go back and choose one of the times.</p>", 422)
    now = request.app[CLOCK].now()
    db = request.app[DB]
    try:
        async with db.transaction() as conn:
            loaded = await _load(conn, request, token, now)
            if loaded is None:
                return _gone()
            link, appointment, org = loaded
            if slot_id not in {o.id for o in await options_for(
                    conn, org, appointment, now, max_options=_MAX_SHOWN)}:
                return _html("That time is no longer available",
                             "<p>Go back to see the times still open.</p>", 409)
            result = await rebook(conn, request.app[WAITLIST_DEPS], org, appointment, slot_id,
                                  now)
            if result.outcome is RebookOutcome.BOOKED and result.new_appointment_id:
                if not await RescheduleStore(conn).use_link(link, now, result.new_appointment_id):
                    raise _UsedLink
                slot = await AppointmentRepository(conn).slot(slot_id)
                zone = ZoneInfo((await PracticeRepository(conn).facility(slot.facility_id))
                                .timezone)
    except _UsedLink:
        return _gone()
    if result.outcome is RebookOutcome.TAKEN:
        return _html("That time was just taken", "<p>Go back and pick another time.</p>", 409)
    if result.outcome is RebookOutcome.FAILED:
        return _html("We couldn't confirm the new time",
                     "<p>Your appointment is unchanged. Please call the office.</p>", 502)
    return _html("You're all set", f"<p>Your appointment is now on "
                 f"{escape(format_when(slot.start, zone))}. Your earlier time was cancelled.</p>")
