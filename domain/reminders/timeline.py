"""The reminder timeline of one appointment: the plan merged with the outbox rows.

Every message shows: planned (future), sending, sent, failed, blocked, cancelled, unknown
(outbox states), or missed / skipped / blocked by the planner -- each with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.model import Appointment, OutboxMessage, OutboxState
from domain.reminders.model import PlannedMessage, PlanStatus, ReminderPlan, RuleNote
from domain.rules.send_window import describe_local

__all__ = ["TimelineEntry", "timeline", "timeline_json"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineEntry:
    at: datetime | None
    slot: str
    kind: str
    status: str
    channel: str | None
    address: str | None
    template_key: str | None
    reason: str
    notes: tuple[RuleNote, ...] = ()
    outbox_id: str | None = None
    sent_at: datetime | None = None


def _from_plan(message: PlannedMessage, row: OutboxMessage | None) -> TimelineEntry:
    status, reason = message.status.value, message.reason
    if row is not None and row.state is not OutboxState.PENDING:
        status = "sending" if row.state is OutboxState.CLAIMED else row.state.value
        reason = row.reason or reason
    elif row is None and message.status is PlanStatus.DUE:
        status, reason = "not_written", "its time passed before it was written to the outbox"
    elif row is not None and message.status is PlanStatus.DUE:
        status = "sending"
    return TimelineEntry(
        at=row.due_at if row is not None else message.due_at or message.original_at,
        slot=message.slot, kind=message.kind.value, status=status,
        channel=message.channel.value if message.channel else None, address=message.address,
        template_key=message.template_key, reason=reason, notes=message.notes,
        outbox_id=row.id if row is not None else None,
        sent_at=row.sent_at if row is not None else None,
    )


def _from_row(row: OutboxMessage) -> TimelineEntry:
    info = row.context.get("reminder") if isinstance(row.context, dict) else None
    info = info if isinstance(info, dict) else {}
    state = "sending" if row.state is OutboxState.CLAIMED else row.state.value
    return TimelineEntry(
        at=row.due_at, slot=str(info.get("slot", "message")),
        kind=str(info.get("kind", row.kind.value)), status=state, channel=row.channel.value,
        address=row.to_address, template_key=row.template_key,
        reason=row.reason or ("replaced by a newer plan" if state == "cancelled" else ""),
        outbox_id=row.id, sent_at=row.sent_at,
    )


def timeline(plan: ReminderPlan, rows: Iterable[OutboxMessage]) -> list[TimelineEntry]:
    """Plan and outbox rows merged: a planned message shows its row's state when the row has
    moved on (sent, failed...); rows the current plan no longer has (an earlier time before a
    move, a staff "send now") are listed too. Ordered by time."""
    by_key = {row.dedupe_key: row for row in rows}
    entries = []
    for message in plan.messages:
        row = by_key.pop(message.dedupe_key, None) if message.dedupe_key else None
        entries.append(_from_plan(message, row))
    entries.extend(_from_row(row) for row in by_key.values())
    entries.sort(key=lambda e: (e.at is None, e.at or datetime.max, e.slot))
    return entries


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def timeline_json(
    appointment: Appointment, zone: str, entries: Iterable[TimelineEntry]
) -> dict[str, Any]:
    """The timeline as JSON (API and ``careline preview-reminders``)."""
    tz = ZoneInfo(zone)
    return {
        "appointment_id": appointment.id,
        "zone": zone,
        "start": _iso(appointment.start.astimezone(ZoneInfo("UTC"))),
        "start_local": describe_local(appointment.start, tz),
        "entries": [
            {
                "at": _iso(entry.at.astimezone(ZoneInfo("UTC")) if entry.at else None),
                "local": describe_local(entry.at, tz) if entry.at else None,
                "slot": entry.slot,
                "kind": entry.kind,
                "status": entry.status,
                "channel": entry.channel,
                "address": entry.address,
                "template": entry.template_key,
                "reason": entry.reason,
                "rules": [
                    {"rule": n.rule, "action": n.action, "reason": n.reason} for n in entry.notes
                ],
                "outbox_id": entry.outbox_id,
                "sent_at": _iso(entry.sent_at),
            }
            for entry in entries
        ],
    }
