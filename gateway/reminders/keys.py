"""The reminder service's application key."""

from __future__ import annotations

from aiohttp import web

from gateway.reminders.service import ReminderService

__all__ = ["REMINDERS"]

REMINDERS = web.AppKey("reminders", ReminderService)
