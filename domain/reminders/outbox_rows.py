"""Planned reminders as outbox rows (pure: ids and times are passed in)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.model import MessageKind, OutboxMessage, new_id
from domain.reminders.model import PlannedMessage, PlanRequest, ReminderPlan

__all__ = ["outbox_messages", "reminder_context"]


def reminder_context(message: PlannedMessage) -> dict[str, Any]:
    """What the outbox row keeps for rendering: references only. The dispatcher loads the
    patient, appointment and resources fresh at send time (REM-62) and renders with them."""
    return {
        "appointment_id": message.appointment_id,
        "reminder": {
            "kind": message.kind.value,
            "slot": message.slot,
            "days_before": message.days_before,
        },
    }


def outbox_messages(
    plan: ReminderPlan,
    request: PlanRequest,
    *,
    created_at: datetime | None = None,
    ids: Callable[[], str] = new_id,
) -> list[OutboxMessage]:
    """The pending outbox rows of ``plan``'s planned messages (one per message)."""
    appointment, patient = request.appointment, request.patient
    created = created_at or request.now
    rows = []
    for message in plan.to_write:
        assert message.channel and message.address and message.due_at and message.dedupe_key
        rows.append(OutboxMessage(
            id=ids(), org_id=appointment.org_id, dedupe_key=message.dedupe_key,
            kind=MessageKind.REMINDER, channel=message.channel, to_address=message.address,
            due_at=message.due_at, created_at=created, patient_id=patient.id,
            appointment_id=appointment.id, facility_id=appointment.facility_id,
            template_key=message.template_key, language=patient.preferred_language,
            context=reminder_context(message),
        ))
    return rows
