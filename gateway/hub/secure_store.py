"""Storage of secure messages, their attachments, and patient sign-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import new_id
from domain.storage import tables_hub as h

__all__ = ["Attachment", "SecureMessage", "SecureStore"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SecureMessage:
    id: str
    org_id: str
    conversation_id: str
    patient_id: str
    author_id: str
    facility_id: str | None
    body: str
    link_hash: str
    created_at: datetime
    expires_at: datetime
    code_hash: str | None = None
    code_expires_at: datetime | None = None
    code_attempts: int = 0
    codes_sent: int = 0
    access_hash: str | None = None
    access_expires_at: datetime | None = None
    opened_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    id: str
    filename: str
    content_type: str
    size: int
    data: bytes = b""


class SecureStore:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, message: SecureMessage, attachments: list[Attachment]) -> None:
        values = {f: getattr(message, f) for f in SecureMessage.__dataclass_fields__}
        await self.conn.execute(h.secure_messages.insert().values(**values))
        if attachments:
            await self.conn.execute(
                h.secure_attachments.insert(),
                [{"id": a.id, "org_id": message.org_id, "secure_message_id": message.id,
                  "filename": a.filename, "content_type": a.content_type, "size": a.size,
                  "data": a.data, "created_at": message.created_at} for a in attachments],
            )

    async def by_link(self, link_hash: str) -> SecureMessage | None:
        return await self._one(h.secure_messages.c.link_hash == link_hash)

    async def get(self, message_id: str) -> SecureMessage | None:
        return await self._one(h.secure_messages.c.id == message_id)

    async def _one(self, condition: Any) -> SecureMessage | None:
        row = (
            await self.conn.execute(sa.select(h.secure_messages).where(condition))
        ).mappings().first()
        return None if row is None else SecureMessage(**dict(row))

    async def for_conversation(self, conversation_id: str) -> list[dict[str, Any]]:
        """Secure messages of a chat (without bodies) with their attachment counts."""
        s = h.secure_messages
        a = h.secure_attachments
        count = (
            sa.select(sa.func.count()).where(a.c.secure_message_id == s.c.id).scalar_subquery()
        )
        rows = await self.conn.execute(
            sa.select(s.c.id, s.c.author_id, s.c.facility_id, s.c.created_at, s.c.expires_at,
                      s.c.opened_at, count.label("attachments"))
            .where(s.c.conversation_id == conversation_id)
            .order_by(s.c.created_at)
        )
        return [dict(r) for r in rows.mappings()]

    async def update(self, message_id: str, **values: Any) -> None:
        await self.conn.execute(
            h.secure_messages.update().where(h.secure_messages.c.id == message_id).values(**values)
        )

    async def attachments(self, message_id: str) -> list[Attachment]:
        """The attachments' descriptions (not their bytes)."""
        a = h.secure_attachments
        rows = await self.conn.execute(
            sa.select(a.c.id, a.c.filename, a.c.content_type, a.c.size)
            .where(a.c.secure_message_id == message_id)
            .order_by(a.c.created_at, a.c.id)
        )
        return [Attachment(**dict(r)) for r in rows.mappings()]

    async def attachment(self, message_id: str, attachment_id: str) -> Attachment | None:
        a = h.secure_attachments
        row = (
            await self.conn.execute(
                sa.select(a.c.id, a.c.filename, a.c.content_type, a.c.size, a.c.data).where(
                    a.c.secure_message_id == message_id, a.c.id == attachment_id
                )
            )
        ).mappings().first()
        return None if row is None else Attachment(**dict(row))

    async def add_login(self, *, org_id: str, patient_id: str, method: str, success: bool,
                        channel: str | None, at: datetime) -> None:
        """Record a patient sign-in attempt (shown in the patient panel)."""
        await self.conn.execute(
            h.patient_logins.insert().values(
                id=new_id(), org_id=org_id, patient_id=patient_id, method=method,
                success=success, channel=channel, at=at,
            )
        )
