"""An organisation's template overrides with version history, partials and message library."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import NotFound, ValidationError
from domain.model import new_id
from domain.storage import tables_templates as tt
from domain.storage.repositories._mapping import from_row
from domain.templates import LayeredSource, TemplateText

__all__ = ["LibraryItem", "StoredTemplate", "TemplateRepository", "TemplateVersion"]

_FORMATS = ("sms", "voice", "email")


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredTemplate:
    key: str
    format: str
    language: str
    body: str
    subject: str | None
    version: int
    updated_by: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateVersion:
    version: int
    body: str
    subject: str | None
    note: str
    created_by: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class LibraryItem:
    id: str
    title: str
    body: str
    language: str
    created_by: str | None
    created_at: datetime
    updated_at: datetime


def _check(fmt: str) -> None:
    if fmt not in _FORMATS:
        raise ValidationError("format", "must be sms, voice or email")


class TemplateRepository:
    """Template overrides of one database connection (shares the caller's transaction)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    def _where(
        self, org_id: str, key: str, fmt: str, language: str, table: sa.Table = tt.message_templates
    ) -> sa.ColumnElement[bool]:
        return sa.and_(
            table.c.org_id == org_id,
            table.c.key == key,
            table.c.format == fmt,
            table.c.language == language,
        )

    async def current(
        self, org_id: str, key: str, fmt: str, language: str
    ) -> StoredTemplate | None:
        """The organisation's current text of one template format, or None (stock text)."""
        row = (
            (
                await self.conn.execute(
                    sa.select(tt.message_templates).where(self._where(org_id, key, fmt, language))
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else from_row(StoredTemplate, row)

    async def save(
        self,
        org_id: str,
        key: str,
        fmt: str,
        language: str,
        *,
        body: str,
        subject: str | None,
        by: str | None,
        at: datetime,
        note: str = "",
        replaced: TemplateText | None = None,
    ) -> StoredTemplate:
        """Store a new text as the next version.

        ``replaced`` is the stock text being overridden: on the first edit it is kept as
        version 0 so that it can be restored like any other version (REM-16).
        """
        _check(fmt)
        existing = await self.current(org_id, key, fmt, language)
        version = 1 if existing is None else existing.version + 1
        if existing is None and replaced is not None:
            await self._add_version(
                org_id,
                key,
                fmt,
                language,
                0,
                replaced.body,
                replaced.subject,
                "stock text",
                None,
                at,
            )
        await self._add_version(org_id, key, fmt, language, version, body, subject, note, by, at)
        values = {
            "body": body,
            "subject": subject,
            "version": version,
            "updated_by": by,
            "updated_at": at,
        }
        if existing is None:
            await self.conn.execute(
                tt.message_templates.insert().values(
                    id=new_id(), org_id=org_id, key=key, format=fmt, language=language, **values
                )
            )
        else:
            await self.conn.execute(
                tt.message_templates.update()
                .where(self._where(org_id, key, fmt, language))
                .values(**values)
            )
        found = await self.current(org_id, key, fmt, language)
        assert found is not None
        return found

    async def _add_version(
        self,
        org_id: str,
        key: str,
        fmt: str,
        language: str,
        version: int,
        body: str,
        subject: str | None,
        note: str,
        by: str | None,
        at: datetime,
    ) -> None:
        await self.conn.execute(
            tt.message_template_versions.insert().values(
                id=new_id(),
                org_id=org_id,
                key=key,
                format=fmt,
                language=language,
                version=version,
                body=body,
                subject=subject,
                note=note[:200],
                created_by=by,
                created_at=at,
            )
        )

    async def history(
        self, org_id: str, key: str, fmt: str, language: str
    ) -> list[TemplateVersion]:
        """Every version, newest first (empty until the template was edited once)."""
        table = tt.message_template_versions
        rows = (
            await self.conn.execute(
                sa.select(table)
                .where(self._where(org_id, key, fmt, language, table))
                .order_by(table.c.version.desc())
            )
        ).mappings()
        return [
            TemplateVersion(
                version=r["version"],
                body=r["body"],
                subject=r["subject"],
                note=r["note"],
                created_by=r["created_by"],
                created_at=r["created_at"],
            )
            for r in rows
        ]

    async def restore(
        self,
        org_id: str,
        key: str,
        fmt: str,
        language: str,
        version: int,
        *,
        by: str | None,
        at: datetime,
    ) -> StoredTemplate:
        """Make an older version current again, as a new version (history is never lost)."""
        old = next(
            (v for v in await self.history(org_id, key, fmt, language) if v.version == version),
            None,
        )
        if old is None:
            raise NotFound("template version", f"{key}/{fmt}/{language} v{version}")
        return await self.save(
            org_id,
            key,
            fmt,
            language,
            body=old.body,
            subject=old.subject,
            by=by,
            at=at,
            note=f"restored version {version}",
        )

    async def source(self, org_id: str) -> LayeredSource:
        """The organisation's overrides and partials over the stock library, for rendering."""
        rows = (
            await self.conn.execute(
                sa.select(tt.message_templates).where(tt.message_templates.c.org_id == org_id)
            )
        ).mappings()
        templates = {
            (r["key"], r["format"], r["language"]): TemplateText(r["body"], r["subject"])
            for r in rows
        }
        prows = (
            await self.conn.execute(
                sa.select(tt.template_partials).where(tt.template_partials.c.org_id == org_id)
            )
        ).mappings()
        partials = {(r["name"], r["language"]): r["body"] for r in prows}
        return LayeredSource(templates=templates, partials=partials)

    # -- partials (REM-15) -------------------------------------------------------------------

    async def save_partial(
        self, org_id: str, name: str, language: str, body: str, *, by: str | None, at: datetime
    ) -> None:
        """Create or replace a partial; every template including it changes at once."""
        table = tt.template_partials
        where = sa.and_(
            table.c.org_id == org_id, table.c.name == name, table.c.language == language
        )
        result = await self.conn.execute(
            table.update().where(where).values(body=body, updated_by=by, updated_at=at)
        )
        if result.rowcount == 0:
            await self.conn.execute(
                table.insert().values(
                    id=new_id(),
                    org_id=org_id,
                    name=name,
                    language=language,
                    body=body,
                    updated_by=by,
                    updated_at=at,
                )
            )

    # -- message library (REM-17) ------------------------------------------------------------

    async def add_library_item(
        self,
        org_id: str,
        title: str,
        body: str,
        *,
        language: str = "en",
        by: str | None,
        at: datetime,
    ) -> LibraryItem:
        if not title.strip() or not body.strip():
            raise ValidationError("title" if not title.strip() else "body", "is required")
        item_id = new_id()
        await self.conn.execute(
            tt.message_library.insert().values(
                id=item_id,
                org_id=org_id,
                title=title.strip()[:100],
                body=body,
                language=language,
                created_by=by,
                created_at=at,
                updated_at=at,
            )
        )
        return LibraryItem(
            id=item_id,
            title=title.strip()[:100],
            body=body,
            language=language,
            created_by=by,
            created_at=at,
            updated_at=at,
        )

    async def library(self, org_id: str) -> list[LibraryItem]:
        rows = (
            await self.conn.execute(
                sa.select(tt.message_library)
                .where(tt.message_library.c.org_id == org_id)
                .order_by(tt.message_library.c.title)
            )
        ).mappings()
        return [from_row(LibraryItem, r) for r in rows]

    async def delete_library_item(self, org_id: str, item_id: str) -> None:
        result = await self.conn.execute(
            tt.message_library.delete().where(
                tt.message_library.c.org_id == org_id, tt.message_library.c.id == item_id
            )
        )
        if result.rowcount == 0:
            raise NotFound("library item", item_id)
