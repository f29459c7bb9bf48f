"""Appointment reminders: the cadence planner, catch-ups, multi-appointment days, timeline.

Start with :func:`plan_reminders`; :func:`timeline` merges a plan with the outbox rows
already written for the appointment.
"""

from domain.reminders.model import (
    REMINDER_TEMPLATE,
    PlanKind,
    PlannedMessage,
    PlanRequest,
    PlanStatus,
    Practice,
    ReminderPlan,
    RuleNote,
)
from domain.reminders.multi_day import appointments_list_in_day, first_of_day, same_day_group
from domain.reminders.outbox_rows import outbox_messages, reminder_context
from domain.reminders.planner import dedupe_key, plan_reminders
from domain.reminders.time_rules import reminder_policy, reminder_rules
from domain.reminders.timeline import TimelineEntry, timeline, timeline_json

__all__ = [
    "REMINDER_TEMPLATE",
    "PlanKind",
    "PlanRequest",
    "PlanStatus",
    "PlannedMessage",
    "Practice",
    "ReminderPlan",
    "RuleNote",
    "TimelineEntry",
    "appointments_list_in_day",
    "dedupe_key",
    "first_of_day",
    "outbox_messages",
    "plan_reminders",
    "reminder_context",
    "reminder_policy",
    "reminder_rules",
    "same_day_group",
    "timeline",
    "timeline_json",
]
