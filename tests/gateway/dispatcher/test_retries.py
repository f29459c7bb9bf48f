"""Retries in the running system: delivery failures, refusals and transient errors."""

from __future__ import annotations

from datetime import timedelta

from channels.base import OutboundMessage, PermanentSendError, TransientSendError
from domain.clock import MovableClock
from domain.model import Channel, ContactKind, MessageStatus, OutboxState, new_id
from domain.org_settings import OrgSettings
from domain.storage import tables as t
from domain.storage.database import Database
from domain.storage.repositories import PracticeRepository
from gateway.dispatcher import Dispatcher, on_delivery_failed
from gateway.dispatcher.testing import MemorySender
from tests.gateway.dispatcher.builders import (
    ORG_ID,
    add,
    add_patients,
    hub_messages,
    one,
    organization,
    outbox,
    patient,
    row,
)

MOBILE = "+13125550142"
EMAIL = "avery@example.com"


async def use_settings(db: Database, **messaging: object) -> None:
    settings = organization(**messaging).settings
    assert isinstance(settings, OrgSettings)
    async with db.transaction() as conn:
        await PracticeRepository(conn).save_org_settings(ORG_ID, settings)


async def undelivered(
    db: Database, clock: MovableClock, provider_id: str, code: str | None = "30003"
) -> str | None:
    async with db.transaction() as conn:
        return await on_delivery_failed(conn, provider_id, code, now=clock.now())


async def test_an_undelivered_sms_is_sent_again_to_the_same_number_once(
    db: Database, clock: MovableClock
) -> None:
    avery = patient("Avery", (ContactKind.SMS, MOBILE), (ContactKind.EMAIL, EMAIL))
    await add_patients(db, avery)
    first = row(to=MOBILE, patient_id=avery.id)
    await add(db, [first])
    sms, email = MemorySender(), MemorySender(Channel.EMAIL)
    dispatcher = Dispatcher(db, {Channel.SMS: sms, Channel.EMAIL: email}, clock=clock)
    await dispatcher.drain()
    provider_id = (await one(db, first.id)).provider_id
    assert provider_id is not None

    retry_id = await undelivered(db, clock, provider_id)
    assert retry_id is not None
    assert await undelivered(db, clock, provider_id) is None  # a repeated callback changes nothing
    failed, retry = await one(db, first.id), await one(db, retry_id)
    assert failed.state is OutboxState.FAILED and "30003" in (failed.reason or "")
    assert retry.state is OutboxState.PENDING and retry.retry_of == first.id
    assert retry.to_address == MOBILE and retry.channel is Channel.SMS
    [message] = await hub_messages(db)
    assert message.status is MessageStatus.UNDELIVERED and message.error_code == "30003"

    clock.advance(timedelta(minutes=10))
    await dispatcher.drain()
    assert [m.idempotency_key for m in sms.sent] == [first.id, retry_id]
    # The retry fails too: without omnichannel retries that is final.
    second_id = (await one(db, retry_id)).provider_id
    assert second_id is not None
    assert await undelivered(db, clock, second_id) is None
    assert email.sent == []
    assert len(await outbox(db)) == 2


async def test_omnichannel_retry_moves_to_email(db: Database, clock: MovableClock) -> None:
    await use_settings(db, omnichannel_retry=True, sms_retry_count=0)
    avery = patient("Avery", (ContactKind.SMS, MOBILE), (ContactKind.EMAIL, EMAIL))
    await add_patients(db, avery)
    first = row(to=MOBILE, patient_id=avery.id, template_key="reminder.standard",
                body="Reminder: Tuesday 10:00 at Lakeside.")
    await add(db, [first])
    sms, email = MemorySender(), MemorySender(Channel.EMAIL)
    dispatcher = Dispatcher(db, {Channel.SMS: sms, Channel.EMAIL: email}, clock=clock)
    await dispatcher.drain()
    provider_id = (await one(db, first.id)).provider_id
    assert provider_id is not None

    retry_id = await undelivered(db, clock, provider_id, "30006")
    assert retry_id is not None
    retry = await one(db, retry_id)
    assert retry.channel is Channel.EMAIL and retry.to_address == EMAIL
    assert retry.body is None  # a template is rendered again in the email format
    assert retry.due_at == clock.now() + timedelta(minutes=5)


