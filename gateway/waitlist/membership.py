"""Joining and leaving the waitlist: staff and API entries, invitations (WL-13, WL-31),
joining by SMS (WL-33 confirmation), LEAVEWAITLIST (WL-16) and the automatic removals
(WL-17).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.flows.waitlist_offer import INVITE_SPEC
from domain.errors import NotFound, ValidationError
from domain.model import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    MessageKind,
    Organization,
    Prompt,
    new_id,
)
from domain.storage import tables as t
from domain.storage.repositories import (
    AppointmentRepository,
    PatientRepository,
    PracticeRepository,
)
from domain.storage.repositories._mapping import from_row
from domain.storage.tables_waitlist import waitlist_entries, waitlist_offers
from domain.waitlist import (
    EntrySource,
    EntryStatus,
    OfferState,
    WaitlistEntry,
    check_can_join,
    default_expiry,
    expiry_due,
    remove,
)
from domain.waitlist.texts import render
from gateway.waitlist._resources import check_known
from gateway.waitlist.messaging import Text, send_text, thread_of
from gateway.waitlist.store import WaitlistStore
from gateway.waitlist.wording import stock_context, wording

__all__ = [
    "add_entry",
    "confirm_joined",
    "expire_entries",
    "has_future_appointment",
    "invite",
    "invite_scheduled",
    "join",
    "leave",
    "remove_entries",
]


async def has_future_appointment(conn: AsyncConnection, patient_id: str, now: datetime) -> bool:
    found = await AppointmentRepository(conn).for_patient(patient_id, start_from=now,
                                                          active_only=True)
    return bool(found)


async def add_entry(
    conn: AsyncConnection,
    org: Organization,
    *,
    patient_id: str,
    now: datetime,
    source: EntrySource = EntrySource.STAFF,
    appointment_id: str | None = None,
    facility_id: str | None = None,
    provider_id: str | None = None,
    type_id: str | None = None,
    duration_minutes: int | None = None,
    note: str = "",
    expires_at: datetime | None = None,
) -> WaitlistEntry:
    """Put a patient on the list (WL-10). What they wait for defaults to their appointment's
    facility, provider and type; the duration to the organisation's default (WL-28).

    Raises:
        NotFound: an unknown patient or appointment.
        ValidationError: WL-29 requires a future appointment and there is none; bad values.
    """
    settings = org.settings.waitlist
    patient = await PatientRepository(conn).get(patient_id)
    if patient.org_id != org.id:
        raise NotFound("patient", patient_id)
    check_can_join(has_future_appointment=await has_future_appointment(conn, patient_id, now),
                   settings=settings)
    appointment: Appointment | None = None
    if appointment_id is not None:
        appointment = await AppointmentRepository(conn).get(appointment_id)
        if appointment.patient_id != patient_id:
            raise ValidationError("appointment_id", "belongs to another patient")
    await check_known(conn, org.id, facility_id=facility_id, provider_id=provider_id,
                      type_id=type_id)
    entry = WaitlistEntry(
        id=new_id(), org_id=org.id, patient_id=patient_id, added_at=now, updated_at=now,
        facility_id=facility_id or (appointment.facility_id if appointment else None),
        provider_id=provider_id or (appointment.provider_id if appointment else None),
        type_id=type_id or (appointment.type_id if appointment else None),
        appointment_id=appointment_id,
        duration_minutes=duration_minutes or (
            appointment.duration_minutes if appointment else settings.default_duration_minutes),
        source=source, note=note,
        expires_at=expires_at or default_expiry(source, now, settings),
    )
    await WaitlistStore(conn).add_entries([entry])
    return entry


async def confirm_joined(
    conn: AsyncConnection, org: Organization, entry: WaitlistEntry, now: datetime
) -> bool:
    """Tell the patient they are on the list (WL-33, on by default). True when queued."""
    if not org.settings.waitlist.confirm_on_join:
        return False
    patient = await PatientRepository(conn).get(entry.patient_id)
    conversation = await thread_of(conn, org, patient, now)
    if conversation is None:
        return False
    facility_id = entry.facility_id or patient.primary_facility_id
    practice = PracticeRepository(conn)
    facilities = await practice.facilities(org.id)
    facility = facilities.get(facility_id or "") or next(iter(facilities.values()), None)
    stock = None if facility is None else partial(
        stock_context, org=org, patient=patient, facility=facility, provider="", start=now,
        language=patient.preferred_language)
    body = wording("waitlist.joined", patient.preferred_language, stock=stock)
    text = Text(body=body, key="waitlist.joined", kind=MessageKind.WAITLIST,
                dedupe_key=f"waitlist-joined:{entry.id}", due_at=now, facility_id=facility_id)
    return await send_text(conn, conversation, patient, text, now=now)


async def remove_entries(
    conn: AsyncConnection, org_id: str, entry_ids: Sequence[str], now: datetime,
    *, reason: str = "removed by staff",
) -> int:
    """Take entries off the list (WL-14, WL-15); their waiting offers are withdrawn.
    Returns how many active entries were removed."""
    store = WaitlistStore(conn)
    entries = await store.entries(org_id, ids=entry_ids, status=(EntryStatus.ACTIVE,))
    for entry in entries:
        await store.save_entry(remove(entry, now, EntryStatus.REMOVED, reason))
    if entries:
        await conn.execute(
            waitlist_offers.update()
            .where(waitlist_offers.c.entry_id.in_([e.id for e in entries]),
                   waitlist_offers.c.state == OfferState.OFFERED.value)
            .values(state=OfferState.WITHDRAWN.value, reason="left the waitlist",
                    decided_at=now)
        )
    return len(entries)


async def leave(conn: AsyncConnection, org_id: str, patient_id: str, now: datetime) -> int:
    """LEAVEWAITLIST (WL-16): every active entry of the patient is removed."""
    store = WaitlistStore(conn)
    entries = await store.entries(org_id, patient_id=patient_id)
    return await remove_entries(conn, org_id, [e.id for e in entries], now,
                                reason="patient left by SMS")


async def join(
    conn: AsyncConnection, org: Organization, patient_id: str, appointment_id: str | None,
    source: EntrySource, now: datetime,
) -> WaitlistEntry | None:
    """The patient said YES to an invitation. None when the rules refuse it or the patient is
    already waiting (nothing changes then)."""
    store = WaitlistStore(conn)
    if await store.entries(org.id, patient_id=patient_id):
        return None
    try:
        return await add_entry(conn, org, patient_id=patient_id, now=now, source=source,
                               appointment_id=appointment_id)
    except (ValidationError, NotFound):
        return None


def _invite_allowed(org: Organization, trigger: str) -> bool:
    waitlist = org.settings.waitlist
    if not waitlist.enabled:
        return False
    if trigger == "scheduled":
        return waitlist.invite_on_scheduled
    allowed = {"both": {"reminder", "ehr"}, "reminder": {"reminder"}, "ehr": {"ehr"},
               "never": set()}
    return trigger in allowed[waitlist.invite_on_cancel]


async def invite(
    conn: AsyncConnection, org: Organization, patient_id: str, appointment_id: str,
    now: datetime, *, trigger: str,
) -> bool:
    """Ask the patient whether they want to join the waitlist.

    Args:
        trigger: ``reminder`` (cancelled by replying), ``ehr`` (cancelled in the EHR) or
            ``scheduled`` (WL-31); the organisation's settings decide which invite.

    Returns:
        True when an invitation was queued (at most one per appointment).
    """
    if not _invite_allowed(org, trigger):
        return False
    store = WaitlistStore(conn)
    if await store.entries(org.id, patient_id=patient_id):
        return False
    has_future = await has_future_appointment(conn, patient_id, now)
    if org.settings.waitlist.require_future_appointment and not has_future:
        return False
    patient = await PatientRepository(conn).get(patient_id)
    conversation = await thread_of(conn, org, patient, now)
    if conversation is None:
        return False
    source = EntrySource.SCHEDULED if trigger == "scheduled" else EntrySource.INVITE
    prompt = Prompt(
        id=new_id(), org_id=org.id, conversation_id=conversation.id, flow=INVITE_SPEC.name,
        state=INVITE_SPEC.initial.value, created_at=now, appointment_id=appointment_id,
        expires_at=now + timedelta(hours=org.settings.waitlist.invite_expiry_hours),
        data={"patient_id": patient_id, "source": source.value},
    )
    body = render("waitlist.invite", patient.preferred_language, org=org.name)
    text = Text(body=body, key="waitlist.invite", kind=MessageKind.WAITLIST,
                dedupe_key=f"waitlist-invite:{appointment_id}", due_at=now,
                appointment_id=appointment_id)
    return await send_text(conn, conversation, patient, text, now=now, prompt=prompt)


async def invite_scheduled(
    conn: AsyncConnection, org: Organization, now: datetime, *, limit: int = 200
) -> int:
    """WL-31: invite patients whose appointment, booked in the last day, is at least
    ``invite_lead_days`` away. Returns how many invitations were queued."""
    settings = org.settings.waitlist
    if not (settings.enabled and settings.invite_on_scheduled):
        return 0
    waiting = sa.select(waitlist_entries.c.patient_id).where(
        waitlist_entries.c.org_id == org.id,
        waitlist_entries.c.status == EntryStatus.ACTIVE.value,
    )
    rows = (await conn.execute(
        sa.select(t.appointments).where(
            t.appointments.c.org_id == org.id,
            t.appointments.c.status.in_([s.value for s in ACTIVE_STATUSES]),
            t.appointments.c.created_at >= now - timedelta(days=1),
            t.appointments.c.start >= now + timedelta(days=settings.invite_lead_days),
            t.appointments.c.patient_id.not_in(waiting),
        ).order_by(t.appointments.c.created_at).limit(limit)
    )).mappings().all()
    count = 0
    for row in rows:
        appointment = from_row(Appointment, dict(row))
        if appointment.status is AppointmentStatus.BOOKED and await invite(
            conn, org, appointment.patient_id, appointment.id, now, trigger="scheduled"
        ):
            count += 1
    return count


async def expire_entries(conn: AsyncConnection, org_id: str, now: datetime) -> int:
    """Self-added entries whose time on the list is over leave it (WL-17)."""
    store = WaitlistStore(conn)
    expired = [e for e in await store.entries(org_id) if expiry_due(e, now)]
    for entry in expired:
        await store.save_entry(remove(entry, now, EntryStatus.EXPIRED, "time on the list ended"))
    return len(expired)

