"""Conversations, messages, notes and open prompts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import NotFound
from domain.model import Channel, Conversation, Message, Note, Prompt, new_id
from domain.storage import tables as t
from domain.storage.repositories._mapping import from_row, to_values

__all__ = ["ConversationRepository"]


class ConversationRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, conversation_id: str) -> Conversation:
        row = (
            (
                await self.conn.execute(
                    sa.select(t.conversations).where(t.conversations.c.id == conversation_id)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("conversation", conversation_id)
        return from_row(Conversation, row)

    async def find(
        self, org_id: str, channel: Channel, patient_address: str, careline_address: str
    ) -> Conversation | None:
        row = (
            (
                await self.conn.execute(
                    sa.select(t.conversations).where(
                        t.conversations.c.org_id == org_id,
                        t.conversations.c.channel == channel.value,
                        t.conversations.c.patient_address == patient_address,
                        t.conversations.c.careline_address == careline_address,
                    )
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else from_row(Conversation, row)

    async def get_or_create(
        self,
        *,
        org_id: str,
        channel: Channel,
        patient_address: str,
        careline_address: str,
        patient_id: str | None,
        facility_id: str | None,
        at: datetime,
    ) -> tuple[Conversation, bool]:
        """The thread for this pair of addresses, created if new.

        Returns:
            (conversation, created).
        """
        found = await self.find(org_id, channel, patient_address, careline_address)
        if found is not None:
            return found, False
        conversation = Conversation(
            id=new_id(),
            org_id=org_id,
            channel=channel,
            patient_address=patient_address,
            careline_address=careline_address,
            patient_id=patient_id,
            facility_id=facility_id,
            created_at=at,
            unread=False,
        )
        try:
            async with self.conn.begin_nested():
                await self.conn.execute(t.conversations.insert().values(**to_values(conversation)))
        except IntegrityError:
            # Created concurrently by another process: use theirs.
            found = await self.find(org_id, channel, patient_address, careline_address)
            if found is None:
                raise
            return found, False
        return conversation, True

    async def save(self, conversation: Conversation) -> None:
        values = to_values(conversation, exclude=("id", "org_id", "created_at"))
        await self.conn.execute(
            t.conversations.update().where(t.conversations.c.id == conversation.id).values(**values)
        )

    async def add_message(self, message: Message) -> bool:
        """Store a message. False when a message with the same provider id already exists
        (the durable half of exactly-once: the store-level idempotency key is the other)."""
        try:
            async with self.conn.begin_nested():
                await self.conn.execute(t.messages.insert().values(**to_values(message)))
        except IntegrityError:
            return False
        return True

    async def message_by_provider_id(self, channel: Channel, provider_id: str) -> Message | None:
        row = (
            (
                await self.conn.execute(
                    sa.select(t.messages).where(
                        t.messages.c.channel == channel.value,
                        t.messages.c.provider_id == provider_id,
                    )
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else from_row(Message, row)

    async def update_message(self, message_id: str, **values: Any) -> None:
        await self.conn.execute(
            t.messages.update().where(t.messages.c.id == message_id).values(**values)
        )

    async def messages(self, conversation_id: str, *, limit: int = 200) -> list[Message]:
        rows = (
            (
                await self.conn.execute(
                    sa.select(t.messages)
                    .where(t.messages.c.conversation_id == conversation_id)
                    .order_by(t.messages.c.created_at.desc(), t.messages.c.id.desc())
                    .limit(limit)
                )
            )
            .mappings()
            .all()
        )
        return [from_row(Message, r) for r in reversed(rows)]

    async def add_note(self, note: Note) -> None:
        await self.conn.execute(t.notes.insert().values(**to_values(note)))

    async def notes(self, conversation_id: str) -> list[Note]:
        rows = (
            await self.conn.execute(
                sa.select(t.notes)
                .where(t.notes.c.conversation_id == conversation_id)
                .order_by(t.notes.c.created_at)
            )
        ).mappings()
        return [from_row(Note, r) for r in rows]

    # -- prompts ---------------------------------------------------------------------------

    async def add_prompt(self, prompt: Prompt) -> None:
        await self.conn.execute(t.prompts.insert().values(**to_values(prompt)))

    async def save_prompt(self, prompt: Prompt) -> None:
        values = to_values(prompt, exclude=("id", "org_id", "conversation_id", "created_at"))
        await self.conn.execute(
            t.prompts.update().where(t.prompts.c.id == prompt.id).values(**values)
        )

    async def open_prompts(self, conversation_id: str, now: datetime) -> list[Prompt]:
        """Prompts still awaiting an answer, most recent first."""
        rows = (
            await self.conn.execute(
                sa.select(t.prompts)
                .where(
                    t.prompts.c.conversation_id == conversation_id,
                    t.prompts.c.closed_at.is_(None),
                    sa.or_(t.prompts.c.expires_at.is_(None), t.prompts.c.expires_at > now),
                )
                .order_by(t.prompts.c.created_at.desc(), t.prompts.c.id.desc())
            )
        ).mappings()
        return [from_row(Prompt, r) for r in rows]

    async def prompts_for(
        self,
        *,
        appointment_id: str | None = None,
        ref_id: str | None = None,
        flow: str | None = None,
    ) -> Sequence[Prompt]:
        query = sa.select(t.prompts)
        if appointment_id is not None:
            query = query.where(t.prompts.c.appointment_id == appointment_id)
        if ref_id is not None:
            query = query.where(t.prompts.c.ref_id == ref_id)
        if flow is not None:
            query = query.where(t.prompts.c.flow == flow)
        rows = (await self.conn.execute(query.order_by(t.prompts.c.created_at))).mappings()
        return [from_row(Prompt, r) for r in rows]
