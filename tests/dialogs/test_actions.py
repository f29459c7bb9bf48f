"""Dialog actions run in-process on a real database: the same rules as text replies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from dialogs.actions import (
    ActionBookSlot,
    ActionCancelAppointment,
    ActionConfirmAppointment,
    ActionFindOpenSlots,
    ActionHandOverToStaff,
    BackOffice,
    CarelineAction,
    in_process,
    run_in_process,
)
from dialogs.actions.server import ACTION_TYPES, build_actions, build_executor
from domain.clock import MovableClock
from domain.ehr import RecordingEhr, StatusChange
from domain.storage.database import Database
from tests.dialogs.clinic import NOW, clinic_org, events, prepare, seed


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'careline.db'}")
    await prepare(database)
    yield database
    await database.dispose()


async def run(db: Database, kind: type[CarelineAction], slots: dict[str, Any], *,
              now: Any = NOW, ehr: RecordingEhr | None = None) -> Any:
    async with db.transaction() as conn:
        office = BackOffice(conn, ehr=ehr or RecordingEhr())
        action = kind(in_process(office), clock=MovableClock(now, frozen=True))
        return await run_in_process(action, slots=slots, sender_id="assistant-1")


async def test_confirm_pushes_to_the_ehr(db: Database) -> None:
    clinic = await seed(db)
    ehr = RecordingEhr()
    result = await run(db, ActionConfirmAppointment, {"appointment_id": clinic.appointment.id},
                       ehr=ehr)
    assert result.slot("appointment_confirmed") is True
    assert [p.change for p in ehr.pushes] == [StatusChange.CONFIRMED]


async def test_cancel_after_start_is_refused_when_the_option_is_off(db: Database) -> None:
    clinic = await seed(db, organization=clinic_org(cancel_after_start=False))
    later = clinic.appointment.start + timedelta(minutes=5)
    result = await run(db, ActionCancelAppointment, {"appointment_id": clinic.appointment.id},
                       now=later)
    assert (result.slot("action_error"), result.slot("refusal")) == ("not_allowed",
                                                                     "after_start")
    assert "(312) 555-0142" in result.messages[0]["text"]
    assert await events(db, "appointment.cancelled") == []


async def test_cancel_outside_the_no_show_window_is_a_plain_cancellation(db: Database) -> None:
    organization = clinic_org(no_show_policy="within_window", no_show_window_hours=2)
    clinic = await seed(db, organization=organization)
    result = await run(db, ActionCancelAppointment, {"appointment_id": clinic.appointment.id})
    assert result.slot("appointment_status") == "cancelled"
    assert result.slot("cancellation_fee_notice") is False


async def test_open_slots_then_a_taken_slot(db: Database) -> None:
    clinic = await seed(db)
    found = await run(db, ActionFindOpenSlots, {"patient_id": clinic.patient.id})
    assert len(found.slot("open_slots")) == 2
    slot_id = found.slot("open_slots")[1]["slot_id"]
    booked = await run(db, ActionBookSlot, {"slot_id": slot_id, "patient_id": clinic.patient.id})
    assert booked.slot("appointment_status") == "booked"
    again = await run(db, ActionBookSlot, {"slot_id": slot_id, "patient_id": clinic.patient.id})
    assert again.slot("action_error") == "slot_taken"
    left = await run(db, ActionFindOpenSlots, {"patient_id": clinic.patient.id})
    assert [s["slot_id"] for s in left.slot("open_slots")] != [slot_id]
    assert slot_id not in [s["slot_id"] for s in left.slot("open_slots")]


async def test_hand_over_of_an_unknown_conversation_is_not_found(db: Database) -> None:
    await seed(db)
    result = await run(db, ActionHandOverToStaff, {})
    assert result.slot("action_error") == "not_found"


def test_the_executor_registers_every_action_by_name() -> None:
    executor = build_executor(build_actions(in_process(None)))  # type: ignore[arg-type]
    assert sorted(executor.actions) == sorted(kind.action_name for kind in ACTION_TYPES)
    assert all(kind.action_name.startswith("action_") for kind in ACTION_TYPES)
