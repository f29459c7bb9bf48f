"""Reschedule by text (RSC-01..RSC-05, RSC-07, RSC-11): the patient asked for another time;
we text up to three options (or a self-schedule link), book the one they pick, and restart
with fresh options when it was taken meanwhile, at most ``max_restarts`` times.

Every step goes through the session machine (``domain.reschedule.session``); each text is
queued once (dedupe keys per session and step).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.flows.reschedule import SPEC as RESCHEDULE_SPEC
from dialogs.replies import format_when
from domain.errors import NotFound
from domain.model import (
    ACTIVE_STATUSES,
    Appointment,
    Conversation,
    MessageKind,
    OpenSlot,
    Organization,
    Patient,
    Prompt,
    new_id,
)
from domain.reschedule import SessionState, advance_session, reschedule_allowed, select_options
from domain.storage.repositories import (
    AppointmentRepository,
    ConversationRepository,
    PatientRepository,
    PracticeRepository,
)
from domain.waitlist.texts import render
from gateway.waitlist.deps import WaitlistDeps
from gateway.waitlist.messaging import Text, send_text, thread_of
from gateway.waitlist.rebook import RebookOutcome, rebook
from gateway.waitlist.reschedule_store import RescheduleSession, RescheduleStore
from gateway.waitlist.self_schedule import create_link
from gateway.waitlist.wording import stock_context, wording

__all__ = ["choose", "expire_sessions", "keep", "options_for", "start"]


async def options_for(
    conn: AsyncConnection, org: Organization, appointment: Appointment, now: datetime,
    *, exclude: frozenset[str] = frozenset(), max_options: int | None = None,
) -> list[OpenSlot]:
    """The openings ``appointment`` could move to now (RSC-01, RSC-09..16)."""
    settings = org.settings.reschedule
    if max_options is not None:
        settings = replace(settings, max_options=max_options)
    openings = await AppointmentRepository(conn).open_slots(
        org.id, now, now + timedelta(days=settings.days_visible)
    )
    return select_options(appointment, openings, settings=settings, now=now, exclude=exclude)


class _Talk:
    """Texts of one session, on the patient's thread, in their language."""

    def __init__(self, conn: AsyncConnection, org: Organization, patient: Patient,
                 conversation: Conversation, appointment: Appointment, zone: ZoneInfo,
                 language: str, now: datetime) -> None:
        self.conn, self.org, self.patient = conn, org, patient
        self.conversation, self.appointment, self.zone = conversation, appointment, zone
        self.language, self.now = language, now

    def when(self, at: datetime) -> str:
        return format_when(at, self.zone, self.language)

    async def say(self, session: RescheduleSession, key: str, *, step: int = 0,
                  prompt: Prompt | None = None, **values: object) -> None:
        facility = await PracticeRepository(self.conn).facility(self.appointment.facility_id)
        filled: dict[str, object] = {
            "current": self.when(self.appointment.start),
            "phone": facility.phone or self.org.phone or "our office",
            "facility": facility.name,
        }
        stock = partial(stock_context, org=self.org, patient=self.patient, facility=facility,
                        provider="", start=self.appointment.start, language=self.language)
        body = wording(key, self.language, stock=stock, **(filled | values))
        text = Text(body=body, key=key, kind=MessageKind.RESCHEDULE,
                    dedupe_key=f"{key}:{session.id}:{step}", due_at=self.now,
                    facility_id=self.appointment.facility_id,
                    appointment_id=self.appointment.id)
        await send_text(self.conn, self.conversation, self.patient, text, now=self.now,
                        prompt=prompt)

    async def offer(self, session: RescheduleSession, options: list[OpenSlot], key: str,
                    expires_at: datetime) -> str:
        """Text the numbered options with the prompt that takes the answer; its id."""
        prompt = Prompt(
            id=new_id(), org_id=self.org.id, conversation_id=self.conversation.id,
            flow=RESCHEDULE_SPEC.name, state=RESCHEDULE_SPEC.initial.value, created_at=self.now,
            expires_at=expires_at, appointment_id=self.appointment.id, ref_id=session.id,
            data={
                "session_id": session.id, "zone": self.zone.key,
                "current": self.appointment.start.isoformat(),
                "options": [{"slot_id": o.id, "start": o.start.isoformat()} for o in options],
            },
        )
        choices = "\n".join(
            render("reschedule.choice", self.language, number=i, when=self.when(o.start))
            for i, o in enumerate(options, start=1)
        )
        await self.say(session, key, step=session.restarts, prompt=prompt, choices=choices)
        return prompt.id


async def _talk(conn: AsyncConnection, org: Organization, appointment: Appointment,
                conversation_id: str | None, language: str | None,
                now: datetime) -> _Talk | None:
    patient = await PatientRepository(conn).get(appointment.patient_id)
    conversation: Conversation | None
    if conversation_id is not None:
        conversation = await ConversationRepository(conn).get(conversation_id)
    else:
        conversation = await thread_of(conn, org, patient, now)
    if conversation is None:
        return None
    facility = await PracticeRepository(conn).facility(appointment.facility_id)
    return _Talk(conn, org, patient, conversation, appointment, ZoneInfo(facility.timezone),
                 language or patient.preferred_language, now)


async def _allowed(conn: AsyncConnection, org: Organization, appointment: Appointment) -> bool:
    practice = PracticeRepository(conn)
    facility = await practice.facility(appointment.facility_id)
    provider = (await practice.providers(org.id)).get(appointment.provider_id)
    kind = (await practice.types(org.id)).get(appointment.type_id or "")
    return reschedule_allowed(org.settings.reschedule, [
        facility.flags, provider.flags if provider else None, kind.flags if kind else None,
    ])


