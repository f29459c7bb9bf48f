"""Re-planning reminders when an appointment or its patient changes, and the staff actions.

Every change -- created, moved, cancelled, confirmed, contacts changed, blocked, unblocked --
runs the same idempotent step inside one transaction: plan the appointment afresh, insert the
rows whose dedupe keys are new (``add_many`` skips existing keys) and cancel the pending rows
the new plan no longer has (``cancel_pending(keep_keys=...)``). Re-running it changes nothing:
no duplicates, no orphans.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.clock import Clock
from domain.errors import Conflict
from domain.model import Appointment, MessageKind, OutboxMessage, OutboxState, new_id
from domain.reminders import (
    ReminderPlan,
    outbox_messages,
    plan_reminders,
    same_day_group,
    timeline,
    timeline_json,
)
from domain.storage import tables as t
from domain.storage.database import Database
from domain.storage.repositories import AppointmentRepository, OutboxRepository
from domain.storage.repositories._mapping import from_row
from gateway.reminders.loading import (
    OrgFacts,
    PolicyFor,
    default_policy,
    load_practice,
    load_request,
)

__all__ = ["ReminderService", "replan"]


async def replan(
    conn: AsyncConnection,
    appointment_id: str,
    *,
    now: datetime,
    reason: str,
    policy_for: PolicyFor = default_policy,
    booked_at: datetime | None = None,
    cache: OrgFacts | None = None,
) -> ReminderPlan:
    """Re-plan one appointment's reminders inside the caller's transaction.

    Args:
        conn: the caller's connection (its transaction commits the new rows).
        appointment_id: the appointment.
        now: the current time.
        reason: why (stored on cancelled rows, e.g. "appointment moved").
        policy_for: the organisation's delivery policy.
        booked_at: when the appointment got its current start, if just now (a move).
        cache: organisations and resources already loaded in this batch.

    Returns:
        The new plan.
    """
    appointment = await AppointmentRepository(conn).get(appointment_id, for_update=True)
    request, _ = await load_request(conn, appointment, now=now, policy_for=policy_for,
                                    booked_at=booked_at, cache=cache)
    plan = plan_reminders(request)
    outbox = OutboxRepository(conn)
    await outbox.add_many(outbox_messages(plan, request, created_at=now))
    await _revive(conn, [m.dedupe_key for m in plan.to_write if m.dedupe_key], now)
    await outbox.cancel_pending(appointment_id=appointment_id, at=now, reason=reason,
                                keep_keys=plan.keep_keys or ("-",))
    return plan


async def _revive(conn: AsyncConnection, keys: list[str], now: datetime) -> None:
    """Rows an earlier plan cancelled come back when the plan wants them again (unblocked,
    moved back): same key, so ``add_many`` skipped them. Sent rows are never touched."""
    if keys:
        await conn.execute(t.outbox.update().where(
            t.outbox.c.dedupe_key.in_(keys),
            t.outbox.c.state == OutboxState.CANCELLED.value,
        ).values(state=OutboxState.PENDING.value, reason=None, updated_at=now))


class ReminderService:
    """Reminder operations for the gateway: event hooks, staff actions, timeline, next list."""

    def __init__(self, db: Database, clock: Clock, *,
                 policy_for: PolicyFor = default_policy) -> None:
        self.db = db
        self.clock = clock
        self.policy_for = policy_for

    async def _siblings(self, conn: AsyncConnection, appointment: Appointment) -> list[str]:
        practice = await load_practice(conn, appointment.org_id)
        zone = practice.facility(appointment.facility_id).timezone
        others = await AppointmentRepository(conn).for_patient(
            appointment.patient_id, start_from=appointment.start - timedelta(days=1))
        group = same_day_group(appointment, others, zone)
        return [a.id for a in group if a.id != appointment.id]

    async def replan_in(self, conn: AsyncConnection, appointment_id: str, *, now: datetime,
                        reason: str, booked_at: datetime | None = None) -> ReminderPlan:
        """Re-plan an appointment and the patient's other appointments that day inside the
        caller's transaction (the dialog responder calls this when a patient replies).

        Args:
            conn: the caller's connection.
            appointment_id: the appointment that changed.
            now: the current time.
            reason: why (stored on the rows the new plan cancels).
            booked_at: when the appointment got its current start, if just now (a move).

        Returns:
            The appointment's new plan.
        """
        plan = await replan(conn, appointment_id, now=now, reason=reason,
                            policy_for=self.policy_for, booked_at=booked_at)
        appointment = await AppointmentRepository(conn).get(appointment_id)
        cache = OrgFacts()
        for sibling in await self._siblings(conn, appointment):
            await replan(conn, sibling, now=now, reason=reason, policy_for=self.policy_for,
                         cache=cache)
        return plan

    async def changed(self, appointment_id: str, *, reason: str,
                      booked_at: datetime | None = None) -> ReminderPlan:
        """An appointment was created, moved, cancelled or confirmed: re-plan it and the
        patient's other appointments that day (the day's first appointment may change)."""
        async with self.db.transaction() as conn:
            return await self.replan_in(conn, appointment_id, now=self.clock.now(),
                                        reason=reason, booked_at=booked_at)

    async def created(self, appointment_id: str) -> ReminderPlan:
        return await self.changed(appointment_id, reason="appointment created")

    async def moved(self, appointment_id: str) -> ReminderPlan:
        """The appointment has a new start: the move counts as its booking (REM-42, REM-53)."""
        return await self.changed(appointment_id, reason="appointment moved",
                                  booked_at=self.clock.now())

    async def cancelled(self, appointment_id: str) -> ReminderPlan:
        return await self.changed(appointment_id, reason="appointment cancelled")

    async def confirmed(self, appointment_id: str) -> ReminderPlan:
        return await self.changed(appointment_id, reason="patient confirmed")

    async def contacts_changed(self, patient_id: str) -> int:
        """The patient's contacts changed: re-plan every upcoming appointment. Returns how
        many appointments were re-planned."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            upcoming = await AppointmentRepository(conn).for_patient(
                patient_id, start_from=now, active_only=True)
            cache = OrgFacts()
            for appointment in upcoming:
                await replan(conn, appointment.id, now=now, reason="contacts changed",
                             policy_for=self.policy_for, cache=cache)
        return len(upcoming)

    async def set_blocked(self, appointment_id: str, blocked: bool, *,
                          by: str | None = None) -> ReminderPlan:
        """Block (or unblock) reminders of one appointment (REM-51)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await conn.execute(t.appointments.update().where(
                t.appointments.c.id == appointment_id).values(
                    reminders_blocked=blocked, updated_at=now))
            reason = "reminders blocked by staff" if blocked else "reminders unblocked by staff"
            return await replan(conn, appointment_id, now=now, reason=reason,
                                policy_for=self.policy_for)

    async def send_now(self, appointment_id: str, *, by: str | None = None) -> OutboxMessage:
        """Staff force the next scheduled reminder out now (REM-08).

        The next pending reminder row becomes due now. With none pending (all sent, or the
        plan has nothing left) a new reminder row is written, due now.

        Raises:
            Conflict: reminders are blocked, or the appointment is not active.
        """
        now = self.clock.now()
        async with self.db.transaction() as conn:
            appointment = await AppointmentRepository(conn).get(appointment_id, for_update=True)
            if appointment.reminders_blocked:
                raise Conflict("reminders are blocked for this appointment; unblock them first")
            if not appointment.active or appointment.start <= now:
                raise Conflict("the appointment is not upcoming")
            rows = await OutboxRepository(conn).for_appointment(appointment_id)
            pending = [r for r in rows if r.state is OutboxState.PENDING
                       and r.kind is MessageKind.REMINDER]
            if pending:
                first = min(pending, key=lambda r: r.due_at)
                await conn.execute(t.outbox.update().where(t.outbox.c.id == first.id).values(
                    due_at=now, updated_at=now, reason="sent now by staff"))
                return await OutboxRepository(conn).get(first.id)
            request, _ = await load_request(conn, appointment, now=now,
                                            policy_for=self.policy_for)
            plan = plan_reminders(request)
            route = next((m for m in plan.messages if m.channel and m.address), None)
            if route is None or route.channel is None or route.address is None:
                raise Conflict("the patient has no usable contact for reminders")
            message = OutboxMessage(
                id=new_id(), org_id=appointment.org_id,
                dedupe_key=f"rem:{appointment_id}:send_now:{int(now.timestamp())}",
                kind=MessageKind.REMINDER, channel=route.channel, to_address=route.address,
                due_at=now, created_at=now, patient_id=appointment.patient_id,
                appointment_id=appointment_id, facility_id=appointment.facility_id,
                template_key=request.settings.template_key,
                language=request.patient.preferred_language, reason="sent now by staff",
                context={"appointment_id": appointment_id,
                         "reminder": {"kind": "send_now", "slot": "send_now",
                                      "days_before": None}},
            )
            await OutboxRepository(conn).add(message)
            return message

    async def timeline(self, appointment_id: str) -> dict[str, Any]:
        """The appointment's reminder timeline as JSON: planned, sent, skipped, blocked."""
        now = self.clock.now()
        async with self.db.read() as conn:
            appointment = await AppointmentRepository(conn).get(appointment_id)
            request, _ = await load_request(conn, appointment, now=now,
                                            policy_for=self.policy_for)
            plan = plan_reminders(request)
            rows = await OutboxRepository(conn).for_appointment(appointment_id)
        return timeline_json(appointment, plan.zone, timeline(plan, rows))

    async def next_reminders(self, org_id: str, *, limit: int = 50,
                             facility_id: str | None = None,
                             visible: Any = None) -> list[dict[str, Any]]:
        """The pending reminders due next (REM-48), soonest first.

        Args:
            org_id: the organisation.
            limit: at most this many (1..500).
            facility_id: only this facility's reminders.
            visible: an extra SQL condition on ``outbox`` rows -- the caller's facility scope
                (``gateway.auth.scoping.facility_condition``); None keeps every row.
        """
        query = (sa.select(t.outbox).where(
            t.outbox.c.org_id == org_id, t.outbox.c.state == OutboxState.PENDING.value,
            t.outbox.c.kind == MessageKind.REMINDER.value,
        ).order_by(t.outbox.c.due_at).limit(max(1, min(limit, 500))))
        if facility_id is not None:
            query = query.where(t.outbox.c.facility_id == facility_id)
        if visible is not None:
            query = query.where(visible)
        async with self.db.read() as conn:
            rows = [from_row(OutboxMessage, dict(r))
                    for r in (await conn.execute(query)).mappings()]
        return [
            {"id": r.id, "appointment_id": r.appointment_id, "patient_id": r.patient_id,
             "facility_id": r.facility_id, "channel": r.channel.value, "to": r.to_address,
             "due_at": r.due_at.isoformat().replace("+00:00", "Z"),
             "kind": (r.context.get("reminder") or {}).get("kind", "cadence"),
             "template": r.template_key}
            for r in rows
        ]
