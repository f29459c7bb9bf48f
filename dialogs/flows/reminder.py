"""The reminder reply flow: a patient answers an appointment reminder.

Spec: REM-02/REM-59 (reply mode), REM-07 (cancellation as no-show, fee notice), REM-21,
REM-54, REM-66 (one answer for the whole day, hidden types or not), REM-23 (confirm; later
reminders are skipped by the reminder planner when it reads ``appointment.confirmed``),
REM-24 (cancel), REM-26 (confirm after cancel), REM-27 (cancel after confirm), REM-50
(confirm past appointments), REM-57 (strict Yes/No is applied by the classifier), REM-63 (no
cancelling after the start time), WL-13 (waitlist invitation on cancel), RSC-01 (reschedule
hand-off). Anything else goes to the Hub; Careline never guesses.

The prompt stays open after a confirmation or a cancellation so that a later change of mind
(REM-26, REM-27) reaches it; it closes on a reschedule hand-off or when it expires.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

from transitions import EventData

from dialogs.context import DialogContext
from dialogs.effects import (
    CancelAppointment,
    ClosePrompt,
    ConfirmAppointment,
    EmitEvent,
    InviteToWaitlist,
    Reply,
    RouteToHub,
    UpdatePrompt,
)
from dialogs.flows.base import (
    FlowEffect,
    FlowModel,
    FlowSpec,
    Reading,
    Step,
    Trigger,
    reply_language,
    sets,
)
from dialogs.replies import format_phone, format_when, reply
from dialogs.understanding.intents import Context
from domain.model import ACTIVE_STATUSES, Appointment, AppointmentStatus, Prompt, new_id
from domain.org_settings import ReplySettings

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

__all__ = [
    "FLOW",
    "SPEC",
    "ReminderFlow",
    "ReminderState",
    "cancel_refusal",
    "confirm_refusal",
    "counts_as_no_show",
    "reminder_prompt",
]


class ReminderState(Enum):
    AWAITING_REPLY = "awaiting_reply"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    RESCHEDULE_REQUESTED = "reschedule_requested"
    EXPIRED = "expired"


R = ReminderState
_OPEN = [R.AWAITING_REPLY, R.CONFIRMED, R.CANCELLED]

TRANSITIONS: list[TransitionConfigDict] = [
    {"trigger": "confirm", "source": _OPEN, "dest": R.CONFIRMED, "conditions": "confirm_allowed",
     "before": sets(outcome="confirmed")},
    {"trigger": "confirm", "source": _OPEN, "dest": None,
     "before": sets(outcome="confirm_refused")},
    {"trigger": "cancel", "source": _OPEN, "dest": R.CANCELLED, "conditions": "was_cancelled",
     "before": sets(outcome="already_cancelled")},
    {"trigger": "cancel", "source": _OPEN, "dest": R.CANCELLED, "conditions": "cancel_allowed",
     "before": sets(outcome="cancelled")},
    {"trigger": "cancel", "source": _OPEN, "dest": None, "before": sets(outcome="cancel_refused")},
    {"trigger": "reschedule", "source": _OPEN, "dest": R.RESCHEDULE_REQUESTED,
     "conditions": "reschedule_allowed", "before": sets(outcome="reschedule")},
    {"trigger": "reschedule", "source": _OPEN, "dest": None, "before": sets(outcome="to_staff")},
    {"trigger": "unexpected", "source": _OPEN, "dest": None, "before": sets(outcome="to_staff")},
    {"trigger": "timeout", "source": _OPEN, "dest": R.EXPIRED, "before": sets(outcome="expired")},
]

SPEC = FlowSpec(
    name="reminder",
    states=ReminderState,
    initial=R.AWAITING_REPLY,
    transitions=TRANSITIONS,
    terminal=frozenset({R.RESCHEDULE_REQUESTED, R.EXPIRED}),
    summary="A patient answers an appointment reminder: confirm, cancel, ask to reschedule, "
    "or anything else for staff.",
)

_EVENTS = {
    Trigger.CONFIRM: "confirm",
    Trigger.CANCEL: "cancel",
    Trigger.RESCHEDULE: "reschedule",
    Trigger.TIMEOUT: "timeout",
}
_SILENT_REFUSALS = frozenset({"replies_off", "missing", "not_active"})
_REFUSAL_TEXT = {
    "cancel_not_offered": "reminder.cancel_by_phone",
    "after_start": "reminder.cancel_after_start",
    "cancel_after_confirm": "reminder.cancel_after_confirm",
    "confirm_after_cancel": "reminder.confirm_after_cancel",
    "past": "reminder.past",
}


def confirm_refusal(
    appointment: Appointment | None, options: ReplySettings, now: datetime
) -> str | None:
    """Why the patient may not confirm ``appointment`` by message at ``now`` (None: they may)."""
    if appointment is None:
        return "missing"
    if options.mode == "none":
        return "replies_off"
    if appointment.status is AppointmentStatus.CANCELLED:
        if not options.confirm_after_cancel:
            return "confirm_after_cancel"
    elif appointment.status is AppointmentStatus.NOSHOW:
        return "confirm_after_cancel"
    elif appointment.status not in ACTIVE_STATUSES:
        return "not_active"
    if now >= appointment.end and not options.confirm_past:
        return "past"
    return None


def cancel_refusal(
    appointment: Appointment | None, options: ReplySettings, now: datetime
) -> str | None:
    """Why the patient may not cancel ``appointment`` by message at ``now`` (None: they may)."""
    if appointment is None:
        return "missing"
    if options.mode == "none":
        return "replies_off"
    if options.mode == "confirm_only":
        return "cancel_not_offered"
    if appointment.status not in ACTIVE_STATUSES or not appointment.can_become(
        AppointmentStatus.CANCELLED
    ):
        return "not_active"  # e.g. checked in: the visit is under way
    if now >= appointment.end:
        return "past"
    if now >= appointment.start and not options.cancel_after_start:
        return "after_start"
    if appointment.confirmed and not options.cancel_after_confirm:
        return "cancel_after_confirm"
    return None


def counts_as_no_show(appointment: Appointment, options: ReplySettings, now: datetime) -> bool:
    """REM-07: always (the default), never, or only inside the window before the start.

    An appointment that was never booked (proposed, pending) is simply cancelled.
    """
    if not appointment.can_become(AppointmentStatus.NOSHOW):
        return False
    if options.no_show_policy == "always":
        return True
    if options.no_show_policy == "never":
        return False
    hours = (appointment.start - now).total_seconds() / 3600
    return hours < options.no_show_window_hours


class _Reply(FlowModel[ReminderState]):
    def __init__(self, appointment: Appointment | None, ctx: DialogContext) -> None:
        super().__init__()
        self.appointment = appointment
        self.confirm_refusal = confirm_refusal(appointment, ctx.settings.replies, ctx.now)
        self.cancel_refusal = cancel_refusal(appointment, ctx.settings.replies, ctx.now)

    def confirm_allowed(self, event: EventData) -> bool:
        return self.confirm_refusal is None

    def was_cancelled(self, event: EventData) -> bool:
        a = self.appointment
        return a is not None and a.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NOSHOW)

    def cancel_allowed(self, event: EventData) -> bool:
        return self.cancel_refusal is None

    def reschedule_allowed(self, event: EventData) -> bool:
        return self.appointment is not None and self.appointment.status in ACTIVE_STATUSES


class ReminderFlow:
    """The reminder reply flow (see the module docstring)."""

    spec = SPEC
    context = Context.REMINDER

    def options(self, prompt: Prompt) -> int:
        return 0

    def describe(self, prompt: Prompt, ctx: DialogContext, language: str | None) -> str:
        appointment = ctx.appointments.get(prompt.appointment_id or "")
        when = _when(appointment, ctx, language) if appointment else "your appointment"
        return reply("which.reminder", language, when=when).text

    def step(self, prompt: Prompt, reading: Reading, ctx: DialogContext) -> Step[ReminderState]:
        appointment = ctx.appointments.get(prompt.appointment_id or "")
        state = SPEC.state_of(prompt.state)
        event = _EVENTS.get(reading.trigger, "unexpected")
        model = SPEC.fire(_Reply(appointment, ctx), state, event)
        language = reply_language(reading, ctx)
        effects = _effects(model, prompt, appointment, ctx, language)
        if model.state is not state and model.state not in SPEC.terminal:
            effects.append(UpdatePrompt(prompt.id, model.state.value, dict(prompt.data)))
        return Step(model.state, tuple(effects))


def _when(appointment: Appointment, ctx: DialogContext, language: str | None) -> str:
    return format_when(appointment.start, ctx.zone(appointment), language)


def _targets(appointment: Appointment, ctx: DialogContext) -> list[Appointment]:
    options = ctx.settings.replies
    if not options.apply_to_whole_day:
        return [appointment]
    others = ctx.same_day(appointment, include_hidden=options.whole_day_includes_hidden)
    return sorted([appointment, *others], key=lambda a: (a.start, a.id))


def _effects(
    model: _Reply, prompt: Prompt, appointment: Appointment | None, ctx: DialogContext,
    language: str,
) -> list[FlowEffect]:
    outcome = model.outcome
    if outcome == "expired":
        return [ClosePrompt(prompt.id, R.EXPIRED.value)]
    if outcome == "to_staff" or appointment is None:
        return _to_staff(ctx)
    when = _when(appointment, ctx, language)
    if outcome == "confirmed":
        return _confirm(appointment, ctx, language)
    if outcome == "cancelled":
        return _cancel(appointment, ctx, language)
    if outcome == "already_cancelled":
        return [reply("reminder.already_cancelled", language, when=when)]
    if outcome == "reschedule":
        return _reschedule(prompt, appointment, ctx, language)
    # refused: say why when there is something useful to say, and let staff see it.
    refusal = (model.confirm_refusal if outcome == "confirm_refused" else model.cancel_refusal)
    refusal = refusal or "missing"
    effects: list[FlowEffect] = []
    if refusal not in _SILENT_REFUSALS:
        phone = format_phone(ctx.phone(appointment))
        effects.append(reply(_REFUSAL_TEXT[refusal], language, when=when, phone=phone))
    effects.append(RouteToHub(f"refused:{refusal}"))
    return effects


def _to_staff(ctx: DialogContext) -> list[FlowEffect]:
    effects: list[FlowEffect] = [RouteToHub("unexpected_reply")]
    answer = ctx.settings.replies.unknown_reply_auto_answer.strip()
    if answer:
        effects.append(Reply(answer, key="reminder.unknown_auto_answer"))
    return effects


def _confirm(appointment: Appointment, ctx: DialogContext, language: str) -> list[FlowEffect]:
    targets = _targets(appointment, ctx)
    changed: list[FlowEffect] = [
        ConfirmAppointment(a.id)
        for a in targets
        if not (a.confirmed and a.status in ACTIVE_STATUSES)
        and confirm_refusal(a, ctx.settings.replies, ctx.now) is None
    ]
    if not changed:
        when = _when(appointment, ctx, language)
        return [reply("reminder.already_confirmed", language, when=when)]
    if len(targets) > 1:
        day = format_when(appointment.start, ctx.zone(appointment), language, with_time=False)
        return [*changed, reply("reminder.confirmed_day", language, count=len(targets), day=day)]
    return [*changed, reply("reminder.confirmed", language, when=_when(appointment, ctx, language))]


def _cancel(appointment: Appointment, ctx: DialogContext, language: str) -> list[FlowEffect]:
    options = ctx.settings.replies
    targets = [a for a in _targets(appointment, ctx)
               if cancel_refusal(a, options, ctx.now) is None]
    effects: list[FlowEffect] = []
    any_fee = False
    for target in targets:
        no_show = counts_as_no_show(target, options, ctx.now)
        any_fee = any_fee or no_show
        effects.append(CancelAppointment(target.id, no_show=no_show, fee_notice=no_show))
    waitlist = ctx.settings.waitlist
    if waitlist.enabled and waitlist.invite_on_cancel in ("both", "reminder"):
        effects.append(InviteToWaitlist(appointment.patient_id, appointment.id))
    if len(targets) > 1:
        day = format_when(appointment.start, ctx.zone(appointment), language, with_time=False)
        key = "reminder.cancelled_day_fee" if any_fee else "reminder.cancelled_day"
        effects.append(reply(key, language, count=len(targets), day=day))
    else:
        key = "reminder.cancelled_fee" if any_fee else "reminder.cancelled"
        effects.append(reply(key, language, when=_when(appointment, ctx, language)))
    return effects


def _reschedule(
    prompt: Prompt, appointment: Appointment, ctx: DialogContext, language: str
) -> list[FlowEffect]:
    payload = {
        "appointment_id": appointment.id,
        "patient_id": appointment.patient_id,
        "conversation_id": ctx.conversation.id,
        "prompt_id": prompt.id,
    }
    effects: list[FlowEffect] = [
        ClosePrompt(prompt.id, R.RESCHEDULE_REQUESTED.value),
        EmitEvent("reschedule.requested", payload),
    ]
    facility = ctx.facilities.get(appointment.facility_id)
    kind = ctx.types.get(appointment.type_id or "")
    self_service = (
        ctx.reschedule_flow
        and ctx.settings.reschedule.enabled
        and (facility is None or facility.flags.reschedule)
        and (kind is None or kind.flags.reschedule)
    )
    if self_service:
        effects.append(reply("reschedule.soon", language))
        return effects
    when = _when(appointment, ctx, "en")
    note = f"The patient asked to reschedule their appointment on {when}."
    effects.append(RouteToHub("reschedule_requested", reopen=True, note=note))
    effects.append(reply("reschedule.staff", language))
    return effects


def reminder_prompt(
    *,
    org_id: str,
    conversation_id: str,
    appointment_id: str,
    created_at: datetime,
    expires_at: datetime | None = None,
    prompt_id: str | None = None,
    data: dict[str, object] | None = None,
) -> Prompt:
    """The open prompt of a reminder that was just sent: the reminder planner stores it with
    ``ConversationRepository.add_prompt`` so that the patient's answer reaches this flow.

    Args:
        org_id: the organisation.
        conversation_id: the conversation the reminder went out on.
        appointment_id: the appointment the reminder is about (a multi-appointment reminder
            names the first appointment of the day; REM-21).
        created_at: when the reminder was sent.
        expires_at: when answers stop counting (e.g. the appointment's end); None: never.
        prompt_id: an id to use (a new one by default).
        data: extra JSON-safe facts the planner wants to keep with it.
    """
    return Prompt(
        id=prompt_id or new_id(),
        org_id=org_id,
        conversation_id=conversation_id,
        flow=SPEC.name,
        state=SPEC.initial.value,
        created_at=created_at,
        expires_at=expires_at,
        appointment_id=appointment_id,
        data=dict(data or {}),
    )


FLOW = ReminderFlow()
