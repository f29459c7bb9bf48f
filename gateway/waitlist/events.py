"""The domain events the waitlist and reschedule services act on, each handled exactly once.

Other parts record events (``domain_events``); this consumer keeps its own receipts
(``waitlist_event_receipts``), so it never competes with other consumers of the same events.
A receipt is inserted before the handler runs, in the same transaction: of several workers,
exactly one handles an event; a handler that fails is logged and not retried forever.

=========================  ===========================================================
event                      what happens
=========================  ===========================================================
appointment.cancelled      the time opens and is offered (WL-05); an EHR cancellation
                           also invites the patient to the waitlist (WL-13)
waitlist.invite            invite the patient who cancelled by reply (WL-13)
waitlist.join              the patient said YES to an invitation
waitlist.join_requested    a chat or bot asked to add the patient
waitlist.leave_requested   LEAVEWAITLIST (WL-16)
waitlist.accepted          YES to an offer: first accept wins
waitlist.declined          NO to an offer (next patient, one at a time)
reschedule.requested       RESCHEDULE (RSC-01)
reschedule.chosen          the patient picked an option
reschedule.kept            the patient keeps their appointment
=========================  ===========================================================
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.clock import Clock
from domain.errors import DomainError
from domain.model import CancelSource, Organization
from domain.storage import tables as t
from domain.storage.database import Database
from domain.storage.repositories import AppointmentRepository, PracticeRepository
from domain.storage.tables_waitlist import waitlist_event_receipts as receipts
from domain.waitlist import EntrySource
from gateway.logs import get_logger
from gateway.waitlist import answers, membership, reschedule
from gateway.waitlist.deps import WaitlistDeps
from gateway.waitlist.offers import offer_slot
from gateway.waitlist.slots import open_for_cancellation

__all__ = ["KINDS", "Event", "consume_events", "handle"]

log = get_logger(__name__)

LOOKBACK = timedelta(days=2)
"""Older events are not looked at (they were handled, or are too late to act on)."""


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    org_id: str
    kind: str
    payload: Mapping[str, Any]
    created_at: datetime


Handler = Callable[[AsyncConnection, WaitlistDeps, Organization, Event, datetime],
                   Awaitable[object]]


def _text(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    return value if isinstance(value, str) and value else None


async def _cancelled(conn: AsyncConnection, deps: WaitlistDeps, org: Organization, event: Event,
                     now: datetime) -> object:
    appointment_id = _text(event.payload, "appointment_id")
    if appointment_id is None:
        return "no appointment"
    appointment = await AppointmentRepository(conn).get(appointment_id)
    if appointment.cancel_source is CancelSource.EHR:
        await membership.invite(conn, org, appointment.patient_id, appointment.id, now,
                                trigger="ehr")
    slot = await open_for_cancellation(conn, appointment, now)
    if slot is None:
        return "not opened"
    return (await offer_slot(conn, org, slot, now)).blocked or "offered"


async def _invite(conn: AsyncConnection, deps: WaitlistDeps, org: Organization, event: Event,
                  now: datetime) -> object:
    patient_id = _text(event.payload, "patient_id")
    appointment_id = _text(event.payload, "appointment_id")
    if patient_id is None or appointment_id is None:
        return "incomplete"
    trigger = "ehr" if event.payload.get("trigger") == "ehr_cancel" else "reminder"
    return await membership.invite(conn, org, patient_id, appointment_id, now, trigger=trigger)


async def _join(conn: AsyncConnection, deps: WaitlistDeps, org: Organization, event: Event,
                now: datetime) -> object:
    patient_id = _text(event.payload, "patient_id")
    if patient_id is None:
        return "incomplete"
    source = EntrySource.SCHEDULED if event.payload.get("source") == "scheduled" else (
        EntrySource.INVITE)
    entry = await membership.join(conn, org, patient_id, _text(event.payload, "appointment_id"),
                                  source, now)
    if entry is not None and event.kind == "waitlist.join_requested":
        await membership.confirm_joined(conn, org, entry, now)  # a YES got its answer inline
    return entry.id if entry else "not added"


async def _leave(conn: AsyncConnection, deps: WaitlistDeps, org: Organization, event: Event,
                 now: datetime) -> object:
    patient_id = _text(event.payload, "patient_id")
    return 0 if patient_id is None else await membership.leave(conn, org.id, patient_id, now)


async def _accepted(conn: AsyncConnection, deps: WaitlistDeps, org: Organization, event: Event,
                    now: datetime) -> object:
    offer_id = _text(event.payload, "offer_id")
    if offer_id is None:
        return "incomplete"
    return await answers.accept(conn, deps, offer_id, now,
                                language=_text(event.payload, "language"))


async def _declined(conn: AsyncConnection, deps: WaitlistDeps, org: Organization, event: Event,
                    now: datetime) -> object:
    offer_id = _text(event.payload, "offer_id")
    return False if offer_id is None else await answers.decline(conn, offer_id, now)


async def _reschedule(conn: AsyncConnection, deps: WaitlistDeps, org: Organization,
                      event: Event, now: datetime) -> object:
    appointment_id = _text(event.payload, "appointment_id")
    if appointment_id is None:
        return "incomplete"
    session = await reschedule.start(
        conn, deps, org, appointment_id, now,
        conversation_id=_text(event.payload, "conversation_id"),
        language=_text(event.payload, "language"),
    )
    return session.state.value if session else "not started"


async def _chosen(conn: AsyncConnection, deps: WaitlistDeps, org: Organization, event: Event,
                  now: datetime) -> object:
    session_id, slot_id = _text(event.payload, "session_id"), _text(event.payload, "slot_id")
    if session_id is None or slot_id is None:
        return "incomplete"
    return await reschedule.choose(conn, deps, session_id, slot_id, now,
                                   language=_text(event.payload, "language"))


async def _kept(conn: AsyncConnection, deps: WaitlistDeps, org: Organization, event: Event,
                now: datetime) -> object:
    session_id = _text(event.payload, "session_id")
    return "incomplete" if session_id is None else await reschedule.keep(conn, session_id, now)


HANDLERS: dict[str, Handler] = {
    "appointment.cancelled": _cancelled,
    "waitlist.invite": _invite,
    "waitlist.join": _join,
    "waitlist.join_requested": _join,
    "waitlist.leave_requested": _leave,
    "waitlist.accepted": _accepted,
    "waitlist.declined": _declined,
    "reschedule.requested": _reschedule,
    "reschedule.chosen": _chosen,
    "reschedule.kept": _kept,
}
KINDS = frozenset(HANDLERS)


async def handle(conn: AsyncConnection, deps: WaitlistDeps, event: Event, now: datetime) -> str:
    """Run the handler of one event in the caller's transaction; returns its outcome."""
    org = await PracticeRepository(conn).organization(event.org_id)
    outcome = await HANDLERS[event.kind](conn, deps, org, event, now)
    return str(outcome.value if isinstance(outcome, Enum) else outcome)


