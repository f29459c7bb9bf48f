"""When a bot session ends (BOT-14), its chat is kept: the conversation becomes a Hub chat in the
Closed queue, tied to the patient's profile when the visitor said who they are."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from dialogs.bot.state import BotState
from domain.model import ConversationStatus
from domain.storage.repositories import ConversationRepository
from gateway.bot.actions import BotActions
from gateway.hub.chats import ChatStore

__all__ = ["TRANSCRIPT_REASON", "save_transcript"]

TRANSCRIPT_REASON = "bot_transcript"


async def save_transcript(actions: BotActions, state: BotState, now: datetime) -> None:
    """Keep the ended session's chat in the Hub and on the patient's profile.

    A chat already handed to staff stays where it is. Otherwise it is closed (nothing for staff
    to do) and tied to the patient: the verified one, the one the name and date of birth name,
    or a placeholder profile holding what the visitor typed; an anonymous visitor who gave no
    details stays anonymous.
    """
    conn = actions.conn
    conversations = ConversationRepository(conn)
    conversation = await conversations.get(actions.conversation.id)
    actions.conversation = conversation
    gave_details = any(state.data.get(k) for k in ("first_name", "contact", "phone", "email"))
    if conversation.patient_id is None and (state.patient_id is not None or gave_details):
        patient = await actions.patient_for_hub(state)
        await actions.link(patient.id)
        conversation = actions.conversation
    chats = ChatStore(conn)
    await chats.route(conversation_id=conversation.id, org_id=conversation.org_id,
                      reason=TRANSCRIPT_REASON, at=now)
    if state.handed_over:
        return
    await conversations.save(replace(conversation, status=ConversationStatus.CLOSED,
                                     closed_at=now, unread=False))
