"""Organisations and practice resources."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import NotFound
from domain.model import AppointmentType, Facility, Organization, Provider, ResourceFlags
from domain.org_settings import OrgSettings
from domain.storage import tables as t
from domain.storage.repositories._mapping import from_row, to_values

__all__ = ["PracticeRepository"]

_FLAG_COLUMNS = {
    "reminders_enabled": "reminders",
    "reschedule_enabled": "reschedule",
    "waitlist_enabled": "waitlist",
}


def _flags_out(flags: ResourceFlags) -> dict[str, bool]:
    return {column: getattr(flags, name) for column, name in _FLAG_COLUMNS.items()}


def _flags_in(row: Any) -> ResourceFlags:
    return ResourceFlags(**{name: row[column] for column, name in _FLAG_COLUMNS.items()})


class PracticeRepository:
    """Organisations, facilities, providers and appointment types."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add_organization(self, org: Organization, created_at: Any) -> None:
        values = to_values(org, exclude=("settings",))
        values.update(settings=org.settings.to_dict(), created_at=created_at)
        await self.conn.execute(t.organizations.insert().values(**values))

    async def save_org_settings(self, org_id: str, settings: OrgSettings) -> None:
        await self.conn.execute(
            t.organizations.update()
            .where(t.organizations.c.id == org_id)
            .values(settings=settings.to_dict())
        )

    async def organization(self, org_id: str) -> Organization:
        row = (
            (
                await self.conn.execute(
                    sa.select(t.organizations).where(t.organizations.c.id == org_id)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("organization", org_id)
        return self._org(row)

    async def organization_by_key(self, public_key: str) -> Organization | None:
        row = (
            (
                await self.conn.execute(
                    sa.select(t.organizations).where(t.organizations.c.public_key == public_key)
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else self._org(row)

    async def organizations(self) -> list[Organization]:
        rows = (await self.conn.execute(sa.select(t.organizations))).mappings().all()
        return [self._org(row) for row in rows]

    @staticmethod
    def _org(row: Any) -> Organization:
        return from_row(Organization, row, settings=OrgSettings.from_dict(row["settings"]))

    async def add_facility(self, facility: Facility) -> None:
        values = to_values(facility, exclude=("flags",)) | _flags_out(facility.flags)
        await self.conn.execute(t.facilities.insert().values(**values))

    async def add_provider(self, provider: Provider) -> None:
        values = to_values(provider, exclude=("flags",)) | _flags_out(provider.flags)
        await self.conn.execute(t.providers.insert().values(**values))

    async def add_type(self, kind: AppointmentType) -> None:
        values = to_values(kind, exclude=("flags",)) | _flags_out(kind.flags)
        await self.conn.execute(t.appointment_types.insert().values(**values))

    async def facilities(self, org_id: str) -> dict[str, Facility]:
        rows = await self._all(t.facilities, org_id)
        return {r["id"]: from_row(Facility, r, flags=_flags_in(r)) for r in rows}

    async def providers(self, org_id: str) -> dict[str, Provider]:
        rows = await self._all(t.providers, org_id)
        return {r["id"]: from_row(Provider, r, flags=_flags_in(r)) for r in rows}

    async def types(self, org_id: str) -> dict[str, AppointmentType]:
        rows = await self._all(t.appointment_types, org_id)
        return {r["id"]: from_row(AppointmentType, r, flags=_flags_in(r)) for r in rows}

    async def facility(self, facility_id: str) -> Facility:
        row = (
            (
                await self.conn.execute(
                    sa.select(t.facilities).where(t.facilities.c.id == facility_id)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("facility", facility_id)
        return from_row(Facility, row, flags=_flags_in(row))

    async def _all(self, table: sa.Table, org_id: str) -> list[Any]:
        query = sa.select(table).where(table.c.org_id == org_id).order_by(table.c.name)
        return list((await self.conn.execute(query)).mappings().all())