async def _claim(conn: AsyncConnection, event_id: str, now: datetime) -> bool:
    """Insert the event's receipt unless one exists; True for the one worker that did."""
    insert: Any
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(receipts).values(event_id=event_id, handled_at=now)
    result = await conn.execute(statement.on_conflict_do_nothing(index_elements=["event_id"]))
    return result.rowcount == 1


async def _pending(db: Database, now: datetime, limit: int) -> list[Event]:
    handled = sa.select(receipts.c.event_id)
    async with db.read() as conn:
        rows = (await conn.execute(
            sa.select(t.domain_events)
            .where(t.domain_events.c.kind.in_(sorted(KINDS)),
                   t.domain_events.c.created_at >= now - LOOKBACK,
                   t.domain_events.c.id.not_in(handled))
            .order_by(t.domain_events.c.created_at, t.domain_events.c.id)
            .limit(limit)
        )).mappings().all()
    return [Event(r["id"], r["org_id"], r["kind"], r["payload"] or {}, r["created_at"])
            for r in rows]


async def consume_events(
    db: Database, deps: WaitlistDeps, clock: Clock, *, limit: int = 100
) -> int:
    """Handle the pending events, oldest first, each in its own transaction.

    Returns:
        How many events this call handled (events another worker claimed are skipped).
    """
    done = 0
    for event in await _pending(db, clock.now(), limit):
        now = clock.now()
        async with db.transaction() as conn:
            # The claim is the transaction's first statement and a plain write (no savepoint):
            # it takes the write lock on SQLite, and the handler's work commits with it.
            if not await _claim(conn, event.id, now):
                continue  # another worker has it
            try:
                async with conn.begin_nested():
                    outcome = await handle(conn, deps, event, now)
            except DomainError as exc:
                outcome = f"refused: {exc.message}"
            except Exception as exc:  # one bad event must not stop the others
                log.exception("waitlist_event_failed", event_id=event.id, kind=event.kind)
                outcome = f"failed: {type(exc).__name__}"
            await conn.execute(
                receipts.update().where(receipts.c.event_id == event.id)
                .values(outcome=outcome[:200])
            )
            done += 1
    return done
