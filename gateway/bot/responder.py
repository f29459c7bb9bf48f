"""The inbound pipeline's Responder for widget conversations: the bot answers until the chat
is handed over, then staff answer from the Hub. Messages of other channels go to the
Responder that was there before (the dialog manager, or the Hub)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import Channel
from gateway.bot.runner import BotRunner
from gateway.inbound.responder import InboundContext, Responder

__all__ = ["WidgetBotResponder"]


class WidgetBotResponder:
    """Routes widget messages to the bot and everything else to ``inner``.

    Args:
        runner: the bot.
        inner: the Responder of the other channels.
    """

    def __init__(self, runner: BotRunner, inner: Responder) -> None:
        self.runner = runner
        self.inner = inner

    async def respond(self, conn: AsyncConnection, inbound: InboundContext) -> list[str]:
        """See ``gateway.inbound.responder.Responder.respond``: for a widget conversation,
        the bot's answers (none once staff have the chat)."""
        if inbound.conversation.channel is not Channel.WIDGET:
            return await self.inner.respond(conn, inbound)
        outcome = await self.runner.on_message(
            conn, org=inbound.org, conversation=inbound.conversation,
            text=inbound.message.body, message_id=inbound.message.id,
            patients=inbound.patients, now=inbound.now,
        )
        return outcome.texts