async def start(
    conn: AsyncConnection, deps: WaitlistDeps, org: Organization, appointment_id: str,
    now: datetime, *, conversation_id: str | None = None, language: str | None = None,
) -> RescheduleSession | None:
    """The patient asked to reschedule ``appointment_id`` (RSC-01): text options, a link
    (RSC-07), "no options" (RSC-03) or "not by text" (RSC-05). None when the appointment is
    gone or already being rescheduled."""
    store = RescheduleStore(conn)
    try:
        appointment = await AppointmentRepository(conn).get(appointment_id)
    except NotFound:
        return None
    if appointment.status not in ACTIVE_STATUSES or appointment.start <= now:
        return None
    if await store.open_for(appointment.id) is not None:
        return None
    talk = await _talk(conn, org, appointment, conversation_id, language, now)
    if talk is None:
        return None
    settings = org.settings.reschedule
    session = RescheduleSession(
        id=new_id(), org_id=org.id, appointment_id=appointment.id,
        patient_id=appointment.patient_id, state=SessionState.REQUESTED, created_at=now,
        updated_at=now, conversation_id=talk.conversation.id,
    )
    options: list[OpenSlot] = []
    if not await _allowed(conn, org, appointment):
        event = "refuse"
    elif settings.send_link_instead:
        event = "send_link"
    else:
        options = await options_for(conn, org, appointment, now)
        event = "offer"
    step = advance_session(session.state, event, has_options=bool(options),
                           max_restarts=settings.max_restarts)
    session = replace(session, state=step.state, options=[o.id for o in options])
    if step.state is SessionState.OPTIONS_SENT:
        expires = now + timedelta(minutes=settings.offer_expiry_minutes)
        session = replace(session, expires_at=expires)
        prompt_id = await talk.offer(session, options, "reschedule.options", expires)
        session = replace(session, prompt_id=prompt_id)
    elif step.state is SessionState.LINK_SENT:
        link, expires_at = await create_link(conn, deps, org, appointment, now)
        await talk.say(session, "reschedule.link", link=link, expires=talk.when(expires_at))
    elif step.state is SessionState.NO_OPTIONS:
        await talk.say(session, "reschedule.none")
    else:
        await talk.say(session, "reschedule.unavailable")
    await store.add(session)
    return session


async def choose(
    conn: AsyncConnection, deps: WaitlistDeps, session_id: str, slot_id: str, now: datetime,
    *, language: str | None = None,
) -> SessionState:
    """The patient picked ``slot_id`` (RSC-02, RSC-04). Returns the session's new state."""
    store = RescheduleStore(conn)
    session = await store.get(session_id)
    if session.state is not SessionState.OPTIONS_SENT or slot_id not in session.options:
        return session.state
    org = await PracticeRepository(conn).organization(session.org_id)
    appointment = await AppointmentRepository(conn).get(session.appointment_id)
    talk = await _talk(conn, org, appointment, session.conversation_id, language, now)
    if talk is None:
        return session.state
    settings = org.settings.reschedule
    result = await rebook(conn, deps, org, appointment, slot_id, now)
    if result.outcome is RebookOutcome.TAKEN:
        tried = [*session.tried, slot_id]
        options = await options_for(conn, org, appointment, now, exclude=frozenset(tried))
        step = advance_session(session.state, "gone", restarts=session.restarts,
                               max_restarts=settings.max_restarts, has_options=bool(options))
        updated = replace(session, state=step.state, restarts=step.restarts, tried=tried,
                          options=[o.id for o in options], chosen_slot_id=slot_id, updated_at=now)
        if step.state is SessionState.OPTIONS_SENT:
            expires = now + timedelta(minutes=settings.offer_expiry_minutes)
            updated = replace(updated, expires_at=expires)
            prompt_id = await talk.offer(updated, options, "reschedule.options_again", expires)
            updated = replace(updated, prompt_id=prompt_id)
        else:
            await talk.say(updated, "reschedule.gave_up")
        await store.save(updated, session.state)
        return updated.state
    event = "book" if result.outcome is RebookOutcome.BOOKED else "fail"
    step = advance_session(session.state, event, max_restarts=settings.max_restarts)
    updated = replace(session, state=step.state, chosen_slot_id=slot_id, updated_at=now,
                      new_appointment_id=result.new_appointment_id)
    if step.state is SessionState.BOOKED:
        slot = await AppointmentRepository(conn).slot(slot_id)
        facility = await PracticeRepository(conn).facility(slot.facility_id)
        await talk.say(updated, "reschedule.booked", when=talk.when(slot.start),
                       old=talk.when(appointment.start), facility=facility.name)
    else:
        await talk.say(updated, "reschedule.failed")
    await store.save(updated, session.state)
    return updated.state


async def keep(conn: AsyncConnection, session_id: str, now: datetime) -> SessionState:
    """The patient keeps their appointment (the flow already answered them)."""
    store = RescheduleStore(conn)
    session = await store.get(session_id)
    if session.state is not SessionState.OPTIONS_SENT:
        return session.state
    step = advance_session(session.state, "keep")
    await store.save(replace(session, state=step.state, updated_at=now), session.state)
    return step.state


async def expire_sessions(conn: AsyncConnection, now: datetime) -> int:
    """Options nobody picked in time (RSC-11) stop counting."""
    store = RescheduleStore(conn)
    count = 0
    for session in await store.due_to_expire(now):
        step = advance_session(session.state, "expire")
        if await store.save(replace(session, state=step.state, updated_at=now), session.state):
            count += 1
    return count
