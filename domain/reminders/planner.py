"""The reminder planner: one appointment in, every reminder decision out (pure).

Order of the decisions, each recorded as a :class:`RuleNote` on the message it touched:

1. cadence reminders placed and moved by the time rules (``cadence``; REM-01, REM-09..12,
   REM-52); the last one placed is the **final** reminder (REM-05);
2. a reminder whose time was before the booking is *missed*; when the final one was missed,
   one catch-up reminder (``catch_up``; REM-42, REM-43, REM-61);
3. booked less than ``late_booking_hours`` ahead: nothing, or one immediate reminder
   (REM-53) -- instead of cadence and catch-up;
4. after confirmation: all but the final reminder skipped, the final one kept unless
   ``final_after_confirmation`` is off, or everything skipped (REM-05, REM-23);
5. whole-appointment gates: reminders off, appointment not active, a resource with reminders
   disabled (REM-55), not the first appointment of the patient's day (REM-20), no usable
   contact (REM-28) -- then staff blocking (REM-51);
6. channel and addresses (REM-28, REM-58), voice after an unanswered first text (REM-60).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from domain.model import Channel
from domain.reminders.cadence import place_cadence
from domain.reminders.catch_up import catch_up_disabled_by, place_catch_up
from domain.reminders.contacts import Route, choose_route, voice_numbers
from domain.reminders.model import (
    PlanKind,
    PlannedMessage,
    PlanRequest,
    PlanStatus,
    ReminderPlan,
    RuleNote,
)
from domain.reminders.multi_day import first_of_day, same_day_group
from domain.reminders.time_rules import reminder_rules
from domain.rules import SendWindowRules, defer_to_allowed
from domain.rules.send_window import describe_local

__all__ = ["address_digest", "dedupe_key", "dedupe_key_parts", "plan_reminders"]


_MISSED = RuleNote("REM-42", "missed", "the appointment was booked after this reminder's time")


@dataclass(slots=True)
class _Slot:
    name: str
    kind: PlanKind
    days_before: int | None
    original_at: datetime | None
    at: datetime | None
    status: PlanStatus
    notes: list[RuleNote] = field(default_factory=list)

    def drop(self, status: PlanStatus, note: RuleNote) -> None:
        self.status = status
        self.notes.append(note)


def _status(at: datetime | None, booked: datetime, now: datetime) -> PlanStatus:
    if at is None:
        return PlanStatus.SKIPPED
    if at < booked:
        return PlanStatus.MISSED
    return PlanStatus.DUE if at <= now else PlanStatus.PLANNED


def _live(slot: _Slot) -> bool:
    return slot.status in (PlanStatus.PLANNED, PlanStatus.DUE)


@lru_cache(maxsize=65_536)
def address_digest(address: str) -> str:
    """The short digest of an address that a dedupe key carries (never the address itself)."""
    return hashlib.blake2s(address.encode(), digest_size=6).hexdigest()


def dedupe_key_parts(slot: str, channel: str, at: datetime) -> tuple[str, str]:
    """What a dedupe key holds around the address digest, after ``rem:{appointment_id}``."""
    return f":{slot}:{channel}:", f":{int(at.timestamp())}"


def dedupe_key(appointment_id: str, slot: str, channel: str, address: str, at: datetime) -> str:
    """The outbox dedupe key of one reminder: the same inputs always give the same key, and a
    new time, channel or address gives a new one (so re-planning replaces the row)."""
    head, tail = dedupe_key_parts(slot, channel, at)
    return f"rem:{appointment_id}{head}{address_digest(address)}{tail}"


def _cadence(request: PlanRequest, rules: SendWindowRules, booked: datetime) -> list[_Slot]:
    slots = []
    for placement in place_cadence(request.appointment.start, request.settings, rules):
        slot = _Slot(
            placement.slot, PlanKind.CADENCE, placement.days_before, placement.original_at,
            placement.at, _status(placement.at, booked, request.now), list(placement.notes),
        )
        if slot.status is PlanStatus.MISSED:
            slot.notes.append(_MISSED)
        slots.append(slot)
    placed = [s for s in slots if s.at is not None]
    if placed:
        placed[-1].kind = PlanKind.FINAL
    return slots


def _late_booking(request: PlanRequest, rules: SendWindowRules, booked: datetime,
                  slots: list[_Slot]) -> None:
    settings, start = request.settings, request.appointment.start
    hours = settings.late_booking_hours
    for slot in slots:
        if _live(slot):
            slot.drop(PlanStatus.SKIPPED, RuleNote(
                "REM-53", "skipped", f"booked less than {hours} h before the appointment",
            ))
    if settings.late_booking != "send_now":
        slots.append(_Slot("immediate", PlanKind.IMMEDIATE, None, booked, None,
                           PlanStatus.SKIPPED, [RuleNote(
                               "REM-53", "skipped",
                               f"booked less than {hours} h ahead: no reminder (option: send "
                               "one immediately)")]))
        return
    at = defer_to_allowed(booked, rules)
    notes = [RuleNote("REM-53", "placed", f"booked less than {hours} h ahead: sent at booking")]
    if at is not None and at != booked:
        notes.append(RuleNote("REM-09", "moved", f"waits until {describe_local(at, rules.zone)}"))
    if at is None or at >= start:
        notes.append(RuleNote("REM-53", "skipped", "no allowed time before the appointment"))
        at = None
    slots.append(_Slot("immediate", PlanKind.IMMEDIATE, None, booked, at,
                       _status(at, booked, request.now), notes))


def _catch_up(request: PlanRequest, rules: SendWindowRules, booked: datetime,
              slots: list[_Slot]) -> None:
    final = next((s for s in reversed(slots) if s.at is not None), None)
    if final is None or final.status is not PlanStatus.MISSED:
        return  # REM-42: a catch-up only when the final cadence reminder was missed
    off = catch_up_disabled_by(request.settings)
    if off is not None:
        slots.append(_Slot("catch_up", PlanKind.CATCH_UP, None, None, None,
                           PlanStatus.SKIPPED, [off]))
        return
    placed = place_catch_up(booked, request.appointment.start, request.settings, rules)
    slots.append(_Slot("catch_up", PlanKind.CATCH_UP, None, placed.at, placed.at,
                       _status(placed.at, booked, request.now), list(placed.notes)))


def _after_confirmation(request: PlanRequest, slots: list[_Slot]) -> None:
    """Every reminder not yet sent is judged, including one whose time has come but whose row
    is still pending (a sent row is never touched by re-planning)."""
    settings = request.settings
    for slot in slots:
        if not _live(slot):
            continue
        if settings.skip_after_confirmation == "all":
            slot.drop(PlanStatus.SKIPPED, RuleNote(
                "REM-23", "skipped", "the patient confirmed; no further reminders (option)"))
        elif slot.kind is not PlanKind.FINAL:
            slot.drop(PlanStatus.SKIPPED, RuleNote(
                "REM-23", "skipped", "the patient confirmed; only the final reminder still goes"))
        elif settings.final_after_confirmation:
            slot.notes.append(RuleNote(
                "REM-05", "kept", "the final reminder goes even though the patient confirmed"))
        else:
            slot.drop(PlanStatus.SKIPPED, RuleNote(
                "REM-05", "skipped", "the final reminder is not sent to patients who confirmed"))


def _gate(request: PlanRequest, zone: str, route: Route | None) -> RuleNote | None:
    appointment, settings = request.appointment, request.settings
    if not settings.enabled:
        return RuleNote("REM-01", "skipped", "reminders are turned off for the organisation")
    if not appointment.active:
        return RuleNote("REM-01", "skipped", f"the appointment is {appointment.status.value}")
    disabled = request.practice.disabled_resource(appointment)
    if disabled is not None:
        return RuleNote("REM-55", "skipped", f"reminders are disabled for the {disabled}")
    if settings.multi_appointment_day == "first" and request.same_day:
        group = same_day_group(appointment, request.same_day, zone)
        first = first_of_day(group, request.practice)
        if first is not None and first.id != appointment.id:
            local = first.start.astimezone(ZoneInfo(zone))
            return RuleNote(
                "REM-20", "skipped",
                f"the patient's first appointment that day ({local:%H:%M}) carries the "
                "reminder for the whole day",
            )
    if route is None:
        return RuleNote(
            "REM-28", "skipped", "the patient has no usable contact for an enabled method"
        )
    return None


def _messages(request: PlanRequest, slots: list[_Slot], route: Route | None) -> (
    list[PlannedMessage]
):
    appointment, settings = request.appointment, request.settings
    live = [s.at for s in slots if _live(s) and s.at is not None]
    first_text = min(live) if live and route and route.channel is Channel.SMS else None
    replied = request.patient_replied_at
    messages: list[PlannedMessage] = []
    for slot in slots:
        targets: list[tuple[Channel | None, str | None, tuple[RuleNote, ...]]] = [
            (None, None, ())
        ]
        if route is not None:
            channel: Channel = route.channel
            addresses = route.addresses
            extra: tuple[RuleNote, ...] = ()
            if (
                settings.voice_after_unanswered_sms
                and first_text is not None
                and slot.at is not None
                and slot.at > first_text
                and (replied is None or replied < first_text)
            ):
                numbers = voice_numbers(request.patient, request.policy, addresses)
                if numbers:
                    channel, addresses = Channel.VOICE, numbers
                    extra = (RuleNote(
                        "REM-60", "channel",
                        "by voice: the patient has not answered the first text reminder"),)
            targets = [(channel, address, extra) for address in addresses]
        for via, address, more in targets:
            key = None
            if via is not None and address is not None and slot.at is not None:
                key = dedupe_key(appointment.id, slot.name, via, address, slot.at)
            messages.append(PlannedMessage(
                appointment_id=appointment.id, slot=slot.name, kind=slot.kind,
                status=slot.status, due_at=slot.at, original_at=slot.original_at,
                days_before=slot.days_before, channel=via, address=address,
                template_key=settings.template_key, dedupe_key=key,
                notes=tuple(slot.notes) + more,
            ))
    return messages


def plan_reminders(request: PlanRequest) -> ReminderPlan:
    """Every reminder decision for ``request.appointment``, in send-time order.

    Args:
        request: the appointment, its patient and resources, the organisation's settings and
            delivery policy, and the current time.

    Returns:
        The plan: planned (future) messages to write to the outbox, due ones (already
        written), and missed, skipped or blocked ones with the rule that decided it.

    Raises:
        ValidationError: the appointment refers to an unknown facility, provider or type.
    """
    appointment, settings = request.appointment, request.settings
    zone = request.practice.facility(appointment.facility_id).timezone
    rules = reminder_rules(request.policy, settings, zone, settings.template_key)
    booked = request.booking_time
    slots = _cadence(request, rules, booked)
    if appointment.start - booked < timedelta(hours=settings.late_booking_hours):
        _late_booking(request, rules, booked, slots)
    else:
        _catch_up(request, rules, booked, slots)
    if appointment.confirmed:
        _after_confirmation(request, slots)
    route = choose_route(request.patient, settings, request.policy)
    gate = _gate(request, zone, route)
    for slot in slots:
        if gate is not None and slot.status is not PlanStatus.MISSED:
            slot.drop(PlanStatus.SKIPPED, gate)
        elif appointment.reminders_blocked and _live(slot):
            slot.drop(PlanStatus.BLOCKED, RuleNote(
                "REM-51", "blocked", "staff blocked reminders for this appointment"))
    messages = _messages(request, slots, route)
    if len(messages) > 1:
        start = appointment.start
        messages.sort(key=lambda m: (m.due_at or m.original_at or start, m.slot))
    return ReminderPlan(appointment_id=appointment.id, zone=zone, messages=tuple(messages))
