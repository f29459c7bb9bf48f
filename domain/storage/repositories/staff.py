"""Staff users, groups and the audit log."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import NotFound
from domain.model import Group, StaffUser, new_id
from domain.storage import tables as t
from domain.storage.repositories._mapping import from_row, to_values

__all__ = ["StaffRepository"]


class StaffRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add_group(self, group: Group) -> None:
        await self.conn.execute(
            t.groups.insert().values(id=group.id, org_id=group.org_id, name=group.name)
        )
        if group.facility_ids:
            await self.conn.execute(
                t.group_facilities.insert(),
                [{"group_id": group.id, "facility_id": f} for f in sorted(group.facility_ids)],
            )

    async def groups(self, org_id: str) -> dict[str, Group]:
        rows = (
            (await self.conn.execute(sa.select(t.groups).where(t.groups.c.org_id == org_id)))
            .mappings()
            .all()
        )
        links = (
            await self.conn.execute(
                sa.select(t.group_facilities).where(
                    t.group_facilities.c.group_id.in_([r["id"] for r in rows])
                )
            )
        ).mappings()
        facilities: dict[str, set[str]] = defaultdict(set)
        for link in links:
            facilities[link["group_id"]].add(link["facility_id"])
        return {
            r["id"]: Group(
                id=r["id"],
                org_id=r["org_id"],
                name=r["name"],
                facility_ids=frozenset(facilities[r["id"]]),
            )
            for r in rows
        }

    async def add_user(self, user: StaffUser) -> None:
        await self.conn.execute(
            t.staff_users.insert().values(**to_values(user, exclude=("group_ids",)))
        )
        if user.group_ids:
            await self.conn.execute(
                t.user_groups.insert(),
                [{"user_id": user.id, "group_id": g} for g in sorted(user.group_ids)],
            )

    async def save_user(self, user: StaffUser) -> None:
        values = to_values(user, exclude=("id", "org_id", "group_ids", "created_at"))
        await self.conn.execute(
            t.staff_users.update().where(t.staff_users.c.id == user.id).values(**values)
        )
        await self.conn.execute(t.user_groups.delete().where(t.user_groups.c.user_id == user.id))
        if user.group_ids:
            await self.conn.execute(
                t.user_groups.insert(),
                [{"user_id": user.id, "group_id": g} for g in sorted(user.group_ids)],
            )

    async def user(self, user_id: str) -> StaffUser:
        users = await self._users(t.staff_users.c.id == user_id)
        if not users:
            raise NotFound("user", user_id)
        return users[0]

    async def user_by_email(self, email: str) -> StaffUser | None:
        users = await self._users(sa.func.lower(t.staff_users.c.email) == email.strip().lower())
        return users[0] if users else None

    async def users(self, org_id: str) -> list[StaffUser]:
        return await self._users(t.staff_users.c.org_id == org_id)

    async def _users(self, condition: Any) -> list[StaffUser]:
        rows = (
            (
                await self.conn.execute(
                    sa.select(t.staff_users).where(condition).order_by(t.staff_users.c.name)
                )
            )
            .mappings()
            .all()
        )
        if not rows:
            return []
        links = (
            await self.conn.execute(
                sa.select(t.user_groups).where(t.user_groups.c.user_id.in_([r["id"] for r in rows]))
            )
        ).mappings()
        groups: dict[str, set[str]] = defaultdict(set)
        for link in links:
            groups[link["user_id"]].add(link["group_id"])
        return [from_row(StaffUser, r, group_ids=frozenset(groups[r["id"]])) for r in rows]

    async def audit(
        self,
        *,
        org_id: str,
        actor_id: str | None,
        action: str,
        entity: str,
        entity_id: str | None,
        at: datetime,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record who viewed or changed what (never message bodies or contact details)."""
        await self.conn.execute(
            t.audit_log.insert().values(
                id=new_id(),
                org_id=org_id,
                actor_id=actor_id,
                action=action,
                entity=entity,
                entity_id=entity_id,
                detail=detail or {},
                at=at,
            )
        )
