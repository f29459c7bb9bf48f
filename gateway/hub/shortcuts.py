"""The message library (HUB-04, PIT-05): named, pre-written answers staff insert with
``/shortcut``. Their text may hold squigglies, filled in when the message is sent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import Conflict, NotFound, ValidationError
from domain.model import MAX_BODY
from domain.storage import tables_hub as h

__all__ = ["Shortcut", "ShortcutStore", "validate_shortcut"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Shortcut:
    id: str
    org_id: str
    shortcut: str
    title: str
    body: str
    created_by: str | None
    created_at: datetime
    updated_at: datetime


def validate_shortcut(shortcut: str, title: str, body: str) -> tuple[str, str, str]:
    """Cleaned (shortcut, title, body); raises ValidationError naming the bad field."""
    name = shortcut.strip().lstrip("/").lower()
    if not _NAME.match(name):
        raise ValidationError(
            "shortcut", "must be 1-40 lower-case letters, digits, - or _, starting with a letter "
            "or digit"
        )
    title = " ".join(title.split())
    if not title or len(title) > 100:
        raise ValidationError("title", "must be 1-100 characters")
    if not body.strip() or len(body) > MAX_BODY:
        raise ValidationError("body", f"must be 1-{MAX_BODY} characters")
    return name, title, body.strip()


class ShortcutStore:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def all(self, org_id: str) -> list[Shortcut]:
        s = h.message_shortcuts
        rows = await self.conn.execute(
            sa.select(s).where(s.c.org_id == org_id).order_by(s.c.shortcut)
        )
        return [Shortcut(**dict(r)) for r in rows.mappings()]

    async def get(self, org_id: str, shortcut_id: str) -> Shortcut:
        s = h.message_shortcuts
        row = (
            await self.conn.execute(
                sa.select(s).where(s.c.org_id == org_id, s.c.id == shortcut_id)
            )
        ).mappings().first()
        if row is None:
            raise NotFound("shortcut", shortcut_id)
        return Shortcut(**dict(row))

    async def add(self, shortcut: Shortcut) -> None:
        """Store a new shortcut; Conflict when its name is taken."""
        try:
            async with self.conn.begin_nested():
                await self.conn.execute(
                    h.message_shortcuts.insert().values(
                        id=shortcut.id, org_id=shortcut.org_id, shortcut=shortcut.shortcut,
                        title=shortcut.title, body=shortcut.body,
                        created_by=shortcut.created_by, created_at=shortcut.created_at,
                        updated_at=shortcut.updated_at,
                    )
                )
        except IntegrityError:
            raise Conflict(f"the shortcut /{shortcut.shortcut} exists already") from None

    async def save(self, shortcut: Shortcut) -> None:
        """Update a shortcut's name, title and text; Conflict when the new name is taken."""
        s = h.message_shortcuts
        try:
            async with self.conn.begin_nested():
                await self.conn.execute(
                    s.update()
                    .where(s.c.id == shortcut.id)
                    .values(shortcut=shortcut.shortcut, title=shortcut.title,
                            body=shortcut.body, updated_at=shortcut.updated_at)
                )
        except IntegrityError:
            raise Conflict(f"the shortcut /{shortcut.shortcut} exists already") from None

    async def delete(self, org_id: str, shortcut_id: str) -> None:
        s = h.message_shortcuts
        result = await self.conn.execute(
            s.delete().where(s.c.org_id == org_id, s.c.id == shortcut_id)
        )
        if result.rowcount == 0:
            raise NotFound("shortcut", shortcut_id)
