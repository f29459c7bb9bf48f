"""Storage of an organisation's chat flows (BOT-06): every save is a new numbered version, the
flow points at its current one; and the system messages staff reworded (BOT-07)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.bot.catalog import WELCOME
from dialogs.bot.definition import FlowDefinition
from dialogs.bot.loader import load_flow
from dialogs.bot.problems import FlowDefinitionError
from dialogs.bot.shipped import SYSTEM_KEYS, example_sources
from domain.errors import Conflict, NotFound, ValidationError
from domain.model import new_id
from domain.storage import tables_bot as b

__all__ = ["FlowStore", "FlowVersion", "StoredFlow"]


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredFlow:
    """A flow of an organisation with its current definition."""

    id: str
    key: str
    title: str
    enabled: bool
    position: int
    current_version: int
    source: str
    created_at: datetime
    updated_at: datetime
    archived: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "enabled": self.enabled,
                "position": self.position, "version": self.current_version,
                "source": self.source, "archived": self.archived,
                "created_at": self.created_at.isoformat(),
                "updated_at": self.updated_at.isoformat()}


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowVersion:
    version: int
    source: str
    note: str
    created_by: str | None
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "source": self.source, "note": self.note,
                "created_by": self.created_by, "created_at": self.created_at.isoformat()}


class FlowStore:
    """Flows and reworded messages on one connection (writes join its transaction)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def flows(self, org_id: str, *, archived: bool = False) -> list[StoredFlow]:
        """The organisation's flows in menu order (archived ones only when asked)."""
        query = self._select().where(b.bot_flows.c.org_id == org_id)
        if not archived:
            query = query.where(b.bot_flows.c.archived_at.is_(None))
        rows = await self.conn.execute(
            query.order_by(b.bot_flows.c.position, b.bot_flows.c.created_at, b.bot_flows.c.key)
        )
        return [_flow(r) for r in rows.mappings()]

    async def get(self, org_id: str, key: str) -> StoredFlow:
        """Raises NotFound for an unknown (or archived) flow."""
        row = (await self.conn.execute(
            self._select().where(b.bot_flows.c.org_id == org_id, b.bot_flows.c.key == key,
                                 b.bot_flows.c.archived_at.is_(None))
        )).mappings().first()
        if row is None:
            raise NotFound("flow", key)
        return _flow(row)

    async def definitions(self, org_id: str) -> list[FlowDefinition]:
        """The enabled flows' current definitions, in menu order (a stored definition that no
        longer loads is skipped rather than breaking the bot)."""
        found = []
        for flow in await self.flows(org_id):
            if not flow.enabled:
                continue
            try:
                found.append(load_flow(flow.source))
            except FlowDefinitionError:
                continue
        return found

    async def create(self, org_id: str, source: str, *, by: str | None, now: datetime,
                     note: str = "", enabled: bool = True) -> StoredFlow:
        """Add a flow from its definition (version 1).

        Raises:
            FlowDefinitionError: the definition is invalid (problems name the lines).
            Conflict: the organisation has a flow with that key (archived ones included).
            ValidationError: the key is reserved for a system flow.
        """
        flow = load_flow(source)
        _not_reserved(flow.key)
        taken = (await self.conn.execute(
            sa.select(b.bot_flows.c.id).where(b.bot_flows.c.org_id == org_id,
                                              b.bot_flows.c.key == flow.key)
        )).first()
        if taken is not None:
            raise Conflict(f"there is already a flow named {flow.key!r}")
        position = (await self.conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(b.bot_flows.c.position), 0))
            .where(b.bot_flows.c.org_id == org_id)
        )).scalar_one()
        flow_id = new_id()
        # A concurrent create of the same key fails on the unique constraint (IntegrityError).
        await self.conn.execute(b.bot_flows.insert().values(
            id=flow_id, org_id=org_id, key=flow.key, title=flow.title, enabled=enabled,
            position=int(position) + 1, current_version=1, created_at=now, updated_at=now,
        ))
        await self._add_version(flow_id, org_id, 1, source, note, by, now)
        return await self.get(org_id, flow.key)

    async def update(self, org_id: str, key: str, source: str, *, by: str | None,
                     now: datetime, note: str = "") -> StoredFlow:
        """Save a new version of flow ``key``.

        Raises:
            NotFound: no such flow.
            FlowDefinitionError: the definition is invalid.
            ValidationError: the definition names another flow.
        """
        current = await self.get(org_id, key)
        flow = load_flow(source)
        if flow.key != key:
            raise ValidationError("flow", f"this definition is for {flow.key!r}, not {key!r}; "
                                  "create a new flow to change its name")
        version = current.current_version + 1
        await self._add_version(current.id, org_id, version, source, note, by, now)
        await self.conn.execute(b.bot_flows.update().where(b.bot_flows.c.id == current.id)
                                .values(current_version=version, title=flow.title,
                                        updated_at=now))
        return await self.get(org_id, key)

    async def set_enabled(self, org_id: str, key: str, enabled: bool, now: datetime
                          ) -> StoredFlow:
        """Show (or hide) the flow in the Welcome menu. Raises NotFound."""
        current = await self.get(org_id, key)
        await self.conn.execute(b.bot_flows.update().where(b.bot_flows.c.id == current.id)
                                .values(enabled=enabled, updated_at=now))
        return await self.get(org_id, key)

    async def archive(self, org_id: str, key: str, now: datetime) -> None:
        """Remove the flow from the bot; its versions are kept. Raises NotFound."""
        current = await self.get(org_id, key)
        await self.conn.execute(b.bot_flows.update().where(b.bot_flows.c.id == current.id)
                                .values(archived_at=now, enabled=False, updated_at=now))

    async def versions(self, org_id: str, key: str) -> list[FlowVersion]:
        """Every version of the flow, newest first. Raises NotFound."""
        current = await self.get(org_id, key)
        rows = await self.conn.execute(
            sa.select(b.bot_flow_versions).where(b.bot_flow_versions.c.flow_id == current.id)
            .order_by(b.bot_flow_versions.c.version.desc())
        )
        return [_version(r) for r in rows.mappings()]

    async def version(self, org_id: str, key: str, number: int) -> FlowVersion:
        """One version of the flow. Raises NotFound."""
        current = await self.get(org_id, key)
        row = (await self.conn.execute(
            sa.select(b.bot_flow_versions).where(b.bot_flow_versions.c.flow_id == current.id,
                                                 b.bot_flow_versions.c.version == number)
        )).mappings().first()
        if row is None:
            raise NotFound("flow version", f"{key} v{number}")
        return _version(row)

    async def seed_examples(self, org_id: str, now: datetime) -> int:
        """Give an organisation that never had a flow the shipped examples.

        Two processes seeding the same organisation at the same moment: one of them fails on the
        unique key (IntegrityError) and its transaction is rolled back.

        Returns:
            How many flows were added (0 when it has or had flows).
        """
        exists = (await self.conn.execute(
            sa.select(b.bot_flows.c.id).where(b.bot_flows.c.org_id == org_id).limit(1)
        )).first()
        if exists is not None:
            return 0
        for source in example_sources().values():
            await self.create(org_id, source, by=None, now=now,
                              note="example shipped with Careline")
        return len(example_sources())

    async def texts(self, org_id: str) -> dict[str, str]:
        """The reworded system messages, by key."""
        rows = await self.conn.execute(
            sa.select(b.bot_texts.c.key, b.bot_texts.c.text).where(b.bot_texts.c.org_id == org_id)
        )
        return {str(r.key): str(r.text) for r in rows}

    async def set_text(self, org_id: str, key: str, text: str, *, by: str | None,
                       now: datetime) -> None:
        """Store a rewording (the caller validated it)."""
        table = b.bot_texts
        await self.conn.execute(table.delete().where(table.c.org_id == org_id,
                                                     table.c.key == key))
        await self.conn.execute(table.insert().values(org_id=org_id, key=key, text=text,
                                                      updated_by=by, updated_at=now))

    async def reset_text(self, org_id: str, key: str) -> None:
        """Go back to Careline's default wording."""
        table = b.bot_texts
        await self.conn.execute(table.delete().where(table.c.org_id == org_id,
                                                     table.c.key == key))

    async def _add_version(self, flow_id: str, org_id: str, version: int, source: str,
                           note: str, by: str | None, now: datetime) -> None:
        await self.conn.execute(b.bot_flow_versions.insert().values(
            flow_id=flow_id, version=version, org_id=org_id, source=source, note=note[:200],
            created_by=by, created_at=now,
        ))

    @staticmethod
    def _select() -> sa.Select[Any]:
        f, v = b.bot_flows, b.bot_flow_versions
        return sa.select(f, v.c.source).join(
            v, sa.and_(v.c.flow_id == f.c.id, v.c.version == f.c.current_version)
        )


def _not_reserved(key: str) -> None:
    if key == WELCOME or key in SYSTEM_KEYS:
        raise ValidationError("flow", f"{key!r} is the name of a system flow")


def _flow(row: Any) -> StoredFlow:
    return StoredFlow(
        id=row["id"], key=row["key"], title=row["title"], enabled=bool(row["enabled"]),
        position=int(row["position"]), current_version=int(row["current_version"]),
        source=row["source"], created_at=row["created_at"], updated_at=row["updated_at"],
        archived=row["archived_at"] is not None,
    )


def _version(row: Any) -> FlowVersion:
    return FlowVersion(version=int(row["version"]), source=row["source"], note=row["note"],
                       created_by=row["created_by"], created_at=row["created_at"])
