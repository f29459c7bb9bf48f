"""The back-office actions bot flows call (``dialogs.bot.definition.ACTIONS``), run inside the
inbound pipeline's transaction: identity checks with one-time codes, open slots and booking
through the dialog actions (``dialogs/actions``), hand-over to the Hub, and feedback."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.actions.appointments import ActionBookSlot, ActionFindOpenSlots
from dialogs.actions.backoffice import BackOffice
from dialogs.actions.base import in_process, run_in_process
from dialogs.bot.state import ActionCall, ActionResult, BotState
from dialogs.replies import format_when
from domain.clock import Clock
from domain.errors import NotFound, ValidationError
from domain.hub_rules import placeholder_patient
from domain.identity import NAME_THRESHOLD, IdentityClaim, match_patient, name_score
from domain.model import (
    Channel,
    ContactKind,
    ContactPoint,
    Conversation,
    Organization,
    Patient,
    new_id,
)
from domain.storage import tables as t
from domain.storage import tables_bot as b
from domain.storage.repositories import (
    AppointmentRepository,
    ConversationRepository,
    PatientRepository,
    PracticeRepository,
)
from gateway.bot.otp import OneTimeCodes
from gateway.hub.intake import new_temporary_code

__all__ = ["BotActions", "FixedClock"]

HANDOVER_REASON = "bot_handover"
MAX_IDENTIFY_ATTEMPTS = 5
"""Look-ups by name and date of birth one widget session may make."""


@dataclass(frozen=True, slots=True)
class FixedClock:
    """The turn's time, for the dialog actions (they ask a clock)."""

    at: datetime

    def now(self) -> datetime:
        return self.at


class BotActions:
    """Runs one bot session's actions on the caller's connection.

    Args:
        conn: the transaction.
        org: the organisation.
        conversation: the widget conversation (it may get a patient during the turn).
        session_id: the bot session's id (codes are tied to it).
        secret: the process secret (keys the code hashes).
        now: the turn's time.
    """

    def __init__(self, conn: AsyncConnection, *, org: Organization, conversation: Conversation,
                 session_id: str, secret: str, now: datetime) -> None:
        self.conn = conn
        self.org = org
        self.conversation = conversation
        self.session_id = session_id
        self.now = now
        self.office = BackOffice(conn)
        self.codes = OneTimeCodes(conn, secret)
        self.clock: Clock = FixedClock(now)

    async def run(self, call: ActionCall, state: BotState) -> ActionResult:
        """The outcome of ``call`` (one of its action's outcomes)."""
        handler = getattr(self, f"_{call.name}", None)
        if handler is None:
            raise ValueError(f"unknown bot action {call.name!r}")
        result: ActionResult = await handler(call.params, state)
        return result

    async def _identify(self, params: dict[str, Any], state: BotState) -> ActionResult:
        if state.identify_attempts >= MAX_IDENTIFY_ATTEMPTS:
            return ActionResult("not_found")  # no more look-ups: nobody probes the records
        match = await self._match(state)
        return ActionResult("found", patient_id=match.id) if match else ActionResult("not_found")

    async def _send_code(self, params: dict[str, Any], state: BotState) -> ActionResult:
        if state.patient_id is None:
            return ActionResult("no_contact")
        patient = await PatientRepository(self.conn).get(state.patient_id)
        hint = await self.codes.send(org=self.org, session_id=self.session_id, patient=patient,
                                     now=self.now)
        if hint is None:
            return ActionResult("no_contact")
        return ActionResult("sent", {"contact_hint": hint})

    async def _check_code(self, params: dict[str, Any], state: BotState) -> ActionResult:
        check = await self.codes.check(session_id=self.session_id, patient_id=state.patient_id,
                                       code=str(state.data.get("code", "")), now=self.now)
        if check.outcome == "verified" and state.patient_id is not None:
            await self.link(state.patient_id)
        return ActionResult(check.outcome, {"attempts_left": str(check.attempts_left),
                                            "code": ""})

    async def _find_slots(self, params: dict[str, Any], state: BotState) -> ActionResult:
        action = ActionFindOpenSlots(in_process(self.office), clock=self.clock)
        action.days = int(params.get("days", 14))
        action.count = int(params.get("limit", 5))
        slots: dict[str, Any] = {"org_id": self.org.id, "language": "en"}
        kind = str(params.get("appointment_type", "")).strip().casefold()
        if kind:
            types = await PracticeRepository(self.conn).types(self.org.id)
            found = [k.id for k in types.values() if k.name.casefold() == kind]
            if not found:
                return ActionResult("none", {"_slots": []})
            slots["type_id"] = found[0]
        ran = await run_in_process(action, slots=slots, sender_id=self.conversation.id)
        found_slots = ran.slot("open_slots") or []
        if not found_slots:
            return ActionResult("none", {"_slots": []})
        practice = PracticeRepository(self.conn)
        facilities = await practice.facilities(self.org.id)
        providers = await practice.providers(self.org.id)
        options = []
        for slot in found_slots:
            provider = providers.get(slot["provider_id"])
            facility = facilities.get(slot["facility_id"])
            label = str(slot["label"])
            if provider is not None:
                label += f", {provider.name}"
            if facility is not None:
                label += f" ({facility.name})"
            options.append({"id": slot["slot_id"], "label": label[:120]})
        return ActionResult("found", {"_slots": options})

    async def _book(self, params: dict[str, Any], state: BotState) -> ActionResult:
        slot_id = state.data.get("_slot_id")
        if not state.verified or state.patient_id is None or not isinstance(slot_id, str):
            return ActionResult("failed")
        ran = await run_in_process(
            ActionBookSlot(in_process(self.office), clock=self.clock),
            slots={"slot_id": slot_id, "patient_id": state.patient_id, "language": "en"},
            sender_id=self.conversation.id,
        )
        appointment_id = ran.slot("appointment_id")
        if ran.slot("action_error") == "slot_taken":
            return ActionResult("taken", {"_slot_id": ""})
        if not isinstance(appointment_id, str):
            return ActionResult("failed")
        appointment = await AppointmentRepository(self.conn).get(appointment_id)
        label = str(state.data.get("slot") or "")
        if not label:
            facility = await PracticeRepository(self.conn).facility(appointment.facility_id)
            label = format_when(appointment.start, ZoneInfo(facility.timezone))
        return ActionResult("booked", {"appointment": label, "_appointment_id": appointment.id})

    async def _hand_over(self, params: dict[str, Any], state: BotState) -> ActionResult:
        patient = await self.patient_for_hub(state)
        await self.link(patient.id)
        summary = str(params.get("summary") or "Website chat handed over to staff.")[:1000]
        await self.office.hand_over(
            self.conversation, settings=self.org.settings.hub, at=self.now,
            reason=HANDOVER_REASON, text=summary, patients=[patient], reopen=True,
            notes=[summary],
        )
        self.conversation = await ConversationRepository(self.conn).get(self.conversation.id)
        return ActionResult("done", {"_patient_id": patient.id})

    async def _save_feedback(self, params: dict[str, Any], state: BotState) -> ActionResult:
        raw = str(state.data.get("rating", "")).strip()
        rating = int(raw) if raw.isdigit() and 1 <= int(raw) <= 5 else None
        await self.conn.execute(b.bot_feedback.insert().values(
            id=new_id(), org_id=self.org.id, conversation_id=self.conversation.id,
            rating=rating, comment=str(state.data.get("comment", ""))[:2000], created_at=self.now,
        ))
        return ActionResult("done")

    # -- patients --------------------------------------------------------------------------

    async def _match(self, state: BotState) -> Patient | None:
        claim = _claim(state)
        if claim is None:
            return None
        ids = (await self.conn.execute(
            sa.select(t.patients.c.id).where(t.patients.c.org_id == self.org.id,
                                             t.patients.c.date_of_birth == claim.date_of_birth)
            .limit(50)
        )).scalars().all()
        candidates = await PatientRepository(self.conn).get_many(ids)
        match = match_patient(claim, candidates.values())
        return candidates.get(match.patient_id) if match.patient_id else None

    async def patient_for_hub(self, state: BotState) -> Patient:
        """The patient the chat belongs to: the verified one, the one name and date of birth
        name, the conversation's, else a new placeholder profile (BOT-16, HUB-14)."""
        patients = PatientRepository(self.conn)
        if state.verified and state.patient_id is not None:
            return await patients.get(state.patient_id)
        found = await self._match(state)
        if found is not None:
            return found
        if self.conversation.patient_id is not None:
            try:
                linked = await patients.get(self.conversation.patient_id)
            except NotFound:
                linked = None
            # Someone else writing from the same browser session gets a profile of their own.
            if linked is not None and _same_name(state, linked):
                return linked
        profile = _placeholder(self.org.id, state, region=self.org.country)
        await patients.add(profile, self.now)
        return profile

    async def link(self, patient_id: str) -> None:
        """Tie the conversation to the patient (and the patient's facility, if it has none)."""
        if self.conversation.patient_id == patient_id:
            return
        patient = await PatientRepository(self.conn).get(patient_id)
        self.conversation = replace(
            self.conversation, patient_id=patient_id,
            facility_id=self.conversation.facility_id or patient.primary_facility_id,
        )
        await ConversationRepository(self.conn).save(self.conversation)


