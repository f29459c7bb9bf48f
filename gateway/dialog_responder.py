"""The dialog manager behind the inbound pipeline: ``DialogResponder`` implements the
pipeline's Responder port.

For each stored patient message, inside the pipeline's transaction and under the conversation
lock, it loads what the flows may know (:func:`load_context`), asks the pure dialog manager
for effects, and applies them all on the same connection: appointment changes (and their EHR
pushes), prompts, the Do Not Contact list, Hub routing with its reopen rule, domain events,
outbox rows, and the answers, which it stores as outbound messages and returns for the channel
to send inline. When a reply confirms, cancels or otherwise changes an appointment, the
appointment's reminders are re-planned in the same transaction (the reminders part sets
``responder.replan_reminders``).

``setup_dialogs(app)`` plugs it into the app; other parts add their prompt flows with
``app[DIALOG_MANAGER].register(flow)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.actions.backoffice import BackOffice, HubRouter, default_hub
from dialogs.actions.base import in_process, run_in_process
from dialogs.actions.requests import ActionLeaveWaitlist
from dialogs.context import DialogContext
from dialogs.effects import (
    CancelAppointment,
    ClosePrompt,
    ConfirmAppointment,
    Effect,
    EmitEvent,
    FlagForFollowUp,
    InviteToWaitlist,
    LeaveWaitlist,
    MarkArrived,
    OpenPrompt,
    OptIn,
    OptOut,
    Reply,
    RouteToHub,
    SendMessage,
    UpdatePrompt,
)
from dialogs.manager import AUTO_REPLY_KEY, DialogManager
from dialogs.replies import warm_formats
from domain.ehr import EhrPort, EmbeddedEhr
from domain.errors import NotFound
from domain.model import (
    Appointment,
    Channel,
    DncSource,
    Message,
    MessageDirection,
    MessageStatus,
    OutboxMessage,
    Patient,
    Prompt,
    new_id,
)
from domain.storage import tables as t
from domain.storage.repositories import (
    AppointmentRepository,
    ConversationRepository,
    OutboxRepository,
    PatientRepository,
    PracticeRepository,
)
from gateway.inbound.keys import RESPONDER
from gateway.inbound.responder import InboundContext
from gateway.logs import get_logger

__all__ = [
    "DIALOG_MANAGER",
    "DialogResponder",
    "ReplanReminders",
    "apply_effects",
    "load_context",
    "setup_dialogs",
]

log = get_logger(__name__)

DIALOG_MANAGER = web.AppKey("dialog_manager", DialogManager)
"""The app's dialog manager: ``app[DIALOG_MANAGER].register(flow)`` adds a prompt flow."""

_LOOK_BACK = timedelta(days=1)

ReplanReminders = Callable[[AsyncConnection, str, datetime, str], Awaitable[object]]
"""``(conn, appointment_id, now, reason)``: re-plan an appointment's reminders inside the
caller's transaction (``gateway.reminders.ReminderService.replan_in``)."""

_REPLAN_REASONS: dict[type[Effect], str] = {
    ConfirmAppointment: "patient confirmed",
    CancelAppointment: "appointment cancelled",
    MarkArrived: "patient arrived",
}
"""The effects that change an appointment's status or confirmation, and the reason stored on
the reminder rows the new plan drops."""


def setup_dialogs(
    app: web.Application, *, ehr: EhrPort | None = None, reschedule_flow: bool = False
) -> None:
    """Answer patient messages with the dialog manager (sets ``app[RESPONDER]``).

    Args:
        app: the application (before start-up).
        ehr: the EHR port for appointment status changes (no EHR by default).
        reschedule_flow: a self-reschedule flow consumes ``reschedule.requested`` events (the
            waitlist part sets ``responder.reschedule_flow`` itself when it is installed).
    """
    manager = DialogManager()
    app[DIALOG_MANAGER] = manager
    app[RESPONDER] = DialogResponder(manager, ehr=ehr, reschedule_flow=reschedule_flow)
    app.on_startup.append(_warm_reply_formats)


async def _warm_reply_formats(app: web.Application) -> None:
    """Replies write dates in the patient's language; load that CLDR data off the loop."""
    await asyncio.to_thread(warm_formats)


