"""Reminders in the gateway: re-planning on every change, staff actions, timeline, templates.

``setup_reminders(app)`` registers the routes and the :class:`ReminderService` (as
``app[REMINDERS]``); other parts call its hooks (``created``, ``moved``, ``cancelled``,
``confirmed``, ``contacts_changed``) or :func:`replan` inside their own transaction.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.reminders import ReminderPlan
from gateway.dispatcher.setup import RENDERER
from gateway.keys import CLOCK, DB, SETTINGS
from gateway.reminders.context import template_context
from gateway.reminders.keys import REMINDERS
from gateway.reminders.loading import OrgFacts, PolicyFor, default_policy
from gateway.reminders.renderer import TemplateRenderer
from gateway.reminders.routes import add_routes
from gateway.reminders.service import ReminderService, replan
from gateway.reminders.template_routes import add_template_routes

__all__ = [
    "REMINDERS",
    "OrgFacts",
    "ReminderService",
    "TemplateRenderer",
    "replan",
    "setup_reminders",
    "template_context",
]


def setup_reminders(app: web.Application, *, policy_for: PolicyFor = default_policy) -> None:
    """Register the reminder and template routes, the reminder service, and the template
    renderer the dispatcher uses (``app[RENDERER]``); when the dialog responder is installed,
    patient replies that confirm or cancel re-plan the appointment's reminders in their own
    transaction."""
    service = ReminderService(app[DB], app[CLOCK], policy_for=policy_for)
    app[REMINDERS] = service
    _replan_on_replies(app, service)
    settings = app[SETTINGS]
    app[RENDERER] = TemplateRenderer(app[DB], public_url=settings.public_url,
                                     secret_key=settings.resolved_secret_key())
    add_routes(app)
    add_template_routes(app)


def _replan_on_replies(app: web.Application, service: ReminderService) -> None:
    # Imported here: the dialog responder is its own part and may not be installed.
    from gateway.dialog_responder import DialogResponder
    from gateway.inbound.keys import RESPONDER

    responder = app.get(RESPONDER)
    if not isinstance(responder, DialogResponder):
        return

    async def replan_after_reply(conn: AsyncConnection, appointment_id: str, now: datetime,
                                 reason: str) -> ReminderPlan:
        return await service.replan_in(conn, appointment_id, now=now, reason=reason)

    responder.replan_reminders = replan_after_reply
