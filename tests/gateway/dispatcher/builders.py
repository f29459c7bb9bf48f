"""Builders for dispatcher tests: outbox rows, patients, DNC entries; and state read-back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from domain.model import (
    Channel,
    ContactKind,
    ContactPoint,
    DncEntry,
    DncSource,
    Message,
    MessageKind,
    Organization,
    OutboxMessage,
    Patient,
    new_id,
)
from domain.org_settings import MessagingSettings, OrgSettings
from domain.storage import tables as t
from domain.storage.database import Database
from domain.storage.repositories import OutboxRepository, PatientRepository
from domain.storage.repositories._mapping import from_row

ORG_ID = "01ORGDISPATCH0000000000000"
FACILITY_ID = "01FACDISPATCH0000000000000"
CLINIC_NUMBER = "+13125550100"
T0 = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def organization(**messaging: Any) -> Organization:
    return Organization(
        id=ORG_ID, name="Lakeside Health", public_key="lakeside-key-1", phone="+13125550199",
        settings=OrgSettings(messaging=MessagingSettings(sms_number=CLINIC_NUMBER, **messaging)),
    )


def number(i: int) -> str:
    """A fictional but valid US mobile number (555-01XX range in several area codes)."""
    area = ("212", "312", "303", "415", "617", "713")[i // 100 % 6]
    return f"+1{area}55501{i % 100:02d}"


def row(
    i: int = 0,
    *,
    to: str | None = None,
    kind: MessageKind = MessageKind.TRANSACTIONAL,
    channel: Channel = Channel.SMS,
    due_at: datetime = T0,
    body: str | None = "Your visit is confirmed. Reply HELP for help.",
    **fields: Any,
) -> OutboxMessage:
    return OutboxMessage(
        id=fields.pop("id", new_id()),
        org_id=ORG_ID,
        dedupe_key=fields.pop("dedupe_key", f"test:{new_id()}"),
        kind=kind,
        channel=channel,
        to_address=to if to is not None else number(i),
        due_at=due_at,
        created_at=T0,
        body=body,
        facility_id=fields.pop("facility_id", FACILITY_ID),
        **fields,
    )


def patient(first: str = "Avery", *contacts: tuple[ContactKind, str], **fields: Any) -> Patient:
    return Patient(
        id=fields.pop("id", new_id()), org_id=ORG_ID, first_name=first, last_name="Hollis",
        contacts=tuple(ContactPoint(kind=k, value=v) for k, v in contacts),
        primary_facility_id=FACILITY_ID, **fields,
    )


def opt_out(address: str, *, source: DncSource = DncSource.PATIENT_OPT_OUT) -> DncEntry:
    return DncEntry(
        org_id=ORG_ID, address=address, source=source, created_at=T0,
        careline_number=CLINIC_NUMBER if source is DncSource.PATIENT_OPT_OUT else None,
    )


async def add(db: Database, rows: Sequence[OutboxMessage]) -> None:
    async with db.transaction() as conn:
        await OutboxRepository(conn).add_many(rows)


async def add_patients(db: Database, *patients: Patient) -> None:
    async with db.transaction() as conn:
        await PatientRepository(conn).add_many(patients, T0)


async def add_dnc(db: Database, *entries: DncEntry) -> None:
    async with db.transaction() as conn:
        for entry in entries:
            await PatientRepository(conn).add_dnc(entry)


async def outbox(db: Database) -> dict[str, OutboxMessage]:
    async with db.read() as conn:
        rows = (await conn.execute(sa.select(t.outbox))).mappings().all()
    return {r["id"]: from_row(OutboxMessage, dict(r)) for r in rows}


async def one(db: Database, outbox_id: str) -> OutboxMessage:
    return (await outbox(db))[outbox_id]


async def hub_messages(db: Database) -> list[Message]:
    async with db.read() as conn:
        rows = (await conn.execute(sa.select(t.messages))).mappings().all()
    return [from_row(Message, dict(r)) for r in rows]


def later(message: OutboxMessage, **changes: Any) -> OutboxMessage:
    return replace(message, **changes)
