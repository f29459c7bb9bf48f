"""The bot's inactivity timer (BOT-10, BOT-14): a periodic task that finds sessions whose
visitor went quiet, asks "Are you still there?", and ends the sessions nobody answered.

Time comes from the app's clock, so tests move it; each due session is handled under its
conversation's lock and re-checked inside the transaction, so several gateway processes
running the task never prompt twice. The bot's messages reach the widget as frames.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from channels.widget import message_frame
from channels.widget_frames import WidgetFrames
from domain.clock import Clock
from domain.errors import NotFound
from domain.model import Conversation
from domain.storage.database import Database
from domain.storage.repositories import ConversationRepository, PracticeRepository
from gateway.bot.runner import BotRunner
from gateway.bot.session_store import BotSessionStore
from gateway.logs import get_logger
from gateway.stores.errors import LockTimeout
from gateway.stores.factory import Stores

__all__ = ["InactivityScheduler", "conversation_lock_key"]

log = get_logger(__name__)


def conversation_lock_key(conversation: Conversation) -> str:
    """The key the inbound pipeline locks the conversation under."""
    return f"{conversation.channel.value}:{conversation.careline_address}:" \
           f"{conversation.patient_address}"


class InactivityScheduler:
    """Checks due bot sessions every ``interval`` seconds.

    Args:
        db, stores, clock: the app's database, shared stores and clock.
        runner: the bot.
        frames: the widget's frame log (None: messages are only stored, e.g. in tests).
        interval: seconds between checks.
        batch: sessions handled per check at most.
    """

    def __init__(self, db: Database, stores: Stores, clock: Clock, runner: BotRunner,
                 frames: WidgetFrames | None, *, interval: float = 5.0, batch: int = 200
                 ) -> None:
        self.db = db
        self.stores = stores
        self.clock = clock
        self.runner = runner
        self.frames = frames
        self.interval = interval
        self.batch = batch

    async def tick(self) -> int:
        """Handle every due session once.

        Returns:
            How many sessions said something (a prompt or a timeout notice).
        """
        async with self.db.read() as conn:
            due = await BotSessionStore(conn).due(self.clock.now(), limit=self.batch)
        spoke = 0
        for _org_id, conversation_id in due:
            try:
                spoke += await self._one(conversation_id)
            except LockTimeout:
                continue  # the visitor is writing right now; the next tick sees it
            except Exception:
                log.exception("bot_timer_failed", conversation_id=conversation_id)
        return spoke

    async def _one(self, conversation_id: str) -> int:
        async with self.db.read() as conn:
            try:
                conversation = await ConversationRepository(conn).get(conversation_id)
            except NotFound:
                return 0
        async with self.stores.lock.lock(conversation_lock_key(conversation), timeout=2.0):
            now = self.clock.now()
            async with self.db.transaction() as conn:
                conversation = await ConversationRepository(conn).get(conversation_id)
                org = await PracticeRepository(conn).organization(conversation.org_id)
                outcome = await self.runner.on_timer(conn, org=org, conversation=conversation,
                                                     now=now)
            if not outcome.texts:
                return 0
            if self.frames is not None:
                frames = [message_frame(text, "bot", now) for text in outcome.texts]
                await self.frames.append(conversation.patient_address, org.id, frames, now)
            await self._publish(org.id, conversation.id)
            log.info("bot_timer", conversation_id=conversation.id, events=list(outcome.events))
            return 1

    async def _publish(self, org_id: str, conversation_id: str) -> None:
        event = {"type": "message", "direction": "outbound", "channel": "widget",
                 "conversation_id": conversation_id}
        with contextlib.suppress(Exception):  # live Hub views are best effort
            await self.stores.pubsub.publish(f"conversation:{org_id}", event)

    async def run(self) -> None:
        """Tick forever (until cancelled)."""
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("bot_timer_tick_failed")
            await asyncio.sleep(self.interval)

    async def background(self, app: web.Application) -> AsyncIterator[None]:
        """``cleanup_ctx`` hook: run the timer while the app runs."""
        task = asyncio.create_task(self.run())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
