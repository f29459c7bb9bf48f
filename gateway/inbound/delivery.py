"""Applies provider delivery reports: message state, outbox note, contact validity, carrier DNC.

Callbacks may arrive out of order (``sent`` after ``delivered``): a state never moves back, and
a final state (delivered, undelivered, failed) is kept. A failed delivery also records a
``delivery_failed`` domain event, so that a consumer (OmniChannel retries, REM-40) can act.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.twilio_status import ContactEffect, StatusUpdate, contact_effect
from domain.model import ContactKind, DncEntry, DncSource, MessageStatus, new_id
from domain.storage import tables as t
from domain.storage.database import Database
from domain.storage.repositories import ConversationRepository, PatientRepository
from gateway.inbound.addresses import AddressBook
from gateway.inbound.errors import UnknownRecipient

__all__ = ["DeliveryOutcome", "apply_status"]

_RANK = {
    MessageStatus.SCHEDULED: 0,
    MessageStatus.QUEUED: 1,
    MessageStatus.SENDING: 2,
    MessageStatus.SENT: 3,
    MessageStatus.DELIVERED: 4,
    MessageStatus.UNDELIVERED: 4,
    MessageStatus.FAILED: 4,
}
_FAILED = (MessageStatus.UNDELIVERED, MessageStatus.FAILED)


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """What a report changed (for logs and tests)."""

    message_id: str | None
    message_updated: bool
    outbox_id: str | None
    effect: ContactEffect | None


def _moves_forward(current: MessageStatus, new: MessageStatus) -> bool:
    if current in (MessageStatus.DELIVERED, *_FAILED):
        return False
    return _RANK.get(new, -1) >= _RANK.get(current, -1)


async def apply_status(
    db: Database, update: StatusUpdate, *, now: datetime, addresses: AddressBook
) -> DeliveryOutcome:
    """Record one delivery report in one transaction.

    Args:
        db: the database.
        update: the parsed report.
        now: the clock's time.
        addresses: resolves our sending number to its organisation when the message is unknown.
    """
    async with db.transaction() as conn:
        repo = ConversationRepository(conn)
        message = await repo.message_by_provider_id(update.channel, update.provider_id)
        updated = False
        if message is not None and _moves_forward(message.status, update.status):
            values: dict[str, Any] = {"status": update.status.value,
                                      "error_code": update.error_code}
            if update.status is MessageStatus.DELIVERED:
                values["delivered_at"] = now
            delivered_or_sent = (MessageStatus.SENT, MessageStatus.DELIVERED)
            if update.status in delivered_or_sent and not message.sent_at:
                values["sent_at"] = now
            await repo.update_message(message.id, **values)
            updated = True
        outbox = (
            await conn.execute(
                sa.select(t.outbox.c.id, t.outbox.c.org_id)
                .where(t.outbox.c.provider_id == update.provider_id)
                .limit(1)
            )
        ).first()
        org_id = message.org_id if message else (outbox.org_id if outbox else None)
        if update.status in _FAILED:
            org_id = org_id or await _org_of(conn, addresses, update)
            await _record_failure(conn, update, org_id, message.id if message else None,
                                  outbox.id if outbox else None, now)
        effect = contact_effect(update.error_code)
        if effect is not None and update.to_address:
            org_id = org_id or await _org_of(conn, addresses, update)
            if org_id is not None:
                await _apply_effect(conn, effect, org_id, update, now)
    return DeliveryOutcome(message.id if message else None, updated,
                           outbox.id if outbox else None, effect)


async def _org_of(
    conn: AsyncConnection, addresses: AddressBook, update: StatusUpdate
) -> str | None:
    if not update.from_address:
        return None
    try:
        return (await addresses.organization(conn, update.channel, update.from_address)).id
    except UnknownRecipient:
        return None


async def _record_failure(
    conn: AsyncConnection, update: StatusUpdate, org_id: str | None, message_id: str | None,
    outbox_id: str | None, now: datetime,
) -> None:
    reason = f"delivery {update.twilio_status}" + (
        f" (Twilio error {update.error_code})" if update.error_code else ""
    )
    if outbox_id is not None:
        await conn.execute(
            t.outbox.update()
            .where(t.outbox.c.id == outbox_id)
            .values(reason=reason, updated_at=now)
        )
    if org_id is None:
        return
    payload = {
        "channel": update.channel.value, "provider_id": update.provider_id,
        "status": update.status.value, "error_code": update.error_code,
        "to": update.to_address, "message_id": message_id, "outbox_id": outbox_id,
    }
    await conn.execute(
        t.domain_events.insert().values(
            id=new_id(), org_id=org_id, kind="delivery_failed", payload=payload, created_at=now
        )
    )


async def _apply_effect(
    conn: AsyncConnection, effect: ContactEffect, org_id: str, update: StatusUpdate,
    now: datetime,
) -> None:
    assert update.to_address is not None
    if effect is ContactEffect.DO_NOT_CONTACT:
        patients = await PatientRepository(conn).find_by_address(org_id, update.to_address)
        await PatientRepository(conn).add_dnc(DncEntry(
            org_id=org_id, address=update.to_address, source=DncSource.CARRIER,
            careline_number=update.from_address, created_at=now,
            patient_id=patients[0].id if len(patients) == 1 else None,
            note=f"the carrier reported that the recipient opted out (Twilio error "
                 f"{update.error_code})",
        ))
        return
    kinds = [ContactKind.SMS.value]
    if effect is ContactEffect.INVALID:
        kinds.append(ContactKind.VOICE.value)
    validity = effect.validity
    assert validity is not None
    await conn.execute(
        t.contact_points.update()
        .where(
            t.contact_points.c.org_id == org_id,
            t.contact_points.c.value == update.to_address,
            t.contact_points.c.kind.in_(kinds),
        )
        .values(validity=validity.value, validated_at=now)
    )