async def test_a_refused_message_fails_and_may_move_on(db: Database, clock: MovableClock) -> None:
    await use_settings(db, omnichannel_retry=True)
    avery = patient("Avery", (ContactKind.SMS, MOBILE), (ContactKind.EMAIL, EMAIL))
    await add_patients(db, avery)
    first = row(to=MOBILE, patient_id=avery.id)
    await add(db, [first])
    sms, email = MemorySender(), MemorySender(Channel.EMAIL)

    def refuse(message: OutboundMessage) -> None:
        if message.channel is Channel.SMS:
            raise PermanentSendError("not a mobile number", code="21614")

    sms.fail = refuse
    dispatcher = Dispatcher(db, {Channel.SMS: sms, Channel.EMAIL: email}, clock=clock)
    await dispatcher.drain()
    failed = await one(db, first.id)
    assert failed.state is OutboxState.FAILED
    assert failed.reason == "refused: not a mobile number (error 21614)"
    clock.advance(timedelta(minutes=5))
    await dispatcher.drain()
    assert [m.to_address for m in email.sent] == [EMAIL]
    assert sms.sent == []


async def test_transient_errors_back_off_then_fail(db: Database, clock: MovableClock) -> None:
    await use_settings(db, transient_retry_limit=3, transient_backoff_seconds=60)
    message = row(to=MOBILE)
    await add(db, [message])
    sender = MemorySender()
    tries = 0

    def busy(outbound: OutboundMessage) -> None:
        nonlocal tries
        tries += 1
        raise TransientSendError("503 from provider", code="503")

    sender.fail = busy
    dispatcher = Dispatcher(db, {Channel.SMS: sender}, clock=clock)
    await dispatcher.drain()
    stored = await one(db, message.id)
    assert stored.state is OutboxState.PENDING and stored.due_at == clock.now() + timedelta(
        seconds=60
    )
    assert (stored.reason or "").startswith("transient: 503 from provider")
    clock.advance(timedelta(seconds=60))
    await dispatcher.drain()
    assert (await one(db, message.id)).due_at == clock.now() + timedelta(seconds=120)
    clock.advance(timedelta(seconds=120))
    await dispatcher.drain()
    stored = await one(db, message.id)
    assert tries == 3 and stored.state is OutboxState.FAILED
    assert (stored.reason or "").startswith("failed: gave up after 3 attempts")
    [hub] = await hub_messages(db)
    assert hub.status is MessageStatus.FAILED


async def test_failures_reported_by_the_status_webhook_are_retried(
    db: Database, clock: MovableClock
) -> None:
    first = row(to=MOBILE)
    await add(db, [first])
    sms = MemorySender()
    dispatcher = Dispatcher(db, {Channel.SMS: sms}, clock=clock)
    await dispatcher.drain()
    provider_id = (await one(db, first.id)).provider_id
    async with db.transaction() as conn:  # what gateway/inbound/delivery.py records
        for _ in range(2):  # the provider reported it twice
            await conn.execute(t.domain_events.insert().values(
                id=new_id(), org_id=ORG_ID, kind="delivery_failed", created_at=clock.now(),
                payload={"channel": "sms", "provider_id": provider_id, "status": "undelivered",
                         "error_code": "30003", "outbox_id": first.id},
            ))
    report = await dispatcher.reconcile()
    assert report.delivery_failures == 2
    assert (await dispatcher.reconcile()).delivery_failures == 0
    retries = [r for r in (await outbox(db)).values() if r.retry_of == first.id]
    assert len(retries) == 1 and retries[0].due_at == clock.now() + timedelta(minutes=10)
    assert (await one(db, first.id)).state is OutboxState.FAILED