class DialogResponder:
    """The Responder that runs the dialog manager.

    Args:
        manager: the dialog manager (with the core flows by default).
        ehr: where appointment status changes go.
        reschedule_flow: see :func:`setup_dialogs`.
        hub: the Hub's routing of patient messages (``gateway.hub.intake.route_to_hub``).
        replan_reminders: re-plans an appointment's reminders after a reply changed it (None:
            no reminders part installed).
    """

    def __init__(
        self,
        manager: DialogManager | None = None,
        *,
        ehr: EhrPort | None = None,
        reschedule_flow: bool = False,
        hub: HubRouter | None = None,
        replan_reminders: ReplanReminders | None = None,
    ) -> None:
        self.manager = manager or DialogManager()
        self.replan_reminders = replan_reminders
        self.ehr: EhrPort = ehr or EmbeddedEhr()
        self.reschedule_flow = reschedule_flow
        # Resolved now, not on the event loop: importing is blocking file I/O.
        self.hub: HubRouter = hub or default_hub()

    async def respond(self, conn: AsyncConnection, inbound: InboundContext) -> list[str]:
        """See ``gateway.inbound.responder.Responder.respond``."""
        ctx = await load_context(conn, inbound, reschedule_flow=self.reschedule_flow)
        decision = self.manager.decide(ctx)
        log.info(
            "dialog_decision", conversation_id=inbound.conversation.id,
            message_id=inbound.message.id, flow=decision.handled_by,
            intent=decision.reading.trigger.value, prompt_id=decision.prompt_id,
            effects=[type(e).__name__ for e in decision.effects],
        )
        office = BackOffice(conn, ehr=self.ehr, hub=self.hub)
        return await apply_effects(office, ctx, inbound, decision.effects,
                                   replan_reminders=self.replan_reminders)

    async def expire_prompts(self, conn: AsyncConnection, now: datetime, *,
                             limit: int = 500) -> int:
        """Close prompts whose answer time is over (their flow's timeout); for the scheduler.

        Timeouts never message patients: only the prompts change, and the domain events the
        flows emit are recorded. (Replies to a prompt stop counting at ``expires_at`` anyway:
        the inbound side never loads an expired prompt, so this needs no conversation lock.)

        Returns:
            How many prompts timed out.
        """
        rows = (await conn.execute(
            sa.select(t.prompts)
            .where(t.prompts.c.closed_at.is_(None), t.prompts.c.expires_at <= now)
            .order_by(t.prompts.c.expires_at)
            .limit(limit)
        )).mappings().all()
        conversations = ConversationRepository(conn)
        practice = PracticeRepository(conn)
        count = 0
        for row in rows:
            prompt = Prompt(**{k: row[k] for k in Prompt.__dataclass_fields__})
            conversation = await conversations.get(prompt.conversation_id)
            ctx = DialogContext(
                org=await practice.organization(prompt.org_id), conversation=conversation,
                text="", now=now, prompts=(prompt,),
                appointments=await _appointments_of([prompt], AppointmentRepository(conn)),
            )
            effects = self.manager.expire(prompt, ctx)
            await _apply_prompt_effects(conversations, ctx, effects)
            for event in (e for e in effects if isinstance(e, EmitEvent)):
                await BackOffice(conn, ehr=self.ehr, hub=self.hub).emit(
                    prompt.org_id, event.kind, event.payload, now)
            if not any(isinstance(e, ClosePrompt) for e in effects):
                await conversations.save_prompt(replace(prompt, closed_at=now))
            count += 1
        return count


