"""Openings, offers and the dashboard: publish and withdraw slots, offer by hand (WL-04), the
offer history of the account and of a patient (WL-02, WL-03), active offers with time left
(WL-07), staff approval of accepted offers (WL-27), the per-provider dashboard (WL-01) and
reschedule sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import NotFound
from domain.model import SlotState
from domain.storage.repositories import AppointmentRepository, PracticeRepository
from domain.waitlist import OfferState
from domain.waitlist.slot_import import SlotDirectory, read_slots
from gateway.api._body import optional_text, query_int, read_json
from gateway.auth.principal import Principal
from gateway.auth.request import current_principal
from gateway.auth.scoping import visible_patient
from gateway.errors import bad_request
from gateway.keys import CLOCK, DB
from gateway.waitlist._parse import csv_bytes, dry_run_flag, duration, iso_time, upload_report
from gateway.waitlist.api_json import offer_json, session_json, slot_json
from gateway.waitlist.booking import approve, reject
from gateway.waitlist.keys import WAITLIST_DEPS
from gateway.waitlist.offers import offer_slot
from gateway.waitlist.reschedule_store import RescheduleStore
from gateway.waitlist.slots import publish_slot
from gateway.waitlist.store import WaitlistStore

__all__ = [
    "active_offers",
    "approve_offer",
    "dashboard",
    "decline_offer",
    "list_offers",
    "list_sessions",
    "list_slots",
    "offer_by_hand",
    "patient_offers",
    "publish",
    "upload_slots",
    "withdraw",
]


def _states(request: web.Request) -> tuple[OfferState, ...] | None:
    raw = request.query.get("state")
    if not raw:
        return None
    try:
        return tuple(OfferState(s) for s in raw.split(","))
    except ValueError:
        allowed = ", ".join(s.value for s in OfferState)
        raise bad_request(f"state must be a list of {allowed}", field="state",
                          status=422) from None


async def _offers(request: web.Request, *, patient_id: str | None,
                  states: tuple[OfferState, ...] | None) -> list[dict[str, Any]]:
    principal = current_principal(request)
    limit = query_int(request, "limit", 100, low=1, high=500)
    offset = query_int(request, "offset", 0, low=0, high=1_000_000)
    now = request.app[CLOCK].now()
    async with request.app[DB].read() as conn:
        offers = await WaitlistStore(conn).offers(
            principal.org_id, patient_id=patient_id, states=states, limit=limit, offset=offset)
        slots = AppointmentRepository(conn)
        shown = []
        for offer in offers:
            slot = await slots.slot(offer.slot_id)
            if principal.sees(slot.facility_id):
                shown.append(offer_json(offer, now) | {"slot": slot_json(slot)})
    return shown


async def list_offers(request: web.Request) -> web.Response:
    """``GET /api/waitlist/offers``: every offer, newest first, filtered by ``state`` (WL-02)."""
    return web.json_response({"offers": await _offers(request, patient_id=None,
                                                      states=_states(request))})


async def patient_offers(request: web.Request) -> web.Response:
    """``GET /api/patients/{patient_id}/waitlist-offers``: one patient's offers (WL-03); 404
    for a patient the user may not see, like the Hub's patient routes (HUB-17)."""
    states = _states(request)
    patient_id = request.match_info["patient_id"]
    async with request.app[DB].read() as conn:
        await visible_patient(conn, current_principal(request), patient_id)
    return web.json_response({"offers": await _offers(request, patient_id=patient_id,
                                                      states=states)})


async def active_offers(request: web.Request) -> web.Response:
    """``GET /api/waitlist/offers/active``: offers waiting for the patient, with the seconds
    left to answer, and accepted offers waiting for staff (WL-07, WL-27)."""
    offers = await _offers(request, patient_id=None,
                           states=(OfferState.OFFERED, OfferState.ACCEPTED))
    return web.json_response({
        "waiting_for_patient": [o for o in offers if o["state"] == OfferState.OFFERED.value],
        "waiting_for_approval": [o for o in offers if o["state"] == OfferState.ACCEPTED.value],
    })


async def approve_offer(request: web.Request) -> web.Response:
    """``POST /api/waitlist/offers/{offer_id}/approve``: book an accepted offer (WL-27)."""
    principal = current_principal(request)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        await _visible_offer(conn, principal.org_id, request.match_info["offer_id"], principal)
        offer = await approve(conn, request.app[WAITLIST_DEPS], principal.org_id,
                              request.match_info["offer_id"], principal.user_id, now)
    return web.json_response(offer_json(offer, now))


