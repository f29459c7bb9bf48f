"""The timeline merges the plan with the outbox: staff see what was sent, what will be, and
why the rest will not."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from domain.model import OutboxState
from domain.reminders import outbox_messages, plan_reminders, timeline, timeline_json
from tests.domain.reminders.builders import appointment, local, request

START = local("America/Chicago", 2026, 3, 10, 9, 30)


def test_sent_rows_show_as_sent_and_old_rows_after_a_move_stay_visible() -> None:
    req = request(appointment(START))
    plan = plan_reminders(req)
    rows = outbox_messages(plan, req)
    sent = replace(rows[0], state=OutboxState.SENT, sent_at=rows[0].due_at)
    moved_req = request(appointment(START + timedelta(days=1)), now=rows[0].due_at
                        + timedelta(hours=1))
    moved_plan = plan_reminders(moved_req)
    cancelled = [replace(r, state=OutboxState.CANCELLED, reason="appointment moved")
                 for r in rows[1:]]
    entries = timeline(moved_plan, [sent, *cancelled])
    statuses = [(e.slot, e.status) for e in entries]
    assert ("c7", "sent") in statuses
    assert statuses.count(("c5", "cancelled")) == 1
    assert [e.status for e in entries if e.outbox_id is None and e.status == "planned"]
    document = timeline_json(moved_req.appointment, plan.zone, entries)
    assert document["zone"] == "America/Chicago"
    assert all(e["at"] is None or e["at"].endswith("Z") for e in document["entries"])


def test_a_planned_row_still_pending_shows_as_planned_with_its_id() -> None:
    req = request(appointment(START))
    plan = plan_reminders(req)
    rows = outbox_messages(plan, req)
    entries = timeline(plan, rows)
    assert {e.status for e in entries} == {"planned"}
    assert {e.outbox_id for e in entries} == {r.id for r in rows}
