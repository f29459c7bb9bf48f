"""The back office behind the dialog actions: appointment changes, open slots, the waitlist and
referral hand-offs, the Hub, the Do Not Contact list and domain events, over the repositories.

One ``BackOffice`` works on one connection, so everything it does joins the caller's
transaction: the inbound pipeline's when flows use it in-process, a fresh one per request in
the action server (``dialogs.actions.source.BackOfficeSource``). Parts that other areas own
(the waitlist, referrals, reschedule offers) are reached through domain events they consume.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.ehr import EhrPort, EmbeddedEhr, StatusChange, StatusPush
from domain.errors import Conflict
from domain.model import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    CancelSource,
    Conversation,
    ConversationStatus,
    DncEntry,
    DncSource,
    Facility,
    Note,
    OpenSlot,
    Organization,
    Patient,
    SlotState,
    new_id,
)
from domain.org_settings import HubSettings
from domain.storage import tables as t
from domain.storage.repositories import (
    AppointmentRepository,
    ConversationRepository,
    OutboxRepository,
    PatientRepository,
    PracticeRepository,
)

__all__ = ["SYSTEM_AUTHOR_ID", "BackOffice", "HubRouter", "default_hub"]

log = structlog.get_logger(__name__)

SYSTEM_AUTHOR_ID = "careline"
"""``author_id`` of the internal notes Careline itself writes for staff."""


class HubRouter(Protocol):
    async def __call__(
        self,
        conn: AsyncConnection,
        *,
        conversation: Conversation,
        text: str,
        message_id: str | None,
        patients: Sequence[Patient],
        settings: HubSettings,
        now: datetime,
        expected: bool = False,
        reason: str = "patient_message",
    ) -> Any:
        """Apply a patient message to the Hub (``gateway.hub.intake.route_to_hub``)."""
        ...


def default_hub() -> HubRouter:
    """The gateway's Hub routing (imported on demand: dialogs do not import the gateway)."""
    # The Hub's routing (reopen rule, placeholder profiles, chat events) lives in the gateway.
    from gateway.hub.intake import route_to_hub

    return route_to_hub


