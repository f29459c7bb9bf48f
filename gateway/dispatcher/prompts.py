"""A sent reminder waits for the patient's answer: open its reply prompt (REM-02, REM-23/24).

The prompt ties the patient's next message on that thread ("C", "X", "2"...) to the appointment
the reminder was about. A newer reminder for the same appointment replaces the older prompt, so
the patient is never asked which of two reminders of one visit they are answering.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.flows.reminder import reminder_prompt
from domain.model import MessageKind, OutboxMessage
from domain.storage import tables as t
from domain.storage.repositories import ConversationRepository
from gateway.dispatcher.context import OrgCache

__all__ = ["PROMPT_GRACE", "open_reminder_prompts"]

PROMPT_GRACE = timedelta(days=7)
"""How long after the appointment's start an answer still reaches the reminder flow (the flow
itself applies the rules on late answers, e.g. confirming past appointments, REM-50)."""


async def open_reminder_prompts(
    conn: AsyncConnection,
    sent: Sequence[tuple[OutboxMessage, str]],
    orgs: OrgCache,
    now: datetime,
) -> int:
    """Open a reply prompt for each sent reminder.

    Args:
        conn: the transaction that records the send.
        sent: (outbox row, conversation id) of messages that reached the provider.
        orgs: the dispatcher's organisation cache (reply settings).
        now: when they were sent.

    Returns:
        How many prompts were opened.
    """
    wanted = [
        (row, conversation_id)
        for row, conversation_id in sent
        if row.kind is MessageKind.REMINDER and row.appointment_id is not None
    ]
    if not wanted:
        return 0
    result = await conn.execute(
        sa.select(t.appointments.c.id, t.appointments.c.start).where(
            t.appointments.c.id.in_({row.appointment_id for row, _ in wanted})
        )
    )
    starts: dict[str, datetime] = {appointment_id: start for appointment_id, start in result}
    repo = ConversationRepository(conn)
    opened = 0
    for row, conversation_id in wanted:
        info = await orgs.get(conn, row.org_id)
        start = starts.get(str(row.appointment_id))
        if info.org.settings.replies.mode == "none" or start is None:
            continue
        await conn.execute(
            t.prompts.update()
            .where(
                t.prompts.c.conversation_id == conversation_id,
                t.prompts.c.appointment_id == row.appointment_id,
                t.prompts.c.flow == "reminder",
                t.prompts.c.closed_at.is_(None),
            )
            .values(closed_at=now)
        )
        prompt = reminder_prompt(
            org_id=row.org_id,
            conversation_id=conversation_id,
            appointment_id=str(row.appointment_id),
            created_at=now,
            expires_at=start + PROMPT_GRACE,
            data={"outbox_id": row.id},
        )
        await repo.add_prompt(prompt)
        opened += 1
    return opened
