"""Offering an opening to the waitlist: who gets it (domain.waitlist rules), when the texts
go out (WL-19, WL-22 and quiet hours), and what is written: one offer row, one outbox row and
one open prompt per patient, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.flows.waitlist_offer import OFFER_SPEC
from dialogs.replies import format_when
from domain import rules
from domain.model import (
    ACTIVE_STATUSES,
    MessageKind,
    OpenSlot,
    Organization,
    Patient,
    Prompt,
    SlotState,
    new_id,
)
from domain.storage import tables as t
from domain.storage.repositories import (
    AppointmentRepository,
    PatientRepository,
    PracticeRepository,
)
from domain.waitlist import (
    Candidate,
    NoFill,
    Offer,
    fill_blocker,
    plan_offers,
    release_time,
)
from gateway.dispatcher.decide import delivery_policy
from gateway.waitlist.messaging import Text, patient_address, send_text, thread_of
from gateway.waitlist.store import WaitlistStore
from gateway.waitlist.wording import stock_context, wording

__all__ = ["OfferRun", "candidates_for", "offer_slot", "slot_zone"]

_TIMING = frozenset({NoFill.TOO_SOON, NoFill.TOO_FAR})
"""Triggers that staff offering by hand (WL-04) may override."""


@dataclass(frozen=True, slots=True)
class OfferRun:
    """What one attempt to offer a slot did: the offers made, or why none were."""

    offers: tuple[Offer, ...] = ()
    blocked: str | None = None


async def slot_zone(conn: AsyncConnection, slot: OpenSlot) -> ZoneInfo:
    facility = await PracticeRepository(conn).facility(slot.facility_id)
    return ZoneInfo(facility.timezone)


async def candidates_for(
    conn: AsyncConnection, org_id: str, entry_ids: Sequence[str] | None = None
) -> tuple[list[Candidate], dict[str, Patient]]:
    """Every active entry of the organisation (or the given ones) with the facts the
    matching rules read, and their patients by id."""
    store = WaitlistStore(conn)
    entries = await store.entries(org_id, ids=entry_ids)
    patients = await PatientRepository(conn).get_many(e.patient_id for e in entries)
    history = await store.history(patients.keys())
    starts = await _active_starts(conn, [e.appointment_id for e in entries if e.appointment_id])
    candidates = []
    for entry in entries:
        current = starts.get(entry.appointment_id or "")
        patient = patients.get(entry.patient_id)
        candidates.append(Candidate(
            entry, tuple(history.get(entry.patient_id, ())), current,
            reachable=patient is not None and patient_address(patient) is not None,
        ))
    return candidates, patients


async def _active_starts(conn: AsyncConnection, ids: list[str]) -> dict[str, datetime]:
    """Start times of those of the appointments ``ids`` that are still active."""
    if not ids:
        return {}
    active = [s.value for s in ACTIVE_STATUSES]
    rows = await conn.execute(
        sa.select(t.appointments.c.id, t.appointments.c.start)
        .where(t.appointments.c.id.in_(ids), t.appointments.c.status.in_(active))
    )
    return {appointment_id: start for appointment_id, start in rows.all()}


async def _resources_enabled(conn: AsyncConnection, slot: OpenSlot) -> bool:
    practice = PracticeRepository(conn)
    facility = await practice.facility(slot.facility_id)
    providers = await practice.providers(slot.org_id)
    types = await practice.types(slot.org_id)
    flags = [facility.flags]
    if slot.provider_id in providers:
        flags.append(providers[slot.provider_id].flags)
    if slot.type_id is not None and slot.type_id in types:
        flags.append(types[slot.type_id].flags)
    return all(f.waitlist for f in flags)


async def offer_slot(
    conn: AsyncConnection,
    org: Organization,
    slot: OpenSlot,
    now: datetime,
    *,
    pass_number: int = 1,
    entry_ids: Sequence[str] | None = None,
) -> OfferRun:
    """Offer ``slot`` to whoever the rules pick now.

    Args:
        conn: the transaction to write in.
        org: the slot's organisation (its waitlist settings decide).
        slot: the opening.
        now: the current time.
        pass_number: 2 for the second pass (WL-32).
        entry_ids: staff chose these entries by hand (WL-04): the timing triggers
            (lead time, days ahead) do not apply, the matching rules still do.
    """
    settings = org.settings.waitlist
    current = await AppointmentRepository(conn).slot(slot.id)
    blocker = fill_blocker(current, now, settings,
                           resources_enabled=await _resources_enabled(conn, current))
    if blocker is not None and not (entry_ids is not None and blocker in _TIMING):
        return OfferRun(blocked=blocker.value)
    if current.start <= now:
        return OfferRun(blocked="past")
    candidates, patients = await candidates_for(conn, org.id, entry_ids)
    store = WaitlistStore(conn)
    excluded: frozenset[str] = frozenset()
    if current.cancelled_appointment_id is not None:
        cancelled = await AppointmentRepository(conn).get(current.cancelled_appointment_id)
        excluded = frozenset({cancelled.patient_id})
    plan = plan_offers(
        current, candidates, await store.offers_for_slot(current.id), settings=settings,
        now=now, pass_number=pass_number, excluded_patient_ids=excluded,
    )
    if not plan.offer_to:
        return OfferRun(blocked="no_eligible_patient")
    zone = await slot_zone(conn, current)
    window = rules.resolve_time_rules(delivery_policy(org), rules.MessageKind.WAITLIST, zone)
    send_at = release_time(now, zone, settings, window)
    expiry = timedelta(minutes=settings.offer_expiry_minutes)
    if send_at is None or send_at >= current.start:
        return OfferRun(blocked="no_send_time")
    made = []
    for candidate in plan.offer_to:
        patient = patients[candidate.entry.patient_id]
        offer = await _offer_one(conn, org, current, candidate, patient, now, send_at, expiry,
                                 zone, pass_number)
        if offer is not None:
            made.append(offer)
    if made:
        await AppointmentRepository(conn).take_slot(
            current.id, expected_states=[SlotState.OPEN], to=SlotState.OFFERED
        )
    return OfferRun(tuple(made))


async def _offer_one(
    conn: AsyncConnection, org: Organization, slot: OpenSlot, candidate: Candidate,
    patient: Patient, now: datetime, send_at: datetime, expiry: timedelta, zone: ZoneInfo,
    pass_number: int,
) -> Offer | None:
    conversation = await thread_of(conn, org, patient, now)
    if conversation is None:
        return None
    offer_id = new_id()
    prompt = Prompt(
        id=new_id(), org_id=org.id, conversation_id=conversation.id, flow=OFFER_SPEC.name,
        state=OFFER_SPEC.initial.value, created_at=now, expires_at=send_at + expiry,
        ref_id=offer_id,
        data={"offer_id": offer_id, "slot_start": slot.start.isoformat(), "zone": zone.key,
              "patient_id": patient.id},
    )
    offer = Offer(
        id=offer_id, org_id=org.id, slot_id=slot.id, entry_id=candidate.entry.id,
        patient_id=patient.id, address=conversation.patient_address, created_at=now,
        send_at=send_at, expires_at=send_at + expiry, slot_start=slot.start,
        pass_number=pass_number, conversation_id=conversation.id, prompt_id=prompt.id,
    )
    practice = PracticeRepository(conn)
    facility = await practice.facility(slot.facility_id)
    provider = (await practice.providers(org.id)).get(slot.provider_id)
    language = patient.preferred_language
    provider_name = provider.name if provider else "your provider"
    stock = partial(stock_context, org=org, patient=patient, facility=facility,
                    provider=provider_name, start=slot.start, language=language)
    body = wording(
        "waitlist.offer", language, stock=stock, org=org.name,
        when=format_when(slot.start, zone, language), provider=provider_name,
        facility=facility.name, minutes=int(expiry.total_seconds() // 60),
    )
    text = Text(
        body=body, key="waitlist.offer", kind=MessageKind.WAITLIST,
        dedupe_key=f"waitlist-offer:{offer_id}", due_at=send_at, facility_id=slot.facility_id,
        context={"slot_start": slot.start.isoformat(), "offer_id": offer_id},
    )
    store = WaitlistStore(conn)
    try:
        async with conn.begin_nested():
            await store.add_offer(offer)
    except IntegrityError:
        return None  # another worker offered this slot to this entry a moment ago
    await send_text(conn, conversation, patient, text, now=now, prompt=prompt)
    await store.save_entry(replace(candidate.entry, last_offer_at=now, updated_at=now))
    return offer
