"""Dialog actions on appointments: confirm, cancel, find open slots, book one.

Confirming and cancelling follow the organisation's reply options exactly as a text reply to a
reminder does (REM-07, REM-26, REM-27, REM-50, REM-63), so an assistant cannot do what a text
could not.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from dialogs.actions.backoffice import BackOffice
from dialogs.actions.base import CarelineAction, Events, required_slot, slot_text
from dialogs.flows.reminder import cancel_refusal, confirm_refusal, counts_as_no_show
from dialogs.replies import format_phone, format_when, reply
from domain.errors import Conflict, NotFound, ValidationError
from domain.model import Appointment

__all__ = [
    "ActionBookSlot",
    "ActionCancelAppointment",
    "ActionConfirmAppointment",
    "ActionFindOpenSlots",
]


async def _own_appointment(office: BackOffice, tracker: Tracker) -> Appointment:
    """The ``appointment_id`` slot's appointment; when a ``patient_id`` slot is set it must be
    that patient's (an assistant never acts on someone else's appointment)."""
    appointment = await office.appointment(required_slot(tracker, "appointment_id"))
    patient_id = slot_text(tracker, "patient_id")
    if patient_id is not None and appointment.patient_id != patient_id:
        raise NotFound("appointment", appointment.id)
    return appointment


async def _when(office: BackOffice, appointment: Appointment, language: str | None) -> str:
    facility = await office.facility(appointment.facility_id)
    return format_when(appointment.start, ZoneInfo(facility.timezone), language)


async def _refuse(
    office: BackOffice, dispatcher: CollectingDispatcher, appointment: Appointment,
    refusal: str, language: str | None,
) -> Events:
    facility = await office.facility(appointment.facility_id)
    org = await office.organization(appointment.org_id)
    phone = format_phone(facility.phone or org.phone)
    dispatcher.utter_message(text=reply("action.not_allowed", language, phone=phone).text)
    return [SlotSet("action_error", "not_allowed"), SlotSet("refusal", refusal)]


class ActionConfirmAppointment(CarelineAction):
    """Confirm the ``appointment_id`` slot's appointment."""

    action_name = "action_confirm_appointment"

    async def perform(
        self, office: BackOffice, dispatcher: CollectingDispatcher, tracker: Tracker,
        now: datetime,
    ) -> Events:
        language = slot_text(tracker, "language")
        appointment = await _own_appointment(office, tracker)
        options = (await office.organization(appointment.org_id)).settings.replies
        refusal = confirm_refusal(appointment, options, now)
        if refusal is not None:
            return await _refuse(office, dispatcher, appointment, refusal, language)
        done = await office.confirm_appointment(appointment.id, at=now, via="dialog_action")
        when = await _when(office, done, language)
        dispatcher.utter_message(text=reply("reminder.confirmed", language, when=when).text)
        return [SlotSet("appointment_status", done.status.value),
                SlotSet("appointment_confirmed", True)]


class ActionCancelAppointment(CarelineAction):
    """Cancel the ``appointment_id`` slot's appointment (no-show policy and waitlist
    invitation as for a reply to a reminder)."""

    action_name = "action_cancel_appointment"

    async def perform(
        self, office: BackOffice, dispatcher: CollectingDispatcher, tracker: Tracker,
        now: datetime,
    ) -> Events:
        language = slot_text(tracker, "language")
        appointment = await _own_appointment(office, tracker)
        settings = (await office.organization(appointment.org_id)).settings
        refusal = cancel_refusal(appointment, settings.replies, now)
        if refusal is not None:
            return await _refuse(office, dispatcher, appointment, refusal, language)
        no_show = counts_as_no_show(appointment, settings.replies, now)
        done = await office.cancel_appointment(
            appointment.id, at=now, no_show=no_show, fee_notice=no_show, via="dialog_action"
        )
        if settings.waitlist.enabled and settings.waitlist.invite_on_cancel in ("both", "reminder"):
            await office.invite_to_waitlist(done.org_id, done.patient_id, done.id, at=now)
        when = await _when(office, done, language)
        key = "reminder.cancelled_fee" if no_show else "reminder.cancelled"
        dispatcher.utter_message(text=reply(key, language, when=when).text)
        return [SlotSet("appointment_status", done.status.value),
                SlotSet("cancellation_fee_notice", no_show)]


class ActionFindOpenSlots(CarelineAction):
    """Find open slots for the ``patient_id`` (or ``org_id``) slot, optionally narrowed by the
    ``facility_id``, ``provider_id`` and ``type_id`` slots; sets ``open_slots``."""

    action_name = "action_find_open_slots"
    days = 14
    count = 3

    async def perform(
        self, office: BackOffice, dispatcher: CollectingDispatcher, tracker: Tracker,
        now: datetime,
    ) -> Events:
        language = slot_text(tracker, "language")
        org_id = slot_text(tracker, "org_id")
        patient_id = slot_text(tracker, "patient_id")
        if patient_id is not None:
            org_id = (await office.patient(patient_id)).org_id
        if org_id is None:
            raise ValidationError("patient_id", "slot is required (or org_id)")
        slots = await office.find_open_slots(
            org_id, start=now + timedelta(hours=1), days=self.days,
            facility_id=slot_text(tracker, "facility_id"),
            provider_id=slot_text(tracker, "provider_id"),
            type_id=slot_text(tracker, "type_id"), limit=self.count,
        )
        found = []
        lines = []
        for number, slot in enumerate(slots, start=1):
            facility = await office.facility(slot.facility_id)
            when = format_when(slot.start, ZoneInfo(facility.timezone), language)
            lines.append(f"{number}. {when}, {facility.name}")
            found.append({
                "slot_id": slot.id, "start": slot.start.isoformat(), "label": when,
                "facility_id": slot.facility_id, "provider_id": slot.provider_id,
                "type_id": slot.type_id, "duration_minutes": slot.duration_minutes,
            })
        if found:
            dispatcher.utter_message(
                text=reply("action.slots", language, choices="\n".join(lines)).text)
        else:
            dispatcher.utter_message(text=reply("action.no_slots", language, days=self.days).text)
        return [SlotSet("open_slots", found)]


class ActionBookSlot(CarelineAction):
    """Book the ``slot_id`` slot's opening for the ``patient_id`` slot's patient."""

    action_name = "action_book_slot"

    async def perform(
        self, office: BackOffice, dispatcher: CollectingDispatcher, tracker: Tracker,
        now: datetime,
    ) -> Events:
        language = slot_text(tracker, "language")
        slot_id = required_slot(tracker, "slot_id")
        patient_id = required_slot(tracker, "patient_id")
        try:
            appointment = await office.book_slot(slot_id, patient_id, at=now)
        except Conflict:
            dispatcher.utter_message(text=reply("action.slot_taken", language).text)
            return [SlotSet("action_error", "slot_taken"), SlotSet("slot_id", None)]
        when = await _when(office, appointment, language)
        dispatcher.utter_message(text=reply("action.booked", language, when=when).text)
        return [SlotSet("appointment_id", appointment.id),
                SlotSet("appointment_status", appointment.status.value)]
