"""Waitlist entries API: add one or many (WL-10, WL-11), edit (WL-12), remove one or many
(WL-14, WL-15), CSV upload with a line-by-line report (WL-11)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import DomainError, NotFound, ValidationError
from domain.model import ACTIVE_STATUSES
from domain.storage import tables as t
from domain.storage.repositories import PracticeRepository
from domain.storage.tables_waitlist import waitlist_entries
from domain.waitlist import EntrySource, EntryStatus, WaitlistEntry
from domain.waitlist.csv_import import Directory, read_entries
from gateway.api._body import optional_text, query_int, read_json
from gateway.auth.principal import Principal
from gateway.auth.request import current_principal
from gateway.auth.scoping import visible_patient
from gateway.errors import bad_request
from gateway.keys import CLOCK, DB
from gateway.waitlist._parse import csv_bytes, dry_run_flag, duration, iso_time, upload_report
from gateway.waitlist._resources import check_known
from gateway.waitlist.api_json import entry_json
from gateway.waitlist.membership import add_entry, confirm_joined, remove_entries
from gateway.waitlist.store import WaitlistStore

__all__ = [
    "bulk_create",
    "bulk_remove",
    "create_entry",
    "delete_entry",
    "list_entries",
    "update_entry",
    "upload_csv",
]

MAX_BULK = 500
_EDITABLE = ("facility_id", "provider_id", "type_id", "duration_minutes", "note", "expires_at")


def _visible(principal: Principal, entry: WaitlistEntry) -> bool:
    return principal.sees(entry.facility_id)


async def _create(conn: AsyncConnection, principal: Principal, body: dict[str, Any],
                  now: datetime, source: EntrySource) -> WaitlistEntry:
    if not isinstance(body, dict):
        raise ValidationError("entry", "must be an object")
    patient_id = optional_text(body, "patient_id", max_length=26)
    if not patient_id:
        raise ValidationError("patient_id", "is required")
    facility_id = optional_text(body, "facility_id", max_length=26)
    if facility_id is not None and not principal.sees(facility_id):
        raise NotFound("facility", facility_id)
    if principal.access is not None:
        # HUB-17: only patients the user may see, and only on a list they will see again.
        await visible_patient(conn, principal, patient_id)
        if not principal.sees(facility_id):
            raise ValidationError("facility_id", "is required: name one of your facilities")
    org = await PracticeRepository(conn).organization(principal.org_id)
    entry = await add_entry(
        conn, org, patient_id=patient_id, now=now, source=source,
        appointment_id=optional_text(body, "appointment_id", max_length=26),
        facility_id=facility_id,
        provider_id=optional_text(body, "provider_id", max_length=26),
        type_id=optional_text(body, "type_id", max_length=26),
        duration_minutes=duration(body), note=optional_text(body, "note", max_length=500) or "",
        expires_at=iso_time(body, "expires_at"),
    )
    await confirm_joined(conn, org, entry, now)
    return entry


def _statuses(request: web.Request) -> tuple[EntryStatus, ...] | None:
    raw = request.query.get("status", "active")
    if raw == "all":
        return None
    try:
        return tuple(EntryStatus(s) for s in raw.split(","))
    except ValueError:
        allowed = ", ".join(s.value for s in EntryStatus)
        raise bad_request(f"status must be all or a list of {allowed}", field="status",
                          status=422) from None


async def list_entries(request: web.Request) -> web.Response:
    """``GET /api/waitlist/entries``: filter by ``status`` (default active; ``all``),
    ``provider_id``, ``facility_id``, ``patient_id``; paged by ``limit`` and ``offset``."""
    principal = current_principal(request)
    limit = query_int(request, "limit", 100, low=1, high=500)
    offset = query_int(request, "offset", 0, low=0, high=1_000_000)
    async with request.app[DB].read() as conn:
        entries = await WaitlistStore(conn).entries(
            principal.org_id, status=_statuses(request),
            provider_id=request.query.get("provider_id") or None,
            facility_id=request.query.get("facility_id") or None,
            patient_id=request.query.get("patient_id") or None,
            limit=limit, offset=offset,
        )
    return web.json_response({"entries": [entry_json(e) for e in entries
                                           if _visible(principal, e)]})


async def create_entry(request: web.Request) -> web.Response:
    """``POST /api/waitlist/entries``: add one patient (WL-10)."""
    principal = current_principal(request)
    body = await read_json(request)
    async with request.app[DB].transaction() as conn:
        entry = await _create(conn, principal, body, request.app[CLOCK].now(), EntrySource.API)
    return web.json_response(entry_json(entry), status=201)


async def bulk_create(request: web.Request) -> web.Response:
    """``POST /api/waitlist/entries/bulk`` ``{"entries": [...]}``: add many (WL-11); each item
    succeeds or fails on its own and the answer reports every one."""
    principal = current_principal(request)
    body = await read_json(request)
    items = body.get("entries")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BULK:
        raise bad_request(f"entries must be a list of 1 to {MAX_BULK} objects", field="entries",
                          status=422)
    now = request.app[CLOCK].now()
    results: list[dict[str, Any]] = []
    async with request.app[DB].transaction() as conn:
        for index, item in enumerate(items):
            try:
                async with conn.begin_nested():
                    entry = await _create(conn, principal, item, now, EntrySource.API)
                results.append({"index": index, "ok": True, "entry": entry_json(entry)})
            except (DomainError, web.HTTPException) as exc:
                results.append({"index": index, "ok": False, "error": _error(exc)})
    added = sum(1 for r in results if r["ok"])
    return web.json_response({"added": added, "rejected": len(results) - added,
                              "results": results})


def _error(exc: DomainError | web.HTTPException) -> dict[str, object]:
    if isinstance(exc, DomainError):
        return exc.to_dict()
    return {"error": "invalid", "message": exc.text or exc.reason}


async def _entry(conn: AsyncConnection, principal: Principal, entry_id: str) -> WaitlistEntry:
    entry = await WaitlistStore(conn).entry(principal.org_id, entry_id)
    if not _visible(principal, entry):
        raise NotFound("waitlist entry", entry_id)
    return entry


async def update_entry(request: web.Request) -> web.Response:
    """``PATCH /api/waitlist/entries/{entry_id}``: edit what the patient waits for (WL-12)."""
    principal = current_principal(request)
    body = await read_json(request)
    unknown = sorted(set(body) - set(_EDITABLE))
    if unknown:
        raise bad_request(f"{unknown[0]} cannot be changed", field=unknown[0], status=422)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        entry = await _entry(conn, principal, request.match_info["entry_id"])
        if not entry.active:
            raise bad_request(f"the entry is {entry.status.value}", status=409)
        changes: dict[str, Any] = {"updated_at": now}
        for name in ("facility_id", "provider_id", "type_id"):
            if name in body:
                changes[name] = optional_text(body, name, max_length=26)
        await check_known(conn, principal.org_id, facility_id=changes.get("facility_id"),
                          provider_id=changes.get("provider_id"),
                          type_id=changes.get("type_id"))
        if "duration_minutes" in body:
            changes["duration_minutes"] = duration(body) or entry.duration_minutes
        if "note" in body:
            changes["note"] = optional_text(body, "note", max_length=500) or ""
        if "expires_at" in body:
            changes["expires_at"] = iso_time(body, "expires_at")
        updated = replace(entry, **changes)
        if not _visible(principal, updated):
            raise NotFound("facility", updated.facility_id)
        await WaitlistStore(conn).save_entry(updated)
    return web.json_response(entry_json(updated))


async def delete_entry(request: web.Request) -> web.Response:
    """``DELETE /api/waitlist/entries/{entry_id}``: remove one patient (WL-14)."""
    principal = current_principal(request)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        entry = await _entry(conn, principal, request.match_info["entry_id"])
        await remove_entries(conn, principal.org_id, [entry.id], now)
        entry = await WaitlistStore(conn).entry(principal.org_id, entry.id)
    return web.json_response(entry_json(entry))


async def bulk_remove(request: web.Request) -> web.Response:
    """``POST /api/waitlist/entries/remove`` ``{"entry_ids": [...]}`` (WL-15)."""
    principal = current_principal(request)
    body = await read_json(request)
    ids = body.get("entry_ids")
    if (not isinstance(ids, list) or not 1 <= len(ids) <= MAX_BULK
            or not all(isinstance(i, str) for i in ids)):
        raise bad_request(f"entry_ids must be a list of 1 to {MAX_BULK} ids", field="entry_ids",
                          status=422)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        entries = await WaitlistStore(conn).entries(principal.org_id, ids=ids)
        visible = [e.id for e in entries if _visible(principal, e)]
        removed = await remove_entries(conn, principal.org_id, visible, now)
    return web.json_response({"removed": removed})


async def _directory(conn: AsyncConnection, org_id: str, now: datetime) -> Directory:
    practice = PracticeRepository(conn)
    org_facilities = await practice.facilities(org_id)
    rows = (await conn.execute(
        sa.select(t.patients.c.id, t.patients.c.mrn).where(t.patients.c.org_id == org_id)
    )).all()
    future = (await conn.execute(
        sa.select(t.appointments.c.patient_id).distinct().where(
            t.appointments.c.org_id == org_id, t.appointments.c.start >= now,
            t.appointments.c.status.in_([s.value for s in ACTIVE_STATUSES]))
    )).scalars().all()
    waiting = (await conn.execute(
        sa.select(waitlist_entries.c.patient_id, waitlist_entries.c.facility_id,
                  waitlist_entries.c.provider_id, waitlist_entries.c.type_id)
        .where(waitlist_entries.c.org_id == org_id,
               waitlist_entries.c.status == EntryStatus.ACTIVE.value)
    )).all()
    zones = {f.timezone for f in org_facilities.values()}
    return Directory(
        patients_by_mrn={mrn: pid for pid, mrn in rows if mrn},
        patients_by_id=frozenset(pid for pid, _ in rows),
        facilities={k: f.name for k, f in org_facilities.items()},
        providers={k: p.name for k, p in (await practice.providers(org_id)).items()},
        types={k: a.name for k, a in (await practice.types(org_id)).items()},
        with_future_appointment=frozenset(future),
        waiting=frozenset((p, f, v, k) for p, f, v, k in waiting),
        zone=zones.pop() if len(zones) == 1 else "UTC",
    )


async def upload_csv(request: web.Request) -> web.Response:
    """``POST /api/waitlist/entries/upload`` (CSV body, or multipart field ``file``): add the
    valid lines and report every line (WL-11). ``?dry_run=1`` only checks."""
    principal = current_principal(request)
    data = await csv_bytes(request)
    dry_run = dry_run_flag(request)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        org = await PracticeRepository(conn).organization(principal.org_id)
        report = read_entries(data, org_id=org.id, directory=await _directory(conn, org.id, now),
                              settings=org.settings.waitlist, now=now)
        entries = [e for e in report.entries if principal.sees(e.facility_id)]
        if not dry_run:
            await WaitlistStore(conn).add_entries(entries)
            for entry in entries:
                await confirm_joined(conn, org, entry, now)
    result = report.to_dict() | {"dry_run": dry_run, "stored": 0 if dry_run else len(entries)}
    return upload_report(result, len(report.problems))
