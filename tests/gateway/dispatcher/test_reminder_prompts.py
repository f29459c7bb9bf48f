"""Sending a reminder opens its reply prompt; a newer reminder of the same visit replaces it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from domain.model import Channel, MessageKind, OutboxMessage, new_id
from domain.storage.database import Database
from domain.storage.repositories import ConversationRepository
from gateway.demo_data import build_demo, load_demo
from gateway.dispatcher.context import OrgCache
from gateway.dispatcher.prompts import open_reminder_prompts

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def reminder_row(org_id: str, appointment_id: str, kind: MessageKind) -> OutboxMessage:
    return OutboxMessage(
        id=new_id(), org_id=org_id, dedupe_key=new_id(), kind=kind, channel=Channel.SMS,
        to_address="+13125550142", due_at=NOW, created_at=NOW, body="Reply C to confirm",
        appointment_id=appointment_id,
    )


async def test_a_sent_reminder_waits_for_the_answer(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    await db.upgrade()
    data = build_demo(seed=2, patients=5, now=NOW)
    await load_demo(db, data, now=NOW)
    org_id, appointment = data.organization.id, data.appointments[0]
    orgs = OrgCache()
    async with db.transaction() as conn:
        conversations = ConversationRepository(conn)
        thread, _ = await conversations.get_or_create(
            org_id=org_id, channel=Channel.SMS, patient_address="+13125550142",
            careline_address="+18885550123", patient_id=appointment.patient_id,
            facility_id=None, at=NOW)
        first = reminder_row(org_id, appointment.id, MessageKind.REMINDER)
        staff = reminder_row(org_id, appointment.id, MessageKind.STAFF)
        assert await open_reminder_prompts(conn, [(first, thread.id), (staff, thread.id)],
                                           orgs, NOW) == 1
        later = NOW + timedelta(days=2)
        second = reminder_row(org_id, appointment.id, MessageKind.REMINDER)
        assert await open_reminder_prompts(conn, [(second, thread.id)], orgs, later) == 1
        prompts = await conversations.open_prompts(thread.id, later)
    assert [(p.flow, p.appointment_id, p.data["outbox_id"]) for p in prompts] == [
        ("reminder", appointment.id, second.id)
    ]
    assert prompts[0].expires_at is not None and prompts[0].expires_at > appointment.start
    await db.dispose()
