"""The dispatcher's template renderer: Liquid templates with the organisation's overrides.

Plugs into the dispatcher's :class:`~gateway.dispatcher.rendering.Renderer` hook
(``app[RENDERER]``). For a row with a ``template_key`` it builds the squigglies from what the
dispatcher loaded fresh (organisation, patient, appointment, facility -- REM-62), plus the
organisation's providers, types and template overrides (cached briefly), and renders it. A
template that fails raises ``RenderError`` with the reason: the row fails, nothing is sent.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from domain.model import Appointment, OutboxMessage
from domain.reminders import Practice, appointments_list_in_day, first_of_day, same_day_group
from domain.storage.database import Database
from domain.storage.repositories import AppointmentRepository
from domain.storage.repositories.templates import TemplateRepository
from domain.template_library import reminder_context
from domain.templates import STOCK, TemplateError, TemplateSource, render
from gateway.dispatcher.rendering import RenderContext, RenderedMessage, RenderError
from gateway.logs import get_logger
from gateway.reminders.loading import load_practice

__all__ = ["TemplateRenderer"]

log = get_logger(__name__)


class TemplateRenderer:
    """Renders template rows; rows with a ready body pass through (email gets a subject).

    Args:
        db: the database (organisation resources and template overrides).
        public_url: ``CARELINE_PUBLIC_URL`` for signed links.
        secret_key: signs the links.
        ttl: seconds the organisation's resources and overrides are cached.
    """

    def __init__(self, db: Database, *, public_url: str = "", secret_key: str = "",
                 ttl: float = 30.0) -> None:
        self.db = db
        self.public_url = public_url
        self.secret_key = secret_key
        self.ttl = ttl
        self._cache: dict[str, tuple[float, Practice, TemplateSource]] = {}

    async def _org(self, org_id: str) -> tuple[Practice, TemplateSource]:
        hit = self._cache.get(org_id)
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return hit[1], hit[2]
        async with self.db.read() as conn:
            practice = await load_practice(conn, org_id)
        source: TemplateSource = STOCK
        try:
            async with self.db.read() as conn:
                source = await TemplateRepository(conn).source(org_id)
        except sa.exc.SQLAlchemyError:  # the template tables are not migrated yet
            log.warning("templates.overrides_unavailable", org_id=org_id)
        self._cache[org_id] = (time.monotonic(), practice, source)
        return practice, source

    async def _day_list(self, appointment: Appointment, practice: Practice,
                        context: RenderContext) -> tuple[Appointment, ...]:
        settings = context.org.settings.reminders
        if settings.multi_appointment_day != "first":
            return (appointment,)
        async with self.db.read() as conn:
            others = await AppointmentRepository(conn).for_patient(
                appointment.patient_id, start_from=appointment.start - timedelta(days=1),
                active_only=True)
        zone = practice.facility(appointment.facility_id).timezone
        group = same_day_group(appointment, others, zone)
        if first_of_day(group, practice) != appointment:
            return (appointment,)
        return appointments_list_in_day(group, practice, settings) or (appointment,)

    async def _context(self, message: OutboxMessage, context: RenderContext,
                       practice: Practice) -> dict[str, Any]:
        stored = dict(message.context)
        org = context.org
        base: dict[str, Any] = {"organization": {"name": org.name, "phone": org.phone or ""}}
        if context.appointment is None or context.patient is None:
            return base | stored
        reminder = stored.get("reminder") if isinstance(stored.get("reminder"), dict) else None
        full = reminder_context(
            appointment=context.appointment, patient=context.patient, practice=practice,
            organization_name=org.name, organization_phone=org.phone,
            day_list=await self._day_list(context.appointment, practice, context),
            reminder=reminder, reply_mode=org.settings.replies.mode,
            public_url=self.public_url, secret_key=self.secret_key,
        )
        return full | {k: v for k, v in stored.items() if k != "reminder"}

    async def render(self, message: OutboxMessage, context: RenderContext) -> RenderedMessage:
        """Render one row (see ``gateway.dispatcher.rendering.Renderer``).

        Raises:
            RenderError: the template cannot be rendered; the reason is shown to staff.
        """
        if message.template_key is None:
            body = message.body or ""
            subject = context.org.name if message.channel.value == "email" else None
            return RenderedMessage(body=body, subject=subject)
        practice, source = await self._org(context.org.id)
        try:
            data = await self._context(message, context, practice)
            rendered = render(message.template_key, message.channel.value, message.language,
                              data, source=source)
        except TemplateError as error:
            raise RenderError(error.message) from None
        except (KeyError, ValueError) as error:
            raise RenderError(f"template {message.template_key!r}: {error}") from None
        return RenderedMessage(body=rendered.body, subject=rendered.subject, html=rendered.html)