async def load_context(
    conn: AsyncConnection, inbound: InboundContext, *, reschedule_flow: bool = False
) -> DialogContext:
    """Everything the flows may read about ``inbound``, read in the pipeline's transaction."""
    conversation = inbound.conversation
    org = inbound.org
    now = inbound.now
    prompts = await ConversationRepository(conn).open_prompts(conversation.id, now)
    patient = await _patient(conn, inbound)
    repo = AppointmentRepository(conn)
    appointments = await _appointments_of(prompts, repo)
    patient_ids = {a.patient_id for a in appointments.values()}
    if patient is not None:
        patient_ids.add(patient.id)
    since = min([now, *(a.start for a in appointments.values())]) - _LOOK_BACK
    for patient_id in sorted(patient_ids):
        for appointment in await repo.for_patient(patient_id, start_from=since):
            appointments.setdefault(appointment.id, appointment)
    practice = PracticeRepository(conn)
    entries = await PatientRepository(conn).dnc_entries(org.id, [conversation.patient_address])
    opted_out_from = tuple(
        e.careline_number for e in entries
        if e.source is DncSource.PATIENT_OPT_OUT and e.careline_number
    )
    return DialogContext(
        org=org,
        conversation=conversation,
        text=inbound.envelope.text,
        now=now,
        patient=patient,
        prompts=tuple(prompts),
        appointments=appointments,
        types=await practice.types(org.id),
        facilities=await practice.facilities(org.id),
        opted_out_here=conversation.careline_address in opted_out_from,
        opted_out_from=opted_out_from,
        auto_reply_sent=await _auto_reply_sent(conn, conversation.id),
        reschedule_flow=reschedule_flow,
    )


async def _patient(conn: AsyncConnection, inbound: InboundContext) -> Patient | None:
    """The conversation's patient, else the only patient having the sender's address."""
    wanted = inbound.conversation.patient_id
    if wanted is not None:
        for patient in inbound.patients:
            if patient.id == wanted:
                return patient
        try:
            return await PatientRepository(conn).get(wanted)
        except NotFound:
            return None
    return inbound.patients[0] if len(inbound.patients) == 1 else None


async def _appointments_of(
    prompts: list[Prompt] | tuple[Prompt, ...], repo: AppointmentRepository
) -> dict[str, Appointment]:
    found: dict[str, Appointment] = {}
    for prompt in prompts:
        if prompt.appointment_id and prompt.appointment_id not in found:
            try:
                found[prompt.appointment_id] = await repo.get(prompt.appointment_id)
            except NotFound:
                continue
    return found


async def _auto_reply_sent(conn: AsyncConnection, conversation_id: str) -> bool:
    found = await conn.execute(
        sa.select(t.messages.c.id).where(
            t.messages.c.conversation_id == conversation_id,
            t.messages.c.direction == MessageDirection.OUTBOUND.value,
            t.messages.c.template_key == AUTO_REPLY_KEY,
        ).limit(1)
    )
    return found.first() is not None


async def apply_effects(
    office: BackOffice,
    ctx: DialogContext,
    inbound: InboundContext,
    effects: tuple[Effect, ...],
    *,
    replan_reminders: ReplanReminders | None = None,
) -> list[str]:
    """Apply ``effects`` on the office's connection, in order; returns the inline answers.

    Hub routing happens once, after the other effects, with every note collected; a message
    no effect routes to the Hub is still applied to it as an expected reply (HUB-22 keyword
    events, never a reopen).

    Right after an effect that changes an appointment (confirm, cancel, arrived) its
    reminders are re-planned with ``replan_reminders``: after a confirmation the later
    reminders are skipped per the reminder settings, after a cancellation none remain. The
    re-plan runs before the later effects, so a message a later effect queues for the same
    appointment (an acknowledgement) is never cancelled by it.
    """
    conn = office.conn
    now = ctx.now
    org_id = ctx.org.id
    conversations = ConversationRepository(conn)
    answers: list[str] = []
    to_hub: list[RouteToHub] = []
    for effect in effects:
        if isinstance(effect, Reply):
            answers.append(effect.text)
            await conversations.add_message(_outbound(ctx, effect, now))
        elif isinstance(effect, ConfirmAppointment):
            await office.confirm_appointment(effect.appointment_id, at=now)
        elif isinstance(effect, CancelAppointment):
            await office.cancel_appointment(effect.appointment_id, at=now,
                                            no_show=effect.no_show, fee_notice=effect.fee_notice)
        elif isinstance(effect, MarkArrived):
            await office.mark_arrived(effect.appointment_id, at=now)
        elif isinstance(effect, FlagForFollowUp):
            await office.flag_for_follow_up(effect.appointment_id, effect.reason, at=now)
        elif isinstance(effect, OptOut):
            await office.opt_out(org_id, effect.address, effect.careline_number, at=now,
                                 patient_id=effect.patient_id)
        elif isinstance(effect, OptIn):
            await office.opt_in(org_id, effect.address, effect.careline_number, at=now)
        elif isinstance(effect, RouteToHub):
            to_hub.append(effect)
        elif isinstance(effect, LeaveWaitlist):
            # The same capability a Rasa assistant calls, run in this transaction.
            await run_in_process(ActionLeaveWaitlist(in_process(office)),
                                 slots={"patient_id": effect.patient_id},
                                 sender_id=ctx.conversation.id, text=ctx.text)
        elif isinstance(effect, InviteToWaitlist):
            await office.invite_to_waitlist(org_id, effect.patient_id, effect.appointment_id,
                                            at=now)
        elif isinstance(effect, EmitEvent):
            await office.emit(org_id, effect.kind, effect.payload, now)
        elif isinstance(effect, SendMessage):
            await OutboxRepository(conn).add(_outbox_row(ctx, effect, now))
        else:
            await _apply_prompt_effects(conversations, ctx, (effect,))
        if replan_reminders is not None and isinstance(
                effect, (ConfirmAppointment, CancelAppointment, MarkArrived)):
            await replan_reminders(conn, effect.appointment_id, now,
                                   _REPLAN_REASONS[type(effect)])
    conversation = await conversations.get(ctx.conversation.id)
    if to_hub:
        await office.hand_over(
            conversation, settings=ctx.settings.hub, at=now, reason=to_hub[0].reason,
            text=ctx.text, message_id=inbound.message.id, patients=inbound.patients,
            reopen=any(e.reopen for e in to_hub), notes=[e.note for e in to_hub if e.note],
        )
    else:
        router = office.hub or default_hub()
        await router(conn, conversation=conversation, text=ctx.text,
                     message_id=inbound.message.id, patients=inbound.patients,
                     settings=ctx.settings.hub, now=now, expected=True)
    return answers


