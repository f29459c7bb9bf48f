"""Periodic work of the waitlist: everything that happens because time passed.

* cancellations made without an event (staff, EHR sync) open their slots (WL-05);
* unanswered offers expire (WL-09) and count towards removal (WL-17); one at a time, the
  next patient is asked (WL-05);
* open slots are offered again to patients who became eligible (new entries, the next one);
* the second pass runs before the appointment time (WL-32);
* self-added entries leave after their time (WL-17); WL-31 invitations go out;
* reschedule options expire (RSC-11); slots whose time came are closed.

Each step runs in its own transaction so that one failure does not hold back the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.clock import Clock
from domain.model import CancelSource, OpenSlot, Organization, SlotState
from domain.storage.database import Database
from domain.storage.repositories import AppointmentRepository, PracticeRepository
from domain.waitlist import OfferState, plan_offers, second_pass_due
from gateway.logs import get_logger
from gateway.waitlist import answers, membership, reschedule
from gateway.waitlist.offers import candidates_for, offer_slot
from gateway.waitlist.slots import cancelled_without_slot, expire_past_slots, open_for_cancellation
from gateway.waitlist.store import WaitlistStore

__all__ = ["SweepReport", "sweep"]

log = get_logger(__name__)


@dataclass(slots=True)
class SweepReport:
    """Counts of what one sweep did."""

    opened: int = 0
    expired_offers: int = 0
    offered: int = 0
    second_pass: int = 0
    expired_entries: int = 0
    invited: int = 0
    expired_sessions: int = 0
    closed_slots: int = 0
    errors: list[str] = field(default_factory=list)


async def _live_slots(db: Database, org: Organization, now: datetime) -> list[OpenSlot]:
    horizon = now + timedelta(days=org.settings.waitlist.max_days_ahead + 1)
    async with db.read() as conn:
        return await AppointmentRepository(conn).open_slots(
            org.id, now, horizon, states=(SlotState.OPEN, SlotState.OFFERED)
        )


async def _second_pass(db: Database, org: Organization, slot: OpenSlot, now: datetime) -> int:
    settings = org.settings.waitlist
    async with db.transaction() as conn:
        offers = await WaitlistStore(conn).offers_for_slot(slot.id)
        candidates, _ = await candidates_for(conn, org.id)
        first = plan_offers(slot, candidates, offers, settings=settings, now=now)
        if not second_pass_due(slot, offers, settings=settings, now=now,
                               first_pass_exhausted=not first.offer_to):
            return 0
        return len((await offer_slot(conn, org, slot, now, pass_number=2)).offers)


async def _org_sweep(db: Database, org: Organization, clock: Clock, report: SweepReport) -> None:
    now = clock.now()
    async with db.transaction() as conn:
        report.expired_entries += await membership.expire_entries(conn, org.id, now)
        report.invited += await membership.invite_scheduled(conn, org, now)
    for slot in await _live_slots(db, org, now):
        async with db.transaction() as conn:
            offers = await WaitlistStore(conn).offers_for_slot(slot.id)
            current_pass = max((o.pass_number for o in offers), default=1)
            if any(o.state is OfferState.BOOKED for o in offers):
                continue
            run = await offer_slot(conn, org, slot, now, pass_number=current_pass)
            report.offered += len(run.offers)
        if org.settings.waitlist.second_pass and current_pass == 1:
            report.second_pass += await _second_pass(db, org, slot, now)


async def _cancellations(db: Database, clock: Clock, report: SweepReport) -> None:
    now = clock.now()
    async with db.read() as conn:
        cancelled = await cancelled_without_slot(conn, now)
    for appointment in cancelled:
        async with db.transaction() as conn:
            org = await PracticeRepository(conn).organization(appointment.org_id)
            if appointment.cancel_source is CancelSource.EHR:
                await membership.invite(conn, org, appointment.patient_id, appointment.id, now,
                                        trigger="ehr")
            slot = await open_for_cancellation(conn, appointment, now)
            if slot is not None:
                report.opened += 1
                report.offered += len((await offer_slot(conn, org, slot, now)).offers)


async def _expiries(db: Database, clock: Clock, report: SweepReport) -> None:
    now = clock.now()
    async with db.read() as conn:
        due = await WaitlistStore(conn).due_to_expire(now)
    for offer in due:
        async with db.transaction() as conn:
            if await answers.expire_offer(conn, offer.id, now):
                report.expired_offers += 1
    async with db.transaction() as conn:
        report.expired_sessions += await reschedule.expire_sessions(conn, now)
        report.closed_slots += await expire_past_slots(conn, now)


async def sweep(db: Database, clock: Clock) -> SweepReport:
    """Run every periodic step once, for every organisation."""
    report = SweepReport()
    # Each step's coroutine is made only when it runs, so a sweep cancelled mid-way (shutdown)
    # leaves no coroutine that was never awaited.
    for step in (_cancellations, _expiries):
        try:
            await step(db, clock, report)
        except Exception as exc:  # keep sweeping; the next run retries
            log.exception("waitlist_sweep_failed")
            report.errors.append(type(exc).__name__)
    async with db.read() as conn:
        orgs = await PracticeRepository(conn).organizations()
    for org in orgs:
        if not org.settings.waitlist.enabled:
            continue
        try:
            await _org_sweep(db, org, clock, report)
        except Exception as exc:  # one organisation's problem must not stop the others
            log.exception("waitlist_sweep_failed", org_id=org.id)
            report.errors.append(type(exc).__name__)
    return report
