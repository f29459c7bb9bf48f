"""Reminder settings (REM rows). Defaults are the product's; every one is configurable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Literal

from domain.errors import ValidationError

__all__ = ["ReminderSettings", "ReplySettings"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReminderSettings:
    enabled: bool = True
    cadence_days: tuple[int, ...] = (7, 5, 2)
    """Days before the appointment (REM-01, REM-42)."""
    send_time: time = time(10, 0)
    """Local time of day cadence reminders go out (facility zone)."""
    forced_time: bool = False
    """Reminders always at ``send_time``; with ``catch_up_when_forced`` off, no catch-ups
    (REM-43)."""
    catch_up: bool = True
    catch_up_when_forced: bool = True
    catch_up_times: tuple[time, ...] = (time(9, 0), time(18, 0))
    """REM-42, REM-61."""
    catch_up_in_schedulable_window: bool = False
    """REM-61: use the template's schedulable window instead of dropping the catch-up."""
    final_after_confirmation: bool = True
    """REM-05, REM-23: the final reminder still goes to patients who confirmed."""
    skip_after_confirmation: Literal["all_but_final", "all"] = "all_but_final"
    send_on_holidays: bool = False
    """REM-11: by default a reminder due on a holiday moves earlier, else is skipped."""
    sunday_to_saturday: bool = False
    """REM-52: a Sunday reminder goes on the preceding Saturday at the same time."""
    late_booking: Literal["skip", "send_now"] = "skip"
    """REM-53: appointment booked less than ``late_booking_hours`` ahead."""
    late_booking_hours: int = 24
    voice_after_unanswered_sms: bool = False
    """REM-60."""
    multi_appointment_day: Literal["first", "each"] = "first"
    """REM-20, REM-22."""
    list_only_reminder_enabled: bool = False
    """REM-04, REM-55: ``appointmentsListInDay`` lists only appointments whose facility,
    provider and type all have reminders enabled."""
    all_contacts_of_method: bool = False
    """REM-58: send to every contact of the preferred method, not just the first."""
    channel_order: tuple[Literal["sms", "voice", "email"], ...] = ("sms", "email", "voice")
    template_key: str = "appointment_reminder"
    """The template reminders render (its schedulable windows apply, REM-12)."""

    def __post_init__(self) -> None:
        if not self.cadence_days:
            raise ValidationError("cadence_days", "needs at least one day")
        for index, day in enumerate(self.cadence_days):
            if not 0 <= day <= 60:
                raise ValidationError(f"cadence_days[{index}]", "must be between 0 and 60 days")
        if len(set(self.cadence_days)) != len(self.cadence_days):
            raise ValidationError("cadence_days", "has the same day twice")
        if not 1 <= self.late_booking_hours <= 168:
            raise ValidationError("late_booking_hours", "must be between 1 and 168")
        if not self.channel_order:
            raise ValidationError("channel_order", "needs at least one channel")
        if not self.catch_up_times:
            raise ValidationError("catch_up_times", "needs at least one time of day")
        if not self.template_key.strip():
            raise ValidationError("template_key", "is required")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplySettings:
    """How patients may answer reminders and what their answers do."""

    mode: Literal["confirm_cancel", "confirm_only", "none"] = "confirm_cancel"
    """REM-02, REM-59."""
    strict_yes_no: bool = False
    """REM-57."""
    confirm_after_cancel: bool = False
    """REM-26."""
    cancel_after_confirm: bool = True
    """REM-27."""
    cancel_after_start: bool = True
    """REM-63 (option): set False to refuse cancelling once the appointment has started."""
    confirm_past: bool = False
    """REM-50."""
    apply_to_whole_day: bool = False
    """REM-21, REM-54."""
    whole_day_includes_hidden: bool = False
    """REM-66."""
    no_show_policy: Literal["always", "within_window", "never"] = "always"
    """REM-07: by default every patient cancellation counts as a no-show, with the fee notice."""
    no_show_window_hours: int = 24
    ask_which_message: bool = False
    """REM-64: ask the patient which message they answer when several are open."""
    bare_cancel: Literal["opt_out_and_flag", "opt_out"] = "opt_out_and_flag"
    """A bare CANCEL is a carrier opt-out word: the number is opted out; with
    ``opt_out_and_flag`` the patient's next appointment is flagged for staff follow-up."""
    unknown_reply_auto_answer: str = ""
    """Optional automatic answer to a reply Careline cannot understand (empty: none)."""

    def __post_init__(self) -> None:
        if not 1 <= self.no_show_window_hours <= 24 * 14:
            raise ValidationError("no_show_window_hours", "must be between 1 and 336")