async def _apply_prompt_effects(
    conversations: ConversationRepository, ctx: DialogContext, effects: tuple[Effect, ...]
) -> None:
    known = {p.id: p for p in ctx.prompts}
    for effect in effects:
        if isinstance(effect, OpenPrompt):
            await conversations.add_prompt(Prompt(
                id=new_id(), org_id=ctx.org.id, conversation_id=ctx.conversation.id,
                flow=effect.flow, state=effect.state, created_at=ctx.now,
                expires_at=effect.expires_at, appointment_id=effect.appointment_id,
                ref_id=effect.ref_id, data=dict(effect.data),
            ))
        elif isinstance(effect, UpdatePrompt) and effect.prompt_id in known:
            updated = replace(known[effect.prompt_id], state=effect.state, data=dict(effect.data))
            known[updated.id] = updated
            await conversations.save_prompt(updated)
        elif isinstance(effect, ClosePrompt) and effect.prompt_id in known:
            closed = replace(known[effect.prompt_id], state=effect.state, closed_at=ctx.now)
            known[closed.id] = closed
            await conversations.save_prompt(closed)


def _outbound(ctx: DialogContext, effect: Reply, now: datetime) -> Message:
    channel = ctx.conversation.channel
    # Inline channels hand the answer over in the webhook's response; email goes out later
    # through the outbox (the pipeline writes that row).
    status = MessageStatus.QUEUED if channel is Channel.EMAIL else MessageStatus.SENT
    return Message(
        id=new_id(), org_id=ctx.org.id, conversation_id=ctx.conversation.id,
        direction=MessageDirection.OUTBOUND, channel=channel, body=effect.text,
        status=status, created_at=now, template_key=effect.key or None,
        facility_id=ctx.conversation.facility_id,
        sent_at=now if status is MessageStatus.SENT else None,
    )


def _outbox_row(ctx: DialogContext, effect: SendMessage, now: datetime) -> OutboxMessage:
    context: dict[str, Any] = {"source": "dialog"}
    return OutboxMessage(
        id=new_id(), org_id=ctx.org.id, dedupe_key=effect.dedupe_key, kind=effect.kind,
        channel=effect.channel, to_address=effect.to_address,
        from_address=effect.from_address or ctx.careline_address,
        patient_id=ctx.patient.id if ctx.patient is not None else None,
        appointment_id=effect.appointment_id, conversation_id=ctx.conversation.id,
        facility_id=ctx.conversation.facility_id, language=effect.language, body=effect.body,
        context=context, due_at=effect.due_at or now, created_at=now,
    )
