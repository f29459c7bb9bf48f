"""Runs the bot for one widget conversation, inside the caller's transaction: loads the
session and the organisation's catalog, lets the pure engine decide, runs the actions it asks
for, stores the bot's messages (they are the chat's transcript) and the session with its
inactivity timer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.bot.catalog import Catalog
from dialogs.bot.engine import (
    handle_idle,
    handle_result,
    handle_text,
    handle_timeout,
    new_state,
)
from dialogs.bot.session import SessionStatus
from dialogs.bot.state import BotContext, BotMessage, Turn
from domain.model import (
    Conversation,
    ConversationStatus,
    Message,
    MessageDirection,
    MessageStatus,
    Organization,
    Patient,
    new_id,
)
from domain.storage import tables as t
from domain.storage.repositories import ConversationRepository
from gateway.bot.actions import BotActions
from gateway.bot.catalogs import CatalogCache
from gateway.bot.session_store import BotSession, BotSessionStore
from gateway.bot.transcript import save_transcript
from gateway.hub.intake import route_to_hub
from gateway.logs import get_logger

__all__ = ["BOT_TEMPLATE_KEY", "BotRunner", "TurnOutcome"]

log = get_logger(__name__)

BOT_TEMPLATE_KEY = "bot"
"""``template_key`` prefix of the bot's stored messages (``bot:<flow>``)."""


@dataclass(frozen=True, slots=True)
class TurnOutcome:
    """What one turn produced: the texts to send and what happened."""

    texts: list[str]
    events: tuple[str, ...] = ()
    status: SessionStatus = SessionStatus.BOT


class BotRunner:
    """The bot behind widget conversations.

    Args:
        catalogs: the organisations' catalogs.
        secret: the process secret (one-time code hashes).
    """

    def __init__(self, catalogs: CatalogCache, secret: str) -> None:
        self.catalogs = catalogs
        self.secret = secret

    async def on_message(self, conn: AsyncConnection, *, org: Organization,
                         conversation: Conversation, text: str, message_id: str,
                         patients: Sequence[Patient], now: datetime) -> TurnOutcome:
        """The visitor wrote ``text`` (already stored as ``message_id``)."""
        sessions = BotSessionStore(conn)
        session = await sessions.get_or_new(org.id, conversation.id, now)
        if session.state.status is SessionStatus.STAFF and (
            conversation.status is ConversationStatus.CLOSED
        ):
            # Staff closed the chat: a new message starts over with the bot.
            session = replace(session, state=replace(
                new_state(), identify_attempts=session.state.identify_attempts))
        if session.created:
            session = await sessions.save(session, now)
        catalog = await self.catalogs.get(conn, org.id, now)
        turn = handle_text(session.state, text, catalog, _context(org, now))
        if "to_staff" in turn.events:
            await route_to_hub(conn, conversation=conversation, text=text, message_id=message_id,
                               patients=patients, settings=org.settings.hub, now=now)
        return await self._finish(conn, session, turn, catalog, org=org,
                                  conversation=conversation, now=now, visitor_wrote=True)

    async def on_timer(self, conn: AsyncConnection, *, org: Organization,
                       conversation: Conversation, now: datetime) -> TurnOutcome:
        """The session's timer may be due: ask "Are you still there?" or end the session."""
        sessions = BotSessionStore(conn)
        session = await sessions.get(conversation.id)
        if session is None or session.next_check_at is None or session.next_check_at > now:
            return TurnOutcome([])
        catalog = await self.catalogs.get(conn, org.id, now)
        ctx = _context(org, now)
        status = session.state.status
        if status is SessionStatus.BOT:
            turn = handle_idle(session.state, catalog, ctx)
        elif status is SessionStatus.CHECKING:
            turn = handle_timeout(session.state, catalog, ctx)
        else:
            turn = Turn(session.state)
        return await self._finish(conn, session, turn, catalog, org=org,
                                  conversation=conversation, now=now, visitor_wrote=False)

    async def _finish(self, conn: AsyncConnection, session: BotSession, turn: Turn,
                      catalog: Catalog, *, org: Organization, conversation: Conversation,
                      now: datetime, visitor_wrote: bool) -> TurnOutcome:
        actions = BotActions(conn, org=org, conversation=conversation, session_id=session.id,
                             secret=self.secret, now=now)
        messages = list(turn.messages)
        events = list(turn.events)
        ctx = _context(org, now)
        while turn.action is not None:
            result = await actions.run(turn.action, turn.state)
            log.info("bot_action", conversation_id=conversation.id, action=turn.action.name,
                     outcome=result.outcome)
            turn = handle_result(turn.state, result, catalog, ctx)
            messages += turn.messages
            events += turn.events
        if "closed" in events:
            await save_transcript(actions, turn.state, now)
        await _store_messages(conn, actions.conversation, turn.state.flow, messages, now)
        moved = session.moved(turn.state, now=now, settings=org.settings.bot,
                              visitor_wrote=visitor_wrote)
        await BotSessionStore(conn).save(moved, now)
        return TurnOutcome([m.wire_text() for m in messages], tuple(events),
                           turn.state.status)


def _context(org: Organization, now: datetime) -> BotContext:
    bot = org.settings.bot
    return BotContext(bot_name=bot.name, org_name=org.name, welcome_prompt=bot.welcome_prompt,
                      today=now.date(), region=org.country)


async def _store_messages(conn: AsyncConnection, conversation: Conversation, flow: str,
                          messages: Sequence[BotMessage], now: datetime) -> None:
    """Store the bot's messages; each a microsecond after the last, so the transcript keeps
    their order after the visitor's message of the same moment."""
    if not messages:
        return
    repo = ConversationRepository(conn)
    for index, message in enumerate(messages, start=1):
        await repo.add_message(Message(
            id=new_id(), org_id=conversation.org_id, conversation_id=conversation.id,
            direction=MessageDirection.OUTBOUND, channel=conversation.channel,
            body=message.wire_text(), status=MessageStatus.SENT,
            created_at=now + timedelta(microseconds=index),
            sent_at=now, template_key=f"{BOT_TEMPLATE_KEY}:{flow}"[:100],
            facility_id=conversation.facility_id,
        ))
    await conn.execute(
        t.conversations.update().where(t.conversations.c.id == conversation.id)
        .values(last_message_at=now + timedelta(microseconds=len(messages)))
    )
