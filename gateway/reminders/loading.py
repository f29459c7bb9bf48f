"""Gathering a planner request from the database (one appointment, its patient, resources)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import Appointment, MessageDirection, Organization
from domain.reminders import PlanRequest, Practice, reminder_policy
from domain.rules import DeliveryPolicy, HolidayCalendar
from domain.storage import tables as t
from domain.storage.repositories import (
    AppointmentRepository,
    PatientRepository,
    PracticeRepository,
)

__all__ = [
    "OrgFacts",
    "PolicyFor",
    "default_policy",
    "load_practice",
    "load_request",
    "patient_replied_at",
    "patients_replied_at",
    "warm_calendar",
]

PolicyFor = Callable[[Organization], DeliveryPolicy]
"""How the gateway finds an organisation's delivery policy (the dispatcher uses the same)."""


def default_policy(org: Organization) -> DeliveryPolicy:
    """The organisation's delivery settings with the reminder calendar switches applied
    (REM-11, REM-52); the dispatcher must judge reminders with the same policy."""
    return reminder_policy(org.settings.delivery, org.settings.reminders)


_WARM: set[tuple[HolidayCalendar, int]] = set()


async def warm_calendar(policy: DeliveryPolicy, year: int) -> None:
    """Load the holiday data of the years around ``year`` in a thread: the ``holidays``
    package reads files on first use, which must not block the event loop."""
    calendar = policy.holiday_calendar
    cold = [y for y in (year - 1, year, year + 1) if (calendar, y) not in _WARM]
    if cold:
        await asyncio.to_thread(lambda: [calendar.holiday_name(date(y, 1, 1)) for y in cold])
        _WARM.update((calendar, y) for y in cold)


async def load_practice(conn: AsyncConnection, org_id: str) -> Practice:
    practice = PracticeRepository(conn)
    return Practice(await practice.facilities(org_id), await practice.providers(org_id),
                    await practice.types(org_id))


class OrgFacts:
    """Organisations and their practice resources, loaded once per batch of re-plans."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[Organization, Practice]] = {}

    async def get(self, conn: AsyncConnection, org_id: str) -> tuple[Organization, Practice]:
        if org_id not in self._known:
            org = await PracticeRepository(conn).organization(org_id)
            self._known[org_id] = (org, await load_practice(conn, org_id))
        return self._known[org_id]


async def patient_replied_at(conn: AsyncConnection, patient_id: str) -> datetime | None:
    """When the patient last wrote to Careline (any conversation), for REM-60."""
    return (await patients_replied_at(conn, [patient_id])).get(patient_id)


async def patients_replied_at(
    conn: AsyncConnection, patient_ids: Collection[str]
) -> dict[str, datetime]:
    """:func:`patient_replied_at` of each of ``patient_ids`` that ever wrote, in one query."""
    if not patient_ids:
        return {}
    query = (
        sa.select(t.conversations.c.patient_id, sa.func.max(t.messages.c.created_at))
        .select_from(t.messages.join(t.conversations,
                                     t.messages.c.conversation_id == t.conversations.c.id))
        .where(t.conversations.c.patient_id.in_(list(patient_ids)),
               t.messages.c.direction == MessageDirection.INBOUND.value)
        .group_by(t.conversations.c.patient_id)
    )
    found = {}
    for patient_id, value in await conn.execute(query):
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime):
            found[patient_id] = value if value.tzinfo else value.replace(tzinfo=UTC)
    return found


async def load_request(
    conn: AsyncConnection,
    appointment: Appointment,
    *,
    now: datetime,
    policy_for: PolicyFor = default_policy,
    booked_at: datetime | None = None,
    cache: OrgFacts | None = None,
) -> tuple[PlanRequest, Organization]:
    """The planner request of ``appointment`` as stored, with the patient's other
    appointments around that day (multi-appointment days) and their last reply (REM-60).

    ``cache`` reuses the organisation and its resources across appointments of one batch.
    """
    cache = cache or OrgFacts()
    org, practice = await cache.get(conn, appointment.org_id)
    patient = await PatientRepository(conn).get(appointment.patient_id)
    others = await AppointmentRepository(conn).for_patient(
        patient.id, start_from=appointment.start - timedelta(days=1), active_only=True)
    same_day = tuple(a for a in others if abs(a.start - appointment.start) < timedelta(days=1))
    policy = policy_for(org)
    await warm_calendar(policy, appointment.start.year)
    request = PlanRequest(
        appointment=appointment, patient=patient, practice=practice,
        settings=org.settings.reminders, policy=policy, now=now,
        same_day=same_day, booked_at=booked_at,
        patient_replied_at=await patient_replied_at(conn, patient.id),
    )
    return request, org
