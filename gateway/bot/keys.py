"""The chat bot's application key."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from gateway.bot.catalogs import CatalogCache
from gateway.bot.inactivity import InactivityScheduler
from gateway.bot.runner import BotRunner

__all__ = ["BOT", "BotService"]


@dataclass(slots=True)
class BotService:
    """The bot's parts, for handlers and tests.

    Attributes:
        runner: runs the bot for widget conversations.
        catalogs: the organisations' flows and messages (``invalidate`` after a change).
        scheduler: the inactivity timer (``tick()`` checks due sessions once).
    """

    runner: BotRunner
    catalogs: CatalogCache
    scheduler: InactivityScheduler


BOT = web.AppKey("bot", BotService)