@dataclass(frozen=True, slots=True)
class BackOffice:
    """Back-office capabilities on one connection.

    Args:
        conn: the connection; every write joins its transaction.
        ehr: where appointment status changes go (no EHR by default).
        hub: the Hub's routing of patient messages (the gateway's by default).
    """

    conn: AsyncConnection
    ehr: EhrPort = field(default_factory=EmbeddedEhr)
    hub: HubRouter | None = None

    # -- appointments ----------------------------------------------------------------------

    async def appointment(self, appointment_id: str) -> Appointment:
        """Raises NotFound for an unknown id."""
        return await AppointmentRepository(self.conn).get(appointment_id)

    async def confirm_appointment(
        self, appointment_id: str, *, at: datetime, via: str = "patient_reply"
    ) -> Appointment:
        """Confirm (REM-23); a cancelled appointment is booked again (REM-26). Idempotent.

        Raises:
            NotFound: no such appointment.
            Conflict: the appointment cannot be confirmed (e.g. a no-show).
        """
        repo = AppointmentRepository(self.conn)
        current = await repo.get(appointment_id, for_update=True)
        if current.confirmed and current.status in ACTIVE_STATUSES:
            return current
        updated = current.confirm(at)
        await repo.save(updated)
        await self.emit(updated.org_id, "appointment.confirmed", _payload(updated, via=via), at)
        await self._push(updated, StatusChange.CONFIRMED, at)
        return updated

    async def cancel_appointment(
        self,
        appointment_id: str,
        *,
        at: datetime,
        no_show: bool = False,
        fee_notice: bool = False,
        source: CancelSource = CancelSource.PATIENT,
        via: str = "patient_reply",
    ) -> Appointment:
        """Cancel (REM-24), as a no-show when ``no_show`` (REM-07). Idempotent.

        The appointment's pending outbox messages (reminders) are cancelled with it.

        Raises:
            NotFound: no such appointment.
            Conflict: the appointment cannot be cancelled (e.g. already fulfilled).
        """
        repo = AppointmentRepository(self.conn)
        current = await repo.get(appointment_id, for_update=True)
        if current.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NOSHOW):
            return current
        updated = current.cancel(at, source, no_show=no_show)
        await repo.save(updated)
        await OutboxRepository(self.conn).cancel_pending(
            appointment_id=updated.id, at=at, reason="appointment cancelled"
        )
        payload = _payload(updated, via=via, no_show=no_show, fee_notice=fee_notice,
                           source=source.value)
        await self.emit(updated.org_id, "appointment.cancelled", payload, at)
        await self._push(updated, StatusChange.NOSHOW if no_show else StatusChange.CANCELLED, at)
        return updated

    async def mark_arrived(self, appointment_id: str, *, at: datetime) -> Appointment:
        """Move the patient to the Waiting Room's Arrived section (WR-03). Idempotent."""
        repo = AppointmentRepository(self.conn)
        current = await repo.get(appointment_id, for_update=True)
        if current.status in (AppointmentStatus.ARRIVED, AppointmentStatus.CHECKED_IN):
            return current
        updated = current.with_status(AppointmentStatus.ARRIVED, at)
        await repo.save(updated)
        await self.emit(updated.org_id, "appointment.arrived", _payload(updated), at)
        await self._push(updated, StatusChange.ARRIVED, at)
        return updated

    async def flag_for_follow_up(self, appointment_id: str, reason: str, *, at: datetime) -> None:
        """Ask staff to follow up on an appointment (shown with the appointment)."""
        repo = AppointmentRepository(self.conn)
        appointment = await repo.get(appointment_id)
        await repo.set_follow_up(appointment_id, reason[:200], at)
        await self.emit(appointment.org_id, "appointment.follow_up",
                        _payload(appointment, reason=reason), at)

    async def find_open_slots(
        self,
        org_id: str,
        *,
        start: datetime,
        days: int = 14,
        facility_id: str | None = None,
        provider_id: str | None = None,
        type_id: str | None = None,
        limit: int = 3,
    ) -> list[OpenSlot]:
        """Open slots from ``start`` for ``days`` days, earliest first, optionally at one
        facility, with one provider, or of one appointment type."""
        slots = await AppointmentRepository(self.conn).open_slots(
            org_id, start, start + timedelta(days=days)
        )
        found = [
            s for s in slots
            if (facility_id is None or s.facility_id == facility_id)
            and (provider_id is None or s.provider_id == provider_id)
            and (type_id is None or s.type_id in (type_id, None))
        ]
        return found[: max(limit, 0)]

    async def book_slot(self, slot_id: str, patient_id: str, *, at: datetime) -> Appointment:
        """Book an open (or offered) slot for the patient; exactly one of several concurrent
        bookings wins.

        Raises:
            NotFound: no such slot or patient.
            Conflict: the slot is taken.
        """
        repo = AppointmentRepository(self.conn)
        slot = await repo.slot(slot_id)
        patient = await PatientRepository(self.conn).get(patient_id)
        if patient.org_id != slot.org_id:
            raise Conflict("the patient and the slot belong to different organisations")
        won = await repo.take_slot(
            slot_id, expected_states=(SlotState.OPEN, SlotState.OFFERED), to=SlotState.BOOKED
        )
        if not won:
            raise Conflict(f"slot {slot_id} is no longer open")
        appointment = Appointment(
            id=new_id(), org_id=slot.org_id, patient_id=patient_id, facility_id=slot.facility_id,
            provider_id=slot.provider_id, type_id=slot.type_id, start=slot.start,
            duration_minutes=slot.duration_minutes, status=AppointmentStatus.BOOKED,
            created_at=at, updated_at=at,
        )
        await repo.add(appointment)
        await self.emit(slot.org_id, "appointment.booked",
                        _payload(appointment, slot_id=slot_id), at)
        return appointment

    # -- hand-offs to other parts ------------------------------------------------------------

    async def join_waitlist(
        self, org_id: str, patient_id: str, *, at: datetime, preferences: dict[str, Any] | None
    ) -> None:
        """Ask the waitlist to add the patient (its rules decide, WL-29)."""
        payload = {"patient_id": patient_id, "preferences": preferences or {}}
        await self.emit(org_id, "waitlist.join_requested", payload, at)

    async def leave_waitlist(self, org_id: str, patient_id: str, *, at: datetime) -> None:
        """Take the patient off the waitlist (WL-16)."""
        await self.emit(org_id, "waitlist.leave_requested", {"patient_id": patient_id}, at)

    async def invite_to_waitlist(
        self, org_id: str, patient_id: str, appointment_id: str, *, at: datetime
    ) -> None:
        """Offer the patient a place on the waitlist after a cancellation (WL-13)."""
        payload = {"patient_id": patient_id, "appointment_id": appointment_id,
                   "trigger": "reminder_cancel"}
        await self.emit(org_id, "waitlist.invite", payload, at)

    async def referral_status(self, org_id: str, patient_id: str, *, at: datetime) -> str | None:
        """The patient's latest referral status; None when Careline holds no referral data
        (the request is then recorded for staff)."""
        await self.emit(org_id, "referral.status_requested", {"patient_id": patient_id}, at)
        return None

    async def request_refill(
        self, org_id: str, patient_id: str, *, medication: str, at: datetime,
        conversation_id: str | None = None,
    ) -> None:
        """Record a prescription refill request for staff (BOT-19)."""
        payload = {"patient_id": patient_id, "medication": medication[:200],
                   "conversation_id": conversation_id}
        await self.emit(org_id, "refill.requested", payload, at)

    # -- the Hub ---------------------------------------------------------------------------

    async def hand_over(
        self,
        conversation: Conversation,
        *,
        settings: HubSettings,
        at: datetime,
        reason: str,
        text: str = "",
        message_id: str | None = None,
        patients: Sequence[Patient] | None = None,
        reopen: bool = False,
        notes: Sequence[str] = (),
    ) -> Conversation:
        """Put the chat in front of staff (Hub, unread; HUB-13, PIT-02).

        The Hub's reopen rule decides whether a closed chat reopens (HUB-20); ``reopen``
        reopens it (unassigned) whatever the message length. ``notes`` become internal notes.

        Returns:
            The conversation as saved.
        """
        if patients is None:
            patients = await PatientRepository(self.conn).find_by_address(
                conversation.org_id, conversation.patient_address
            )
        router = self.hub or default_hub()
        await router(
            self.conn, conversation=conversation, text=text, message_id=message_id,
            patients=patients, settings=settings, now=at, expected=False, reason=reason[:30],
        )
        conversations = ConversationRepository(self.conn)
        saved = await conversations.get(conversation.id)
        if reopen and saved.status is ConversationStatus.CLOSED:
            saved = _reopened(saved, at)
            await conversations.save(saved)
        for body in notes:
            await conversations.add_note(Note(
                id=new_id(), org_id=saved.org_id, conversation_id=saved.id,
                author_id=SYSTEM_AUTHOR_ID, body=body, created_at=at,
            ))
        return saved

    # -- Do Not Contact ------------------------------------------------------------------------

    async def opt_out(
        self, org_id: str, address: str, careline_number: str, *, at: datetime,
        patient_id: str | None = None,
    ) -> bool:
        """The patient at ``address`` opted out from ``careline_number`` (REM-36, REM-38).

        Returns:
            True when the address was not opted out before.
        """
        added = await PatientRepository(self.conn).add_dnc(DncEntry(
            org_id=org_id, address=address, source=DncSource.PATIENT_OPT_OUT, created_at=at,
            careline_number=careline_number, patient_id=patient_id,
            note="replied with an opt-out word",
        ))
        if added:
            await self.emit(org_id, "contact.opted_out",
                            {"address": address, "careline_number": careline_number}, at)
        return added

    async def opt_in(
        self, org_id: str, address: str, careline_number: str, *, at: datetime
    ) -> bool:
        """Lift the patient's own opt-out of ``address`` if it was made from
        ``careline_number`` (REM-39); staff and EHR entries stay.

        Returns:
            True when an opt-out was lifted.
        """
        patients = PatientRepository(self.conn)
        entries = await patients.dnc_entries(org_id, [address])
        mine = [
            e for e in entries
            if e.source is DncSource.PATIENT_OPT_OUT and e.careline_number == careline_number
        ]
        if not mine:
            return False
        await patients.remove_dnc(
            org_id, address, DncSource.PATIENT_OPT_OUT.value, careline_number=careline_number
        )
        await self.emit(org_id, "contact.opted_in",
                        {"address": address, "careline_number": careline_number}, at)
        return True

    # -- events ----------------------------------------------------------------------------

    async def emit(self, org_id: str, kind: str, payload: dict[str, Any], at: datetime) -> None:
        """Record a domain event (JSON-safe payload) for the parts that consume it."""
        await self.conn.execute(t.domain_events.insert().values(
            id=new_id(), org_id=org_id, kind=kind[:40], payload=payload, created_at=at,
        ))

    # -- look-ups -----------------------------------------------------------------------------

    async def organization(self, org_id: str) -> Organization:
        return await PracticeRepository(self.conn).organization(org_id)

    async def facility(self, facility_id: str) -> Facility:
        return await PracticeRepository(self.conn).facility(facility_id)

    async def patient(self, patient_id: str) -> Patient:
        return await PatientRepository(self.conn).get(patient_id)

    async def conversation(self, conversation_id: str) -> Conversation:
        return await ConversationRepository(self.conn).get(conversation_id)

    async def _push(self, appointment: Appointment, change: StatusChange, at: datetime) -> None:
        value = self.ehr.mapping.push_value(change)
        if value is None:
            return
        push = StatusPush(org_id=appointment.org_id, appointment_id=appointment.id,
                          ehr_id=appointment.ehr_id, change=change, value=value, at=at)
        try:
            await self.ehr.push_status(push)
        except Exception as exc:  # the patient's change stands; staff see it
            log.warning("ehr_push_failed", appointment_id=appointment.id, change=change.value)
            await self.emit(appointment.org_id, "ehr.push_failed", _payload(
                appointment, change=change.value, value=value, error=type(exc).__name__), at)


def _reopened(conversation: Conversation, at: datetime) -> Conversation:
    return replace(conversation, status=ConversationStatus.OPEN, reopened_at=at, closed_at=None,
                   assignee_id=None, unread=True)


def _payload(appointment: Appointment, **extra: Any) -> dict[str, Any]:
    return {
        "appointment_id": appointment.id,
        "patient_id": appointment.patient_id,
        "facility_id": appointment.facility_id,
        "provider_id": appointment.provider_id,
        "type_id": appointment.type_id,
        "start": appointment.start.isoformat(),
        "status": appointment.status.value,
        **extra,
    }
