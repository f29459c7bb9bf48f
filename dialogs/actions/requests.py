"""Dialog actions that hand a request on: join or leave the waitlist, referral status,
prescription refill, and handing the conversation over to staff (BOT-11, BOT-19, WL-16).
"""

from __future__ import annotations

from datetime import datetime

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from dialogs.actions.backoffice import BackOffice
from dialogs.actions.base import (
    CarelineAction,
    Events,
    answer_language,
    required_slot,
    slot_text,
)
from dialogs.replies import reply
from domain.errors import NotFound

__all__ = [
    "ActionHandOverToStaff",
    "ActionJoinWaitlist",
    "ActionLeaveWaitlist",
    "ActionReferralStatus",
    "ActionRequestRefill",
]


class ActionJoinWaitlist(CarelineAction):
    """Ask the waitlist to add the ``patient_id`` slot's patient, with the ``facility_id``,
    ``provider_id`` and ``type_id`` slots as preferences."""

    action_name = "action_join_waitlist"

    async def perform(
        self, office: BackOffice, dispatcher: CollectingDispatcher, tracker: Tracker,
        now: datetime,
    ) -> Events:
        patient = await office.patient(required_slot(tracker, "patient_id"))
        preferences = {
            name: value
            for name in ("facility_id", "provider_id", "type_id")
            if (value := slot_text(tracker, name)) is not None
        }
        await office.join_waitlist(patient.org_id, patient.id, at=now, preferences=preferences)
        language = answer_language(tracker, patient)
        dispatcher.utter_message(text=reply("action.waitlist_joined", language).text)
        return [SlotSet("waitlist_requested", True)]


class ActionLeaveWaitlist(CarelineAction):
    """Take the ``patient_id`` slot's patient off the waitlist (WL-16)."""

    action_name = "action_leave_waitlist"

    async def perform(
        self, office: BackOffice, dispatcher: CollectingDispatcher, tracker: Tracker,
        now: datetime,
    ) -> Events:
        patient = await office.patient(required_slot(tracker, "patient_id"))
        await office.leave_waitlist(patient.org_id, patient.id, at=now)
        language = answer_language(tracker, patient)
        dispatcher.utter_message(text=reply("waitlist.left", language).text)
        return [SlotSet("waitlist_left", True)]


class ActionReferralStatus(CarelineAction):
    """The ``patient_id`` slot's patient's referral status (sets ``referral_status``)."""

    action_name = "action_referral_status"

    async def perform(
        self, office: BackOffice, dispatcher: CollectingDispatcher, tracker: Tracker,
        now: datetime,
    ) -> Events:
        patient = await office.patient(required_slot(tracker, "patient_id"))
        status = await office.referral_status(patient.org_id, patient.id, at=now)
        language = answer_language(tracker, patient)
        if status is None:
            dispatcher.utter_message(text=reply("action.referral_unknown", language).text)
        else:
            dispatcher.utter_message(text=f"Your referral status: {status}.")
        return [SlotSet("referral_status", status)]


class ActionRequestRefill(CarelineAction):
    """Send the ``patient_id`` slot's patient's refill request for the ``medication`` slot to
    staff; with a ``conversation_id`` slot, the chat goes to the Hub with a note."""

    action_name = "action_request_refill"

    async def perform(
        self, office: BackOffice, dispatcher: CollectingDispatcher, tracker: Tracker,
        now: datetime,
    ) -> Events:
        patient = await office.patient(required_slot(tracker, "patient_id"))
        medication = required_slot(tracker, "medication")
        conversation_id = slot_text(tracker, "conversation_id")
        await office.request_refill(patient.org_id, patient.id, medication=medication, at=now,
                                    conversation_id=conversation_id)
        if conversation_id is not None:
            conversation = await office.conversation(conversation_id)
            if conversation.org_id != patient.org_id:
                raise NotFound("conversation", conversation_id)
            settings = (await office.organization(patient.org_id)).settings.hub
            await office.hand_over(
                conversation, settings=settings, at=now, reason="refill_request",
                text=tracker.latest_message.get("text") or "", reopen=True,
                notes=[f"Prescription refill requested: {medication[:200]}"],
            )
        language = answer_language(tracker, patient)
        dispatcher.utter_message(text=reply("action.refill", language).text)
        return [SlotSet("refill_requested", True)]


class ActionHandOverToStaff(CarelineAction):
    """Hand the conversation (``conversation_id`` slot, else the tracker's sender id) to staff
    in the Hub, unassigned and unread, with the ``handover_reason`` slot as a note."""

    action_name = "action_hand_over_to_staff"

    async def perform(
        self, office: BackOffice, dispatcher: CollectingDispatcher, tracker: Tracker,
        now: datetime,
    ) -> Events:
        conversation_id = slot_text(tracker, "conversation_id") or tracker.sender_id
        conversation = await office.conversation(conversation_id)
        settings = (await office.organization(conversation.org_id)).settings.hub
        reason = slot_text(tracker, "handover_reason")
        await office.hand_over(
            conversation, settings=settings, at=now, reason="bot_handover",
            text=tracker.latest_message.get("text") or "", reopen=True,
            notes=[f"Handed over by the assistant: {reason[:300]}"] if reason else [],
        )
        dispatcher.utter_message(text=reply("action.handover", slot_text(tracker, "language")).text)
        return [SlotSet("handed_over", True)]
