"""After a STOP, nothing reaches the number -- whatever planned it -- until the entry is gone.

The delivery rules themselves are tested in ``tests/domain/rules``; here the dispatcher must
load the Do Not Contact list fresh at send time and apply it to every kind of message.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.clock import MovableClock
from domain.model import Channel, ContactKind, DncSource, MessageKind, OutboxState
from domain.storage.database import Database
from domain.storage.repositories import PatientRepository
from gateway.dispatcher import Dispatcher
from gateway.dispatcher.context import FALLBACK_ZONE
from gateway.dispatcher.decide import Action, RowFacts, decide, delivery_policy
from gateway.dispatcher.testing import MemorySender
from tests.gateway.dispatcher.builders import (
    CLINIC_NUMBER,
    ORG_ID,
    T0,
    add,
    add_dnc,
    add_patients,
    opt_out,
    organization,
    outbox,
    patient,
    row,
)

MOBILE = "+13125550142"
SPELLINGS = ("+13125550142", "(312) 555-0142", "312-555-0142", "+1 312 555 0142", "3125550142")


def every_kind(to: str, channel: Channel = Channel.SMS, patient_id: str | None = None
               ) -> list:  # type: ignore[type-arg]
    return [
        row(to=to, kind=kind, channel=channel, patient_id=patient_id,
            template_key=None, body="A short note from the clinic.")
        for kind in MessageKind
    ]


async def test_after_stop_no_kind_of_message_is_sent_until_the_entry_is_removed(
    db: Database, clock: MovableClock
) -> None:
    avery = patient("Avery", (ContactKind.SMS, MOBILE))
    await add_patients(db, avery)
    planned = every_kind(MOBILE, patient_id=avery.id)
    await add(db, planned)
    await add_dnc(db, opt_out(MOBILE))  # STOP arrives after the messages were planned
    sender = MemorySender()
    dispatcher = Dispatcher(db, {Channel.SMS: sender}, clock=clock)

    await dispatcher.drain()

    assert sender.sent == []
    stored = await outbox(db)
    for message in planned:
        state = stored[message.id]
        assert state.state is OutboxState.BLOCKED, message.kind
        assert state.reason is not None and state.reason.startswith("do_not_contact:")
        assert "Do Not Contact" in state.reason
    # START from the same number removes the patient's entry: new messages go again.
    async with db.transaction() as conn:
        await PatientRepository(conn).remove_dnc(ORG_ID, MOBILE, DncSource.PATIENT_OPT_OUT.value)
    again = every_kind(MOBILE, patient_id=avery.id)
    await add(db, again)
    await dispatcher.drain()
    assert sorted(m.idempotency_key for m in sender.sent) == sorted(m.id for m in again)


async def test_every_source_of_do_not_contact_blocks(db: Database, clock: MovableClock) -> None:
    sources = list(DncSource)
    addresses = [f"+1312555{150 + i:04d}" for i in range(len(sources))]
    await add_dnc(db, *(opt_out(a, source=s) for a, s in zip(addresses, sources, strict=True)))
    planned = [m for address in addresses for m in every_kind(address)]
    await add(db, planned)
    sender = MemorySender()
    await Dispatcher(db, {Channel.SMS: sender}, clock=clock).drain()
    assert sender.sent == []
    assert {s.state for s in (await outbox(db)).values()} == {OutboxState.BLOCKED}


async def test_an_entry_typed_in_another_spelling_still_blocks(
    db: Database, clock: MovableClock
) -> None:
    sender = MemorySender()
    dispatcher = Dispatcher(db, {Channel.SMS: sender}, clock=clock)
    await add_dnc(db, opt_out("(312) 555-0142", source=DncSource.STAFF))
    first = row(to=MOBILE)
    await add(db, [first])
    await dispatcher.drain()
    # A second oddly spelt entry added while the worker runs is seen at the next batch.
    await add_dnc(db, opt_out("312.555.0143", source=DncSource.STAFF))
    second = row(to="+13125550143")
    await add(db, [second])
    await dispatcher.drain()
    assert sender.sent == []
    stored = await outbox(db)
    assert stored[first.id].state is stored[second.id].state is OutboxState.BLOCKED


async def test_an_unsubscribed_email_gets_nothing(db: Database, clock: MovableClock) -> None:
    await add_dnc(db, opt_out("Avery.Hollis@Example.org", source=DncSource.STAFF))
    planned = every_kind("avery.hollis@example.org", Channel.EMAIL)
    await add(db, planned)
    sender = MemorySender(Channel.EMAIL)
    await Dispatcher(db, {Channel.EMAIL: sender}, clock=clock).drain()
    assert sender.sent == []
    assert {s.state for s in (await outbox(db)).values()} == {OutboxState.BLOCKED}


async def test_only_the_stop_confirmation_itself_reaches_an_opted_out_number(
    db: Database, clock: MovableClock
) -> None:
    await add_dnc(db, opt_out(MOBILE))
    confirmation = row(to=MOBILE, kind=MessageKind.TRANSACTIONAL,
                       context={"opt_out_confirmation": True},
                       body="You will get no more texts from this number. Reply START to undo.")
    reply = row(to=MOBILE, kind=MessageKind.TRANSACTIONAL, body="Anything else?")
    await add(db, [confirmation, reply])
    sender = MemorySender()
    await Dispatcher(db, {Channel.SMS: sender}, clock=clock).drain()
    assert [m.idempotency_key for m in sender.sent] == [confirmation.id]
    assert (await outbox(db))[reply.id].state is OutboxState.BLOCKED
    # The grace period ends: a late confirmation is blocked too.
    clock.advance(timedelta(hours=2))
    late = row(to=MOBILE, kind=MessageKind.TRANSACTIONAL, due_at=clock.now(),
               context={"opt_out_confirmation": True}, body="You are opted out.")
    await add(db, [late])
    await Dispatcher(db, {Channel.SMS: sender}, clock=clock).drain()
    assert (await outbox(db))[late.id].state is OutboxState.BLOCKED


@given(
    kind=st.sampled_from(list(MessageKind)),
    channel=st.sampled_from([Channel.SMS, Channel.VOICE, Channel.SIMULATOR]),
    spelling=st.sampled_from(SPELLINGS),
    entry_spelling=st.sampled_from(SPELLINGS),
    source=st.sampled_from(list(DncSource)),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 400),
    zone=st.sampled_from(["America/Chicago", "America/New_York", "Pacific/Honolulu",
                          "Europe/Lisbon", FALLBACK_ZONE]),
)
def test_a_listed_number_is_blocked_for_any_kind_time_zone_and_spelling(
    kind: MessageKind, channel: Channel, spelling: str, entry_spelling: str,
    source: DncSource, minutes: int, zone: str,
) -> None:
    org = organization()
    message = row(to=spelling, kind=kind, channel=channel)
    entry = opt_out(entry_spelling, source=source)
    facts = RowFacts(
        org=org, policy=delivery_policy(org), facility_zone=zone, dnc=(entry,),
        from_address=CLINIC_NUMBER,
    )
    verdict = decide(message, message.body or "", facts, T0 + timedelta(minutes=minutes))
    assert verdict.action is Action.BLOCK
    assert verdict.reason is not None and verdict.reason.startswith("do_not_contact:")


async def test_opt_outs_from_two_clinic_numbers_are_both_kept(
    db: Database, clock: MovableClock
) -> None:
    second_line = "+13125550177"
    await add_dnc(db, opt_out(MOBILE), replace(opt_out(MOBILE), careline_number=second_line))
    confirmation = row(to=MOBILE, kind=MessageKind.TRANSACTIONAL, from_address=second_line,
                       context={"opt_out_confirmation": True}, body="You are opted out.")
    other = row(to=MOBILE, kind=MessageKind.REMINDER, from_address=second_line)
    await add(db, [confirmation, other])
    sender = MemorySender()
    await Dispatcher(db, {Channel.SMS: sender}, clock=clock).drain()
    assert [m.idempotency_key for m in sender.sent] == [confirmation.id]
    # START to the first number lifts only that opt-out: the number is still listed.
    async with db.transaction() as conn:
        await PatientRepository(conn).remove_dnc(
            ORG_ID, MOBILE, DncSource.PATIENT_OPT_OUT.value, careline_number=CLINIC_NUMBER
        )
    later = row(to=MOBILE, kind=MessageKind.REMINDER)
    await add(db, [later])
    await Dispatcher(db, {Channel.SMS: sender}, clock=clock).drain()
    assert (await outbox(db))[later.id].state is OutboxState.BLOCKED
