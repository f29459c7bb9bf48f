"""The core flows. Each module declares its states, its transition table and a pure step.

Prompt flows own open prompts (the dialog manager routes replies to them); keyword flows
(compliance, arrival without a prompt, leave waitlist) act on what a reply says, whatever is
open.
"""

from __future__ import annotations

from typing import Any

from dialogs.flows import arrival, compliance, leave_waitlist, reminder, which_message
from dialogs.flows.arrival import arrival_prompt
from dialogs.flows.base import FlowSpec, PromptFlow, Reading, Step, Trigger
from dialogs.flows.reminder import reminder_prompt

__all__ = [
    "ALL_SPECS",
    "CORE_PROMPT_FLOWS",
    "FlowSpec",
    "PromptFlow",
    "Reading",
    "Step",
    "Trigger",
    "arrival_prompt",
    "reminder_prompt",
]

CORE_PROMPT_FLOWS: dict[str, PromptFlow] = {
    reminder.SPEC.name: reminder.FLOW,
    arrival.SPEC.name: arrival.FLOW,
    which_message.SPEC.name: which_message.FLOW,
}
"""The prompt flows this package ships, by ``Prompt.flow``."""

ALL_SPECS: tuple[FlowSpec[Any], ...] = (
    compliance.SPEC,
    reminder.SPEC,
    arrival.SPEC,
    leave_waitlist.SPEC,
    which_message.SPEC,
)
"""Every flow of this package, in the order the docs show them."""