def _claim(state: BotState) -> IdentityClaim | None:
    first = str(state.data.get("first_name") or "").strip()
    last = str(state.data.get("last_name") or "").strip()
    raw = str(state.data.get("date_of_birth") or "")
    try:
        born = date.fromisoformat(raw)
    except ValueError:
        return None
    if not first or not last:
        return None
    return IdentityClaim(first_name=first, last_name=last, date_of_birth=born)


def _same_name(state: BotState, patient: Patient) -> bool:
    """Whether the name the visitor gave (if any) is ``patient``'s."""
    first = str(state.data.get("first_name") or "").strip()
    last = str(state.data.get("last_name") or "").strip()
    if not first and not last:
        return True
    claim = IdentityClaim(first_name=first, last_name=last, date_of_birth=date(1900, 1, 1))
    return name_score(claim, patient) >= NAME_THRESHOLD


def _placeholder(org_id: str, state: BotState, *, region: str) -> Patient:
    """A placeholder profile carrying what the visitor told us (staff confirm it later)."""
    base = placeholder_patient(patient_id=new_id(), org_id=org_id, channel=Channel.WIDGET,
                               address="", code=new_temporary_code())
    contacts: list[ContactPoint] = []
    contact = str(state.data.get("contact") or state.data.get("phone") or "")
    email = str(state.data.get("email") or "")
    for value in (contact, email):
        if not value:
            continue
        kind = ContactKind.EMAIL if "@" in value else ContactKind.SMS
        try:
            point = ContactPoint(kind=kind, value=value, preferred=not contacts)
        except ValidationError:
            continue
        if all(c.value != point.value for c in contacts):
            contacts.append(point)
    claim = _claim(state)
    return replace(
        base,
        first_name=str(state.data.get("first_name") or "")[:100],
        last_name=str(state.data.get("last_name") or "")[:100],
        date_of_birth=claim.date_of_birth if claim else None,
        contacts=tuple(contacts),
    )


