"""Small steps shared by the offer handlers: move an offer through its state machine, text the
patient on the offer's thread, put an entry back on the list, give a slot back."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.replies import format_when
from domain.errors import NotFound
from domain.model import MessageKind, OpenSlot, SlotState
from domain.storage.repositories import (
    AppointmentRepository,
    ConversationRepository,
    PatientRepository,
    PracticeRepository,
)
from domain.storage.tables_waitlist import waitlist_offers
from domain.waitlist import EntryStatus, Offer, OfferState, advance
from gateway.waitlist.messaging import Text, send_text
from gateway.waitlist.offers import slot_zone
from gateway.waitlist.store import WaitlistStore
from gateway.waitlist.wording import stock_context, wording

__all__ = [
    "CLAIMED",
    "move",
    "release_slot",
    "restore_entry",
    "tell",
    "when_of",
    "withdraw_others",
]

CLAIMED = "slot_claimed"
"""``reason`` of offers withdrawn because another patient claimed the slot first."""


async def move(
    conn: AsyncConnection, offer: Offer, event: str, now: datetime, **stamps: Any
) -> Offer | None:
    """``offer`` after ``event`` (its state machine decides the state), written only if no one
    changed it meanwhile; None when someone did.

    Raises:
        Conflict: the event is not possible in the offer's state.
    """
    state = advance(offer.state, event)
    if not await WaitlistStore(conn).move_offer(offer, offer.state, state=state, **stamps):
        return None
    return replace(offer, state=state, **stamps)


async def when_of(conn: AsyncConnection, slot: OpenSlot, language: str) -> str:
    return format_when(slot.start, await slot_zone(conn, slot), language)


async def tell(
    conn: AsyncConnection, offer: Offer, key: str, now: datetime, *, language: str | None = None,
    **values: object,
) -> None:
    """Text the patient of ``offer`` on its thread (once per offer and key)."""
    if offer.conversation_id is None:
        return
    conversation = await ConversationRepository(conn).get(offer.conversation_id)
    patient = await PatientRepository(conn).get(offer.patient_id)
    language = language or patient.preferred_language
    slot = await AppointmentRepository(conn).slot(offer.slot_id)
    practice = PracticeRepository(conn)
    org = await practice.organization(offer.org_id)
    facility = await practice.facility(slot.facility_id)
    provider = (await practice.providers(org.id)).get(slot.provider_id)
    stock = partial(stock_context, org=org, patient=patient, facility=facility,
                    provider=provider.name if provider else "", start=slot.start,
                    language=language)
    phone = facility.phone or org.phone or "our office"
    when = await when_of(conn, slot, language)
    body = wording(key, language, stock=stock, when=when, facility=facility.name, phone=phone,
                   **values)
    text = Text(body=body, key=key, kind=MessageKind.TRANSACTIONAL,
                dedupe_key=f"{key}:{offer.id}", due_at=now, facility_id=slot.facility_id)
    await send_text(conn, conversation, patient, text, now=now)


async def restore_entry(conn: AsyncConnection, offer: Offer, now: datetime) -> None:
    """Put the offer's entry back on the list when accepting had taken it off."""
    store = WaitlistStore(conn)
    try:
        entry = await store.entry(offer.org_id, offer.entry_id)
    except NotFound:
        return
    if entry.status is EntryStatus.BOOKED:
        await store.save_entry(replace(entry, status=EntryStatus.ACTIVE, removed_at=None,
                                       removed_reason=None, updated_at=now))


async def withdraw_others(conn: AsyncConnection, offer: Offer, now: datetime) -> None:
    """The other offers of the slot stop waiting: someone claimed it. Their prompts stay open,
    so a late YES is told the slot is taken."""
    await conn.execute(
        waitlist_offers.update()
        .where(waitlist_offers.c.slot_id == offer.slot_id, waitlist_offers.c.id != offer.id,
               waitlist_offers.c.state == OfferState.OFFERED.value)
        .values(state=OfferState.WITHDRAWN.value, reason=CLAIMED, decided_at=now)
    )


async def release_slot(conn: AsyncConnection, offer: Offer, now: datetime) -> None:
    """Give a claimed slot back (staff turned the claim down, or booking failed): offers
    withdrawn because of the claim and still in time wait for an answer again."""
    await AppointmentRepository(conn).take_slot(
        offer.slot_id, expected_states=[SlotState.BOOKED], to=SlotState.OFFERED
    )
    await conn.execute(
        waitlist_offers.update()
        .where(waitlist_offers.c.slot_id == offer.slot_id,
               waitlist_offers.c.state == OfferState.WITHDRAWN.value,
               waitlist_offers.c.reason == CLAIMED, waitlist_offers.c.expires_at > now)
        .values(state=OfferState.OFFERED.value, reason=None, decided_at=None)
    )
