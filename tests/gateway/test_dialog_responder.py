"""The dialog responder on a real (SQLite) database: effects applied in the pipeline's
transaction, the Hub's routing rule, the Do Not Contact list, domain events, the EHR port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.envelope import Envelope
from dialogs.actions.backoffice import BackOffice
from dialogs.effects import SendMessage
from domain.clock import MovableClock
from domain.ehr import EhrStatusMapping, InboundStatus, RecordingEhr, StatusChange, StatusPush
from domain.errors import ValidationError
from domain.model import (
    AppointmentStatus,
    CancelSource,
    Channel,
    ConversationStatus,
    Message,
    MessageDirection,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    OutboxState,
    new_id,
)
from domain.org_settings import HubSettings, OrgSettings
from domain.storage import tables as t
from domain.storage import tables_hub as h
from domain.storage.database import Database
from domain.storage.repositories import (
    AppointmentRepository,
    ConversationRepository,
    OutboxRepository,
    PatientRepository,
)
from gateway.dialog_responder import (
    DIALOG_MANAGER,
    DialogResponder,
    apply_effects,
    load_context,
    setup_dialogs,
)
from gateway.inbound.keys import RESPONDER
from gateway.inbound.responder import InboundContext
from gateway.reminders import ReminderService
from tests.dialogs.clinic import NOW, PATIENT_PHONE, SMS_NUMBER, Clinic, events, prepare, seed


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'careline.db'}")
    await prepare(database)
    yield database
    await database.dispose()


async def receive(
    db: Database, clinic: Clinic, text: str, responder: DialogResponder, *,
    now: datetime = NOW, sender: str = PATIENT_PHONE,
) -> list[str]:
    """Store ``text`` from the patient and let the responder act, in one transaction, the
    way the inbound pipeline does."""
    async with db.transaction() as conn:
        conversations = ConversationRepository(conn)
        conversation, created = await conversations.get_or_create(
            org_id=clinic.org.id, channel=Channel.SMS, patient_address=sender,
            careline_address=SMS_NUMBER, patient_id=None, facility_id=None, at=now,
        )
        message = Message(
            id=new_id(), org_id=clinic.org.id, conversation_id=conversation.id,
            direction=MessageDirection.INBOUND, channel=Channel.SMS, body=text,
            status=MessageStatus.RECEIVED, created_at=now, provider_id=new_id(),
        )
        await conversations.add_message(message)
        patients = await PatientRepository(conn).find_by_address(clinic.org.id, sender)
        envelope = Envelope(channel=Channel.SMS, provider_message_id=message.provider_id or "",
                            from_address=sender, to_address=SMS_NUMBER, text=text,
                            received_at=now)
        inbound = InboundContext(org=clinic.org, conversation=conversation, message=message,
                                 envelope=envelope, patients=tuple(patients),
                                 conversation_created=created, now=now)
        return await responder.respond(conn, inbound)


async def appointment_of(db: Database, clinic: Clinic) -> tuple[object, ...]:
    async with db.read() as conn:
        row = (await conn.execute(sa.select(t.appointments).where(
            t.appointments.c.id == clinic.appointment.id))).mappings().one()
    return row["status"], row["confirmation"], row["no_show_fee_notice"], row["needs_follow_up"]


async def conversation_of(db: Database, clinic: Clinic) -> tuple[object, ...]:
    async with db.read() as conn:
        conversation = await ConversationRepository(conn).get(clinic.conversation.id)
        in_hub = (await conn.execute(sa.select(h.hub_chats.c.conversation_id).where(
            h.hub_chats.c.conversation_id == conversation.id))).first() is not None
    return conversation.status, conversation.unread, conversation.assignee_id, in_hub


async def test_confirm_is_applied_with_its_event_answer_and_ehr_push(db: Database) -> None:
    clinic = await seed(db)
    ehr = RecordingEhr(EhrStatusMapping(push_confirmed="CONF"))
    answers = await receive(db, clinic, "C", DialogResponder(ehr=ehr))

    assert len(answers) == 1 and "is confirmed" in answers[0]
    assert await appointment_of(db, clinic) == ("booked", "confirmed", False, None)
    assert [e["kind"] for e in await events(db)] == ["appointment.confirmed"]
    assert [(p.change, p.value) for p in ehr.pushes] == [(StatusChange.CONFIRMED, "CONF")]
    async with db.read() as conn:
        conversations = ConversationRepository(conn)
        (prompt,) = await conversations.open_prompts(clinic.conversation.id, NOW)
        stored = await conversations.messages(clinic.conversation.id)
    assert prompt.state == "confirmed"
    assert [(m.direction, m.body, m.template_key) for m in stored[-2:]] == [
        (MessageDirection.INBOUND, "C", None),
        (MessageDirection.OUTBOUND, answers[0], "reminder.confirmed"),
    ]
    status, unread, _, in_hub = await conversation_of(db, clinic)
    assert (status, unread, in_hub) == (ConversationStatus.OPEN, False, False), (
        "an expected reply is not staff work")


async def test_cancel_is_a_no_show_with_fee_notice_and_waitlist_invitation(db: Database) -> None:
    clinic = await seed(db)
    async with db.transaction() as conn:
        await OutboxRepository(conn).add(OutboxMessage(
            id=new_id(), org_id=clinic.org.id, dedupe_key="reminder:final",
            kind=MessageKind.REMINDER, channel=Channel.SMS, to_address=PATIENT_PHONE,
            due_at=NOW + timedelta(days=1), created_at=NOW, template_key="reminder",
            appointment_id=clinic.appointment.id))
    ehr = RecordingEhr(EhrStatusMapping(push_noshow="NS"))
    (answer,) = await receive(db, clinic, "2", DialogResponder(ehr=ehr))

    assert "cancellation fee may apply" in answer
    assert await appointment_of(db, clinic) == ("noshow", "unconfirmed", True, None)
    kinds = [e["kind"] for e in await events(db)]
    assert kinds == ["appointment.cancelled", "waitlist.invite"]
    (invite,) = await events(db, "waitlist.invite")
    assert invite["payload"]["appointment_id"] == clinic.appointment.id
    assert [(p.change, p.value) for p in ehr.pushes] == [(StatusChange.NOSHOW, "NS")]
    async with db.read() as conn:
        (row,) = await OutboxRepository(conn).for_appointment(clinic.appointment.id)
    assert row.state is OutboxState.CANCELLED, "no more reminders for a cancelled visit"


async def test_a_question_goes_to_the_hub_unassigned_with_no_answer(db: Database) -> None:
    clinic = await seed(db)
    assert await receive(db, clinic, "What time?", DialogResponder()) == []
    assert await conversation_of(db, clinic) == (ConversationStatus.OPEN, True, None, True)
    assert await appointment_of(db, clinic) == ("booked", "unconfirmed", False, None)
    assert "chat.unexpected_message" in [e["kind"] for e in await events(db)]


async def _close(db: Database, clinic: Clinic) -> None:
    async with db.transaction() as conn:
        conversations = ConversationRepository(conn)
        conversation = await conversations.get(clinic.conversation.id)
        await conversations.save(replace(conversation, status=ConversationStatus.CLOSED,
                                         closed_at=NOW - timedelta(hours=1), unread=False,
                                         assignee_id=None))


@pytest.mark.parametrize(("text", "reopens"), [
    ("C", False),  # expected: answers the reminder
    ("ok thanks", False),  # unexpected but shorter than 15 characters (HUB-20)
    ("Can I bring my daughter along?", True),
])
async def test_a_closed_chat_reopens_only_on_a_long_unexpected_reply(
    db: Database, text: str, reopens: bool
) -> None:
    clinic = await seed(db)
    await _close(db, clinic)
    await receive(db, clinic, text, DialogResponder())
    status, _, assignee, _ = await conversation_of(db, clinic)
    assert status is (ConversationStatus.OPEN if reopens else ConversationStatus.CLOSED)
    assert assignee is None


async def test_a_reschedule_request_reopens_a_closed_chat_with_a_note(db: Database) -> None:
    clinic = await seed(db)
    await _close(db, clinic)
    (answer,) = await receive(db, clinic, "R", DialogResponder())
    assert "contact you" in answer
    assert (await conversation_of(db, clinic))[0] is ConversationStatus.OPEN
    async with db.read() as conn:
        (note,) = await ConversationRepository(conn).notes(clinic.conversation.id)
    assert note.author_id == "careline" and "reschedule" in note.body
    assert [e["kind"] for e in await events(db, "reschedule.requested")] == [
        "reschedule.requested"]


async def test_stop_start_and_the_do_not_contact_list(db: Database) -> None:
    clinic = await seed(db)
    responder = DialogResponder()
    assert len(await receive(db, clinic, "STOP", responder)) == 1
    assert await receive(db, clinic, "STOP", responder) == [], "exactly one confirmation"
    async with db.read() as conn:
        (entry,) = await PatientRepository(conn).dnc_entries(clinic.org.id, [PATIENT_PHONE])
    assert (entry.source.value, entry.careline_number) == ("patient_opt_out", SMS_NUMBER)
    assert await appointment_of(db, clinic) == ("booked", "unconfirmed", False, None)

    assert len(await receive(db, clinic, "START", responder)) == 1
    async with db.read() as conn:
        assert await PatientRepository(conn).dnc_entries(clinic.org.id, [PATIENT_PHONE]) == []
    assert [e["kind"] for e in await events(db) if e["kind"].startswith("contact.")] == [
        "contact.opted_out", "contact.opted_in"]


async def test_a_bare_cancel_opts_out_and_flags_the_appointment(db: Database) -> None:
    clinic = await seed(db)
    (answer,) = await receive(db, clinic, "CANCEL", DialogResponder())
    assert "unsubscribed" in answer
    status, confirmation, _, flag = await appointment_of(db, clinic)
    assert (status, confirmation) == ("booked", "unconfirmed")
    assert isinstance(flag, str) and "CANCEL" in flag
    assert (await conversation_of(db, clinic))[3], "staff see it in the Hub"


async def test_leave_waitlist_runs_the_dialog_action_in_process(db: Database) -> None:
    clinic = await seed(db)
    (answer,) = await receive(db, clinic, "LEAVEWAITLIST", DialogResponder())
    assert "waitlist" in answer
    (event,) = await events(db, "waitlist.leave_requested")
    assert event["payload"] == {"patient_id": clinic.patient.id}


async def test_arrival_marks_the_appointment_arrived(db: Database) -> None:
    clinic = await seed(db, start=NOW + timedelta(minutes=20))
    ehr = RecordingEhr()
    (answer,) = await receive(db, clinic, "I'm here", DialogResponder(ehr=ehr))
    assert "you're here" in answer
    assert (await appointment_of(db, clinic))[0] == "arrived"
    assert [p.change for p in ehr.pushes] == [StatusChange.ARRIVED]


class BrokenEhr(RecordingEhr):
    async def push_status(self, push: StatusPush) -> None:
        raise ConnectionError("EHR down")


async def test_an_ehr_failure_never_undoes_the_patients_answer(db: Database) -> None:
    clinic = await seed(db)
    await receive(db, clinic, "C", DialogResponder(ehr=BrokenEhr()))
    assert (await appointment_of(db, clinic))[1] == "confirmed"
    (failure,) = await events(db, "ehr.push_failed")
    assert failure["payload"]["change"] == "confirmed"


async def test_a_new_patient_initiated_chat_gets_the_auto_reply_once(db: Database) -> None:
    organization_settings = OrgSettings(hub=HubSettings(auto_reply="Thanks! We'll reply soon."))
    clinic = await seed(db, reminder=False)
    async with db.transaction() as conn:
        await conn.execute(t.organizations.update().where(t.organizations.c.id == clinic.org.id)
                           .values(settings=organization_settings.to_dict()))
    clinic.org = replace(clinic.org, settings=organization_settings)
    stranger = "+12125550188"
    responder = DialogResponder()
    assert await receive(db, clinic, "Hi, are you open Saturday?", responder,
                         sender=stranger) == ["Thanks! We'll reply soon."]
    assert await receive(db, clinic, "Hello?", responder, sender=stranger) == []


async def test_expired_prompts_time_out(db: Database) -> None:
    clinic = await seed(db)
    responder = DialogResponder()
    async with db.transaction() as conn:
        assert await responder.expire_prompts(conn, clinic.appointment.end + timedelta(1)) == 1
    async with db.read() as conn:
        (prompt,) = await ConversationRepository(conn).prompts_for(
            appointment_id=clinic.appointment.id)
    assert (prompt.state, prompt.closed_at is not None) == ("expired", True)


async def test_a_confirmation_after_staff_cancelled_goes_to_staff(db: Database) -> None:
    clinic = await seed(db)
    async with db.transaction() as conn:
        repo = AppointmentRepository(conn)
        await repo.save(clinic.appointment.cancel(NOW, CancelSource.STAFF))
    (answer,) = await receive(db, clinic, "C", DialogResponder())
    assert "was cancelled" in answer
    assert (await appointment_of(db, clinic))[0] == AppointmentStatus.CANCELLED.value
    assert (await conversation_of(db, clinic))[3]


def test_setup_dialogs_plugs_the_responder_in() -> None:
    app = web.Application()
    setup_dialogs(app)
    assert isinstance(app[RESPONDER], DialogResponder)
    assert app[RESPONDER].manager is app[DIALOG_MANAGER]  # type: ignore[attr-defined]
    assert "reminder" in app[DIALOG_MANAGER].flows


# -- the EHR status mapping (REM-68..77) -------------------------------------------------------


def test_ehr_codes_are_read_exactly() -> None:
    mapping = EhrStatusMapping.from_dict({
        "confirmed_codes": ["CONF", "C1"], "cancelled_codes": ["CANC"],
        "noshow_codes": ["NS"], "deleted_codes": ["DEL"], "unconfirmed_codes": ["UNC"],
        "arrived_codes": ["ARR"], "custom": {"CHK": "arrived"},
    })
    assert mapping.read("CONF") is InboundStatus.CONFIRMED
    assert mapping.read(" C1 ") is InboundStatus.CONFIRMED
    assert mapping.read("conf") is None, "codes are exact values"
    assert mapping.read("DEL") is InboundStatus.DELETED
    assert mapping.read("CHK") is InboundStatus.ARRIVED
    assert mapping.read("OTHER") is None


@pytest.mark.parametrize("data", [
    {"confirmed_codes": ["CONF (confirmed by phone)"]},
    {"confirmed_codes": ["X"], "cancelled_codes": ["X"]},
    {"custom": {"Y": "maybe"}},
    {"colour": "red"},
    {"push_cancelled": ""},
])
def test_bad_ehr_mappings_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        EhrStatusMapping.from_dict(data)


def test_push_values_follow_the_configuration() -> None:
    mapping = EhrStatusMapping(push_confirmed="Y", push_cancelled="X", push_noshow="N",
                               push_arrived="A")
    assert [mapping.push_value(c) for c in StatusChange] == ["Y", "X", "N", "A"]
    quiet = replace(mapping, push_confirmations=False)
    assert quiet.push_value(StatusChange.CONFIRMED) is None
    assert quiet.push_value(StatusChange.CANCELLED) == "X"


async def test_a_message_that_does_not_go_inline_is_an_outbox_row_written_once(
    db: Database,
) -> None:
    clinic = await seed(db)
    effect = SendMessage(to_address="quinn@example.org", body="Your visit summary is ready.",
                         channel=Channel.EMAIL, dedupe_key=f"summary:{clinic.appointment.id}",
                         appointment_id=clinic.appointment.id)
    responder = DialogResponder()
    for _ in range(2):
        async with db.transaction() as conn:
            conversation = await ConversationRepository(conn).get(clinic.conversation.id)
            message = Message(id=new_id(), org_id=clinic.org.id, conversation_id=conversation.id,
                              direction=MessageDirection.INBOUND, channel=Channel.SMS,
                              body="thanks", status=MessageStatus.RECEIVED, created_at=NOW)
            await ConversationRepository(conn).add_message(message)
            inbound = InboundContext(
                org=clinic.org, conversation=conversation, message=message,
                envelope=Envelope(channel=Channel.SMS, provider_message_id=message.id,
                                  from_address=PATIENT_PHONE, to_address=SMS_NUMBER,
                                  text="thanks", received_at=NOW),
                patients=(clinic.patient,), conversation_created=False, now=NOW)
            ctx = await load_context(conn, inbound)
            office = BackOffice(conn, hub=responder.hub)
            assert await apply_effects(office, ctx, inbound, (effect,)) == []
    async with db.read() as conn:
        rows = await OutboxRepository(conn).for_appointment(clinic.appointment.id)
    assert [(r.channel, r.to_address, r.body, r.state) for r in rows] == [
        (Channel.EMAIL, "quinn@example.org", "Your visit summary is ready.", OutboxState.PENDING)]


# -- replies re-plan the appointment's reminders (REM-23, REM-24) ------------------------------


async def _planned_responder(db: Database) -> tuple[Clinic, DialogResponder]:
    """A clinic whose appointment (10 days ahead) has its reminders planned, and a responder
    wired to the reminders part the way ``setup_reminders`` wires it."""
    clinic = await seed(db, start=NOW + timedelta(days=10))
    service = ReminderService(db, MovableClock(NOW, frozen=True))
    await service.created(clinic.appointment.id)

    async def replan_after_reply(conn: AsyncConnection, appointment_id: str, now: datetime,
                                 reason: str) -> object:
        return await service.replan_in(conn, appointment_id, now=now, reason=reason)

    return clinic, DialogResponder(replan_reminders=replan_after_reply)


async def _reminders(db: Database, clinic: Clinic) -> dict[str, tuple[OutboxState, str | None]]:
    async with db.read() as conn:
        rows = await OutboxRepository(conn).for_appointment(clinic.appointment.id)
    return {(r.context.get("reminder") or {}).get("slot", r.dedupe_key): (r.state, r.reason)
            for r in rows if r.kind is MessageKind.REMINDER}


async def test_a_confirmation_skips_every_reminder_but_the_final_one(db: Database) -> None:
    clinic, responder = await _planned_responder(db)
    before = await _reminders(db, clinic)
    assert {state for state, _ in before.values()} == {OutboxState.PENDING}
    assert len(before) == 3

    (answer,) = await receive(db, clinic, "C", responder)

    assert "is confirmed" in answer
    after = await _reminders(db, clinic)
    final = min(after, key=lambda slot: int(slot[1:]))  # the fewest days before: the final one
    assert after[final] == (OutboxState.PENDING, None)
    assert {slot: after[slot] for slot in after if slot != final} == {
        slot: (OutboxState.CANCELLED, "patient confirmed") for slot in after if slot != final}


async def test_a_cancellation_leaves_no_reminder_and_keeps_the_answer(db: Database) -> None:
    clinic, responder = await _planned_responder(db)

    answers = await receive(db, clinic, "X", responder)

    assert answers, "the patient still gets the answer to their cancellation"
    assert (await appointment_of(db, clinic))[0] in ("cancelled", "noshow")
    after = await _reminders(db, clinic)
    assert len(after) == 3
    assert set(after.values()) == {(OutboxState.CANCELLED, "appointment cancelled")}
    # Asking again changes nothing: the re-plan of a cancelled visit writes no new rows.
    await receive(db, clinic, "X", responder)
    assert await _reminders(db, clinic) == after


async def test_only_replies_that_change_an_appointment_replan(db: Database) -> None:
    clinic = await seed(db)
    calls: list[tuple[str, str]] = []

    async def record(conn: AsyncConnection, appointment_id: str, now: datetime,
                     reason: str) -> object:
        calls.append((appointment_id, reason))
        return None

    responder = DialogResponder(replan_reminders=record)
    await receive(db, clinic, "Is there parking near the clinic?", responder)
    assert calls == []
    await receive(db, clinic, "C", responder)
    assert calls == [(clinic.appointment.id, "patient confirmed")]
