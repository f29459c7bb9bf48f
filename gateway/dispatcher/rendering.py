"""The rendering hook: turn an outbox row into the text a provider sends.

Rows carry either a ready ``body`` or a ``template_key`` + ``context`` rendered at send time.
The dispatcher calls a :class:`Renderer`; the default :class:`BodyRenderer` only uses the
row's body. The templates engine plugs in its own renderer (wired by the composition root).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.model import Appointment, Facility, Organization, OutboxMessage, Patient

__all__ = ["BodyRenderer", "RenderContext", "RenderError", "RenderedMessage", "Renderer"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedMessage:
    """What is sent: the text (SMS, voice script or email text), and for email a subject and
    optional HTML."""

    body: str
    subject: str | None = None
    html: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderContext:
    """What the dispatcher already loaded about a row, for the template's placeholders."""

    org: Organization
    patient: Patient | None
    appointment: Appointment | None
    facility: Facility | None
    now: datetime


class RenderError(Exception):
    """The row cannot be rendered (unknown template, missing variable); ``reason`` is shown to
    staff and the row fails without being sent."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Renderer(Protocol):
    async def render(self, message: OutboxMessage, context: RenderContext) -> RenderedMessage:
        """Render ``message`` for its channel and language.

        Called for every row at send time, also those with a body (a renderer may wrap it,
        e.g. add an email subject). Must not do slow I/O: it runs inside the claim.

        Returns:
            The text to send.

        Raises:
            RenderError: the row cannot be rendered; it is failed with the reason.
        """
        ...


class BodyRenderer:
    """The default renderer: the row's own body; template rows cannot be rendered."""

    def __init__(self, *, email_subject: str = "A message from your care team") -> None:
        self.email_subject = email_subject

    async def render(self, message: OutboxMessage, context: RenderContext) -> RenderedMessage:
        """The row's body as is (see :meth:`Renderer.render`)."""
        if message.body is None:
            raise RenderError(f"no template renderer is configured for {message.template_key!r}")
        subject = self.email_subject if message.channel == "email" else None
        return RenderedMessage(body=message.body, subject=subject)
