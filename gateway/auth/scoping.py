"""Facility scoping (HUB-17): what a principal may see, as checks and as SQL conditions.

Things a user may not see answer 404 exactly like things that do not exist, so ids cannot be
probed.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import NotFound
from domain.model import Appointment, Conversation, Patient
from domain.model.enums import Role
from domain.storage import tables as t
from domain.storage.repositories import (
    AppointmentRepository,
    ConversationRepository,
    PatientRepository,
)
from gateway.auth.principal import Principal
from gateway.auth.request import current_principal

__all__ = [
    "facility_condition",
    "patient_condition",
    "require_facility",
    "visible_appointment",
    "visible_conversation",
    "visible_patient",
]


def facility_condition(column: Any, principal: Principal) -> Any:
    """A SQL condition keeping rows whose ``column`` (a facility id) the principal may see, or
    None when they see everything. Rows without a facility are kept for admins and managers."""
    if principal.access is None:
        return None
    allowed = column.in_(sorted(principal.access)) if principal.access else sa.false()
    if principal.role in (Role.ADMIN, Role.MANAGER):
        return sa.or_(allowed, column.is_(None))
    return allowed


def patient_condition(principal: Principal) -> Any:
    """A SQL condition on ``patients`` keeping patients the principal may see, or None for all.

    A patient is visible when their primary facility is, or when they have an appointment or a
    chat at a visible facility.
    """
    if principal.access is None:
        return None
    primary = facility_condition(t.patients.c.primary_facility_id, principal)
    if not principal.access:
        return primary
    facilities = sorted(principal.access)
    return sa.or_(
        primary,
        t.patients.c.id.in_(
            sa.select(t.appointments.c.patient_id).where(
                t.appointments.c.facility_id.in_(facilities)
            )
        ),
        t.patients.c.id.in_(
            sa.select(t.conversations.c.patient_id).where(
                t.conversations.c.facility_id.in_(facilities),
                t.conversations.c.patient_id.is_not(None),
            )
        ),
    )


async def visible_conversation(
    conn: AsyncConnection, principal: Principal, conversation_id: str
) -> Conversation:
    """The conversation, if it belongs to the principal's organisation and facilities.

    Raises:
        NotFound: it does not exist or the principal may not see it.
    """
    try:
        conversation = await ConversationRepository(conn).get(conversation_id)
    except NotFound:
        raise NotFound("conversation", conversation_id) from None
    if conversation.org_id != principal.org_id or not principal.sees(conversation.facility_id):
        raise NotFound("conversation", conversation_id)
    return conversation


async def visible_patient(conn: AsyncConnection, principal: Principal, patient_id: str) -> Patient:
    """The patient, if the principal may see them (see :func:`patient_condition`).

    Raises:
        NotFound: no such patient, or not visible to the principal.
    """
    query = sa.select(t.patients.c.id).where(
        t.patients.c.id == patient_id, t.patients.c.org_id == principal.org_id
    )
    condition = patient_condition(principal)
    if condition is not None:
        query = query.where(condition)
    if (await conn.execute(query)).first() is None:
        raise NotFound("patient", patient_id)
    return await PatientRepository(conn).get(patient_id)


async def visible_appointment(
    conn: AsyncConnection, principal: Principal, appointment_id: str
) -> Appointment:
    """The appointment, if its facility is visible to the principal.

    Raises:
        NotFound: no such appointment, or not visible to the principal.
    """
    try:
        appointment = await AppointmentRepository(conn).get(appointment_id)
    except NotFound:
        raise NotFound("appointment", appointment_id) from None
    if appointment.org_id != principal.org_id or not principal.sees(appointment.facility_id):
        raise NotFound("appointment", appointment_id)
    return appointment


def require_facility(request: web.Request, facility_id: str | None) -> Principal:
    """For handlers of other parts: the request's principal, if they may see ``facility_id``.

    Raises:
        NotFound: the principal may not see that facility's data.
    """
    principal = current_principal(request)
    if not principal.sees(facility_id):
        raise NotFound("facility", facility_id)
    return principal


