"""A patient's answer to an offer: YES (first accept wins), NO, or no answer in time.

Accepting takes the slot with one conditional update (``AppointmentRepository.take_slot``):
of any number of concurrent YES replies, on SQLite or PostgreSQL, exactly one moves the slot
to ``booked``; every other one is told politely that it is taken. The winner waits for staff
approval (WL-27, on by default) or is booked at once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import Organization, SlotState
from domain.storage.repositories import (
    AppointmentRepository,
    ConversationRepository,
    PracticeRepository,
)
from domain.waitlist import Offer, OfferEvent, OfferState, on_accepted, on_offer_unanswered
from gateway.waitlist._offer_ops import move, tell, withdraw_others
from gateway.waitlist.booking import book_offer
from gateway.waitlist.deps import WaitlistDeps
from gateway.waitlist.offers import offer_slot
from gateway.waitlist.store import WaitlistStore

__all__ = ["AcceptOutcome", "accept", "decline", "expire_offer"]


class AcceptOutcome(StrEnum):
    PENDING = "pending_approval"
    BOOKED = "booked"
    FAILED = "failed"
    TAKEN = "taken"


async def accept(
    conn: AsyncConnection, deps: WaitlistDeps, offer_id: str, now: datetime,
    *, language: str | None = None,
) -> AcceptOutcome:
    """The patient said YES to ``offer_id``: claim the slot, or tell them it is taken.

    Returns:
        What happened; the patient has been texted accordingly.
    """
    store = WaitlistStore(conn)
    offer = await store.offer(offer_id)
    if offer.state is not OfferState.OFFERED or now >= offer.expires_at:
        return await _taken(conn, offer, now, language)
    won = await AppointmentRepository(conn).take_slot(
        offer.slot_id, expected_states=[SlotState.OPEN, SlotState.OFFERED], to=SlotState.BOOKED
    )
    if not won:
        return await _taken(conn, offer, now, language)
    accepted = await move(conn, offer, OfferEvent.ACCEPT, now, responded_at=now)
    if accepted is None:  # expired or withdrawn a moment ago: give the slot back
        await AppointmentRepository(conn).take_slot(
            offer.slot_id, expected_states=[SlotState.BOOKED], to=SlotState.OFFERED
        )
        await tell(conn, offer, "waitlist.taken", now, language=language)
        return AcceptOutcome.TAKEN
    entry = await store.entry(offer.org_id, offer.entry_id)
    await store.save_entry(on_accepted(entry, now))
    await withdraw_others(conn, accepted, now)
    org = await PracticeRepository(conn).organization(offer.org_id)
    if org.settings.waitlist.require_approval:
        await tell(conn, accepted, "waitlist.pending", now, language=language)
        return AcceptOutcome.PENDING
    booked = await book_offer(conn, deps, org, accepted, OfferEvent.BOOK, now, language=language)
    return AcceptOutcome.BOOKED if booked else AcceptOutcome.FAILED


async def _taken(
    conn: AsyncConnection, offer: Offer, now: datetime, language: str | None
) -> AcceptOutcome:
    """Someone else has the slot: record the late YES (the winner may have withdrawn this
    offer a moment ago, so the state is read again) and tell the patient."""
    current = await WaitlistStore(conn).offer(offer.id)
    if current.state in (OfferState.OFFERED, OfferState.WITHDRAWN) and now < current.expires_at:
        await move(conn, current, OfferEvent.LOSE, now, responded_at=now)
    await tell(conn, current, "waitlist.taken", now, language=language)
    return AcceptOutcome.TAKEN


async def _unanswered(
    conn: AsyncConnection, org: Organization, offer_id: str, event: str, now: datetime
) -> bool:
    store = WaitlistStore(conn)
    offer = await store.offer(offer_id)
    if offer.state is not OfferState.OFFERED:
        return False
    moved = await move(conn, offer, event, now, responded_at=now if event == "decline" else None)
    if moved is None:
        return False
    entry = await store.entry(offer.org_id, offer.entry_id)
    await store.save_entry(on_offer_unanswered(entry, now, org.settings.waitlist))
    if org.settings.waitlist.offer_mode == "one_at_a_time":
        slot = await AppointmentRepository(conn).slot(offer.slot_id)
        await offer_slot(conn, org, slot, now, pass_number=offer.pass_number)
    return True


async def decline(conn: AsyncConnection, offer_id: str, now: datetime) -> bool:
    """The patient said NO (or left the waitlist): count it, ask the next one when offers go
    one at a time. False when the offer was no longer waiting."""
    store = WaitlistStore(conn)
    offer = await store.offer(offer_id)
    org = await PracticeRepository(conn).organization(offer.org_id)
    return await _unanswered(conn, org, offer_id, OfferEvent.DECLINE, now)


async def expire_offer(conn: AsyncConnection, offer_id: str, now: datetime) -> bool:
    """The offer's time ran out (WL-09): count it (WL-17), close its prompt, ask the next."""
    store = WaitlistStore(conn)
    offer = await store.offer(offer_id)
    org = await PracticeRepository(conn).organization(offer.org_id)
    done = await _unanswered(conn, org, offer_id, OfferEvent.EXPIRE, now)
    if done and offer.prompt_id is not None:
        conversations = ConversationRepository(conn)
        for prompt in await conversations.prompts_for(ref_id=offer.id):
            if prompt.closed_at is None:
                await conversations.save_prompt(replace(prompt, state="expired", closed_at=now))
    return done