async def decline_offer(request: web.Request) -> web.Response:
    """``POST /api/waitlist/offers/{offer_id}/decline`` ``{"reason"?}``: do not book it."""
    principal = current_principal(request)
    body = await read_json(request) if request.can_read_body else {}
    reason = optional_text(body, "reason", max_length=200) or ""
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        await _visible_offer(conn, principal.org_id, request.match_info["offer_id"], principal)
        offer = await reject(conn, principal.org_id, request.match_info["offer_id"],
                             principal.user_id, now, reason=reason)
    return web.json_response(offer_json(offer, now))


async def _visible_offer(
    conn: AsyncConnection, org_id: str, offer_id: str, principal: Principal
) -> None:
    offer = await WaitlistStore(conn).offer(offer_id, org_id=org_id)
    slot = await AppointmentRepository(conn).slot(offer.slot_id)
    if not principal.sees(slot.facility_id):
        raise NotFound("waitlist offer", offer_id)


async def list_slots(request: web.Request) -> web.Response:
    """``GET /api/waitlist/slots``: openings from now for ``days`` (default 30), by ``state``
    (default open and offered)."""
    principal = current_principal(request)
    days = query_int(request, "days", 30, low=1, high=366)
    states = request.query.get("state", f"{SlotState.OPEN},{SlotState.OFFERED}").split(",")
    now = request.app[CLOCK].now()
    async with request.app[DB].read() as conn:
        slots = await AppointmentRepository(conn).open_slots(
            principal.org_id, now, now + timedelta(days=days), states=states)
    return web.json_response({"slots": [slot_json(s) for s in slots
                                         if principal.sees(s.facility_id)]})


async def publish(request: web.Request) -> web.Response:
    """``POST /api/waitlist/slots``: publish an opening from the schedule; it is offered at
    once under the organisation's rules."""
    principal = current_principal(request)
    body = await read_json(request)
    facility_id = optional_text(body, "facility_id", max_length=26)
    provider_id = optional_text(body, "provider_id", max_length=26)
    start = iso_time(body, "start")
    if facility_id is None or provider_id is None or start is None:
        raise bad_request("facility_id, provider_id and start are required", status=422)
    if not principal.sees(facility_id):
        raise NotFound("facility", facility_id)
    double = body.get("double_booked", False)
    if not isinstance(double, bool):
        raise bad_request("double_booked must be true or false", field="double_booked",
                          status=422)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        org = await PracticeRepository(conn).organization(principal.org_id)
        slot = await publish_slot(
            conn, org_id=org.id, facility_id=facility_id, provider_id=provider_id,
            type_id=optional_text(body, "type_id", max_length=26), start=start,
            duration_minutes=duration(body) or org.settings.waitlist.default_duration_minutes,
            now=now, double_booked=double,
        )
        run = await offer_slot(conn, org, slot, now)
    return web.json_response(slot_json(slot) | {"offers": len(run.offers),
                                                "not_offered": run.blocked}, status=201)


async def upload_slots(request: web.Request) -> web.Response:
    """``POST /api/waitlist/slots/upload`` (CSV body, or multipart field ``file``): publish
    the valid lines as openings and offer them; report every line. ``?dry_run=1`` checks."""
    principal = current_principal(request)
    data = await csv_bytes(request)
    dry_run = dry_run_flag(request)
    now = request.app[CLOCK].now()
    offered = 0
    async with request.app[DB].transaction() as conn:
        org = await PracticeRepository(conn).organization(principal.org_id)
        practice = PracticeRepository(conn)
        facilities = {k: f for k, f in (await practice.facilities(org.id)).items()
                      if principal.sees(k)}
        kinds = await practice.types(org.id)
        directory = SlotDirectory(
            facilities={k: f.name for k, f in facilities.items()},
            zones={k: f.timezone for k, f in facilities.items()},
            providers={k: p.name for k, p in (await practice.providers(org.id)).items()},
            types={k: a.name for k, a in kinds.items()},
            durations={k: a.duration_minutes for k, a in kinds.items()},
        )
        report = read_slots(data, org_id=org.id, directory=directory, now=now)
        if not dry_run:
            repo = AppointmentRepository(conn)
            for slot in report.slots:
                await repo.add_slot(slot)
                offered += len((await offer_slot(conn, org, slot, now)).offers)
    result = report.to_dict() | {"dry_run": dry_run, "offers": offered}
    return upload_report(result, len(report.problems))


