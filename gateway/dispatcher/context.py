"""Load, for a claimed batch, the facts the send-time rules and the renderer need.

Everything that can change a "may we send this?" answer -- Do Not Contact entries, the
patient's contacts, the appointment, earlier messages (blackout) -- is read fresh for every
batch. Only organisation settings and facilities are cached briefly (``org_cache_ttl``).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import rules
from domain.errors import NotFound
from domain.model import (
    Appointment,
    Channel,
    Facility,
    Organization,
    OutboxMessage,
    Patient,
)
from domain.storage import tables as t
from domain.storage.repositories import PatientRepository, PracticeRepository
from domain.storage.repositories._mapping import from_row
from gateway.dispatcher.decide import PolicyFor, RowFacts, delivery_policy
from gateway.dispatcher.dnc import DncIndex, canonical
from gateway.dispatcher.priors import recent_templated
from gateway.dispatcher.retry import RetrySettings

__all__ = ["BatchFacts", "OrgCache", "OrgInfo", "default_sender", "load_batch"]

FALLBACK_ZONE = "America/New_York"
"""The zone of an organisation without any facility (the most restrictive common US case)."""


@dataclass(frozen=True, slots=True)
class OrgInfo:
    org: Organization
    facilities: dict[str, Facility]
    policy: rules.DeliveryPolicy
    retry: RetrySettings


def _warm(calendar: rules.HolidayCalendar, years: Sequence[int]) -> None:
    for year in years:
        calendar.holiday_name(date(year, 1, 1))


class OrgCache:
    """Organisations with their facilities and derived policies, kept ``ttl`` seconds, and
    the index of oddly spelt Do Not Contact entries (refreshed whenever the list changes)."""

    def __init__(self, policy_for: PolicyFor = delivery_policy, *, ttl: float = 5.0) -> None:
        self.policy_for = policy_for
        self.ttl = ttl
        self._entries: dict[str, tuple[float, OrgInfo]] = {}
        self._warmed: set[tuple[rules.HolidayCalendar, int]] = set()
        self.dnc = DncIndex()

    async def get(self, conn: AsyncConnection, org_id: str, *, year: int | None = None
                  ) -> OrgInfo:
        """The organisation's info (raises NotFound for an unknown organisation).

        The ``holidays`` package reads data files the first time a country's year is used;
        that happens here, in a thread, for the years around ``year``, not on the event loop.
        """
        info = await self._get(conn, org_id)
        if year is not None:
            calendar = info.policy.holiday_calendar
            cold = [y for y in (year - 1, year, year + 1) if (calendar, y) not in self._warmed]
            if cold:
                await asyncio.to_thread(_warm, calendar, cold)
                self._warmed.update((calendar, y) for y in cold)
        return info

    async def _get(self, conn: AsyncConnection, org_id: str) -> OrgInfo:
        hit = self._entries.get(org_id)
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        repo = PracticeRepository(conn)
        org = await repo.organization(org_id)
        info = OrgInfo(
            org=org,
            facilities=await repo.facilities(org_id),
            policy=self.policy_for(org),
            retry=RetrySettings.from_org(org.settings),
        )
        self._entries[org_id] = (time.monotonic(), info)
        return info


def default_sender(org: Organization, channel: Channel) -> str | None:
    """The organisation's address a message on ``channel`` comes from by default."""
    messaging = org.settings.messaging
    if channel in (Channel.SMS, Channel.VOICE, Channel.SIMULATOR):
        return messaging.sms_number or None
    if channel is Channel.EMAIL:
        return messaging.email_from
    return None


@dataclass(slots=True)
class BatchFacts:
    """The loaded facts of a batch: per row, and the shared objects the renderer may use."""

    facts: dict[str, RowFacts] = field(default_factory=dict)
    facilities: dict[str, Facility | None] = field(default_factory=dict)
    missing_org: dict[str, str] = field(default_factory=dict)
    """Rows whose organisation does not exist (id -> reason); they are failed."""


async def _appointments(conn: AsyncConnection, ids: set[str]) -> dict[str, Appointment]:
    if not ids:
        return {}
    rows = await conn.execute(sa.select(t.appointments).where(t.appointments.c.id.in_(ids)))
    found: dict[str, Appointment] = {}
    for r in rows.mappings():
        values: dict[str, Any] = dict(r)
        found[values["id"]] = from_row(Appointment, values)
    return found



def _zone(row: OutboxMessage, info: OrgInfo, patient: Patient | None,
          appointment: Appointment | None) -> tuple[str, Facility | None]:
    for facility_id in (
        row.facility_id,
        appointment.facility_id if appointment is not None else None,
        patient.primary_facility_id if patient is not None else None,
    ):
        if facility_id is not None and facility_id in info.facilities:
            facility = info.facilities[facility_id]
            return facility.timezone, facility
    if info.facilities:
        return next(iter(info.facilities.values())).timezone, None
    return FALLBACK_ZONE, None


async def load_batch(
    conn: AsyncConnection, rows: Sequence[OutboxMessage], cache: OrgCache, now: datetime
) -> BatchFacts:
    """Read the facts of every row of a claimed batch (a handful of queries per batch)."""
    batch = BatchFacts()
    orgs: dict[str, OrgInfo] = {}
    for org_id in {r.org_id for r in rows}:
        try:
            orgs[org_id] = await cache.get(conn, org_id, year=now.year)
        except NotFound:
            pass
    patients = await PatientRepository(conn).get_many(
        {r.patient_id for r in rows if r.patient_id is not None}
    )
    appointments = await _appointments(
        conn, {r.appointment_id for r in rows if r.appointment_id is not None}
    )
    by_org: dict[str, list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        by_org[row.org_id].append(row)
    for org_id, org_rows in by_org.items():
        info = orgs.get(org_id)
        if info is None:
            for row in org_rows:
                batch.missing_org[row.id] = f"organisation {org_id} does not exist"
            continue
        keys = {r.to_address: canonical(r.to_address) for r in org_rows}
        addresses = sorted(set(keys) | set(keys.values()))
        dnc = await cache.dnc.entries(conn, org_id, keys)
        priors = await _load_priors(conn, org_rows, info, addresses, now)
        for row in org_rows:
            patient = patients.get(row.patient_id) if row.patient_id is not None else None
            appointment = (
                appointments.get(row.appointment_id) if row.appointment_id is not None else None
            )
            zone, facility = _zone(row, info, patient, appointment)
            batch.facilities[row.id] = facility
            batch.facts[row.id] = RowFacts(
                org=info.org,
                policy=info.policy,
                facility_zone=zone,
                patient=patient,
                appointment=appointment,
                dnc=tuple(dnc.get(keys[row.to_address], ())),
                priors=priors,
                from_address=row.from_address or default_sender(info.org, row.channel),
            )
    return batch


async def _load_priors(
    conn: AsyncConnection, rows: Sequence[OutboxMessage], info: OrgInfo,
    addresses: list[str], now: datetime,
) -> tuple[rules.PriorMessage, ...]:
    period = info.policy.blackout_period
    if period <= timedelta(0) or not any(
        r.template_key is not None and r.patient_id is not None for r in rows
    ):
        return ()
    return await recent_templated(conn, info.org.id, addresses, since=now - period)