async def offer_by_hand(request: web.Request) -> web.Response:
    """``POST /api/waitlist/slots/{slot_id}/offer`` ``{"entry_ids": [...]}``: staff send the
    offer themselves (WL-04); the matching rules still apply."""
    principal = current_principal(request)
    body = await read_json(request)
    ids = body.get("entry_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise bad_request("entry_ids must be a non-empty list of ids", field="entry_ids",
                          status=422)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        slot = await AppointmentRepository(conn).slot(request.match_info["slot_id"])
        if slot.org_id != principal.org_id or not principal.sees(slot.facility_id):
            raise NotFound("slot", slot.id)
        if principal.access is not None:  # only entries the user may see (HUB-17)
            entries = await WaitlistStore(conn).entries(principal.org_id, ids=ids, status=None)
            ids = [e.id for e in entries if principal.sees(e.facility_id)]
        org = await PracticeRepository(conn).organization(principal.org_id)
        run = await offer_slot(conn, org, slot, now, entry_ids=ids)
    return web.json_response({"offers": [offer_json(o, now) for o in run.offers],
                              "not_offered": run.blocked})


async def withdraw(request: web.Request) -> web.Response:
    """``DELETE /api/waitlist/slots/{slot_id}``: the opening is no longer available."""
    principal = current_principal(request)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        repo = AppointmentRepository(conn)
        slot = await repo.slot(request.match_info["slot_id"])
        if slot.org_id != principal.org_id or not principal.sees(slot.facility_id):
            raise NotFound("slot", slot.id)
        if not await repo.take_slot(slot.id, expected_states=[SlotState.OPEN, SlotState.OFFERED],
                                    to=SlotState.WITHDRAWN):
            raise bad_request(f"the slot is {slot.state}", status=409)
        store = WaitlistStore(conn)
        for offer in await store.offers_for_slot(slot.id):
            if offer.state is OfferState.OFFERED:
                await store.move_offer(offer, OfferState.OFFERED, state=OfferState.WITHDRAWN,
                                       reason="slot withdrawn", decided_at=now)
        slot = await repo.slot(slot.id)
    return web.json_response(slot_json(slot))


async def dashboard(request: web.Request) -> web.Response:
    """``GET /api/waitlist/dashboard``: waiting patients per provider, offers by state over the
    last ``days`` (default 30), and what waits for staff (WL-01)."""
    principal = current_principal(request)
    days = query_int(request, "days", 30, low=1, high=366)
    now = request.app[CLOCK].now()
    since = now - timedelta(days=days)
    async with request.app[DB].read() as conn:
        store = WaitlistStore(conn)
        providers = await PracticeRepository(conn).providers(principal.org_id)
        entries = [e for e in await store.entries(principal.org_id)
                   if principal.sees(e.facility_id)]
        slots = AppointmentRepository(conn)
        recent = [o for o in await store.offers(principal.org_id, limit=500)
                  if o.created_at >= since
                  and principal.sees((await slots.slot(o.slot_id)).facility_id)]
    per_provider: dict[str | None, int] = {}
    for entry in entries:
        per_provider[entry.provider_id] = per_provider.get(entry.provider_id, 0) + 1
    by_state: dict[str, int] = {}
    for offer in recent:
        by_state[offer.state.value] = by_state.get(offer.state.value, 0) + 1
    return web.json_response({
        "providers": [
            {"provider_id": pid, "name": providers[pid].name if pid in providers else "Any",
             "waiting": count}
            for pid, count in sorted(per_provider.items(), key=lambda kv: -kv[1])
        ],
        "waiting": len(entries),
        "offers_by_state": by_state,
        "awaiting_approval": by_state.get(OfferState.ACCEPTED.value, 0),
        "generated_at": now.isoformat(),
    })


async def list_sessions(request: web.Request) -> web.Response:
    """``GET /api/reschedule/sessions``: recent reschedule-by-text sessions."""
    principal = current_principal(request)
    limit = query_int(request, "limit", 100, low=1, high=500)
    async with request.app[DB].read() as conn:
        sessions = await RescheduleStore(conn).sessions(principal.org_id, limit=limit)
        if principal.access is not None:
            appointments = AppointmentRepository(conn)
            sessions = [s for s in sessions
                        if principal.sees((await appointments.get(s.appointment_id)).facility_id)]
    return web.json_response({"sessions": [session_json(s) for s in sessions]})
