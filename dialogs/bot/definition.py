"""A chat-bot flow as data: the steps of a declarative definition (BOT-05, BOT-06).

A flow is a set of named steps. Each step does one thing:

- ``say``: show a message, then go on to ``next`` at once;
- ``ask``: show a question and wait for the visitor's answer (``expect`` says what kind of
  answer; ``options`` offers choices, each with its own ``next``);
- ``action``: do something in the back office (``identify``, ``send_code``, ``book``...) and go
  on according to its outcome (``on``).

``next`` names another step of the flow or one of the system targets (``@welcome``, ``@end``,
``@feedback``, ``@staff``, ``@wait_for_staff``, ``@close``). Texts may use ``{placeholders}``
naming saved answers or the built-in values of :data:`BUILT_IN_FIELDS`.

Pure values; parsing and validation live in ``dialogs/bot/loader.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

__all__ = [
    "ACTIONS",
    "BUILT_IN_FIELDS",
    "SYSTEM_TARGETS",
    "ActionSpec",
    "Expect",
    "FlowDefinition",
    "Option",
    "Step",
    "StepKind",
    "Target",
]


class StepKind(StrEnum):
    SAY = "say"
    ASK = "ask"
    ACTION = "action"


class Expect(StrEnum):
    """What an ``ask`` step accepts as an answer."""

    TEXT = "text"
    """Any text up to 1000 characters."""
    OPTIONAL_TEXT = "optional_text"
    """Any text, or "skip"/"no" for nothing."""
    FULL_NAME = "full_name"
    """A first and last name (also saves ``first_name`` and ``last_name``)."""
    DATE_OF_BIRTH = "date_of_birth"
    """A past date (saved as YYYY-MM-DD)."""
    PHONE = "phone"
    """A phone number (saved as E.164)."""
    EMAIL = "email"
    CONTACT = "contact"
    """A phone number or an email address."""
    CHOICE = "choice"
    """One of the step's ``options``, by number or by its words."""
    CODE = "code"
    """A one-time code of 4 to 8 digits."""
    SLOT = "slot"
    """One of the open slots the ``find_slots`` action found."""


class Target(StrEnum):
    """Where a flow may go besides its own steps."""

    WELCOME = "@welcome"
    """Back to the Welcome menu."""
    END = "@end"
    """The End conversation flow: start again, or finish (then Feedback)."""
    FEEDBACK = "@feedback"
    STAFF = "@staff"
    """The Connect with staff flow (a contact form that opens a Hub chat)."""
    WAIT_FOR_STAFF = "@wait_for_staff"
    """The bot stops; staff answer from the Hub (the chat is handed over if it was not)."""
    CLOSE = "@close"
    """The session ends and the chat is saved in the Hub."""


SYSTEM_TARGETS = frozenset(t.value for t in Target)


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """A back-office action a flow may call.

    Attributes:
        outcomes: every outcome the action may report; a step must say where each one goes.
        params: parameters the step may give, with their kind (``int`` or ``text``).
        required: parameters the step must give.
        needs: saved answers the action reads (some earlier step must save them).
        summary: one line for the docs and the flow editor.
    """

    outcomes: tuple[str, ...]
    params: Mapping[str, str] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    needs: tuple[str, ...] = ()
    summary: str = ""


ACTIONS: Mapping[str, ActionSpec] = MappingProxyType({
    "identify": ActionSpec(
        outcomes=("found", "not_found"),
        needs=("full_name", "date_of_birth"),
        summary="Look the visitor up by name and date of birth.",
    ),
    "send_code": ActionSpec(
        outcomes=("sent", "no_contact"),
        summary="Send a one-time code to the contact on file of the patient found.",
    ),
    "check_code": ActionSpec(
        outcomes=("verified", "wrong", "failed"),
        needs=("code",),
        summary="Check the code the visitor typed (wrong: try again; failed: no tries left).",
    ),
    "find_slots": ActionSpec(
        outcomes=("found", "none"),
        params={"days": "int", "limit": "int", "appointment_type": "text"},
        summary="Find upcoming open appointment slots (the visitor chooses with expect: slot).",
    ),
    "book": ActionSpec(
        outcomes=("booked", "taken", "failed"),
        summary="Book the chosen slot for the verified patient.",
    ),
    "hand_over": ActionSpec(
        outcomes=("done",),
        params={"summary": "text"},
        required=frozenset({"summary"}),
        summary="Open a chat in the Hub's Unassigned queue with a summary for staff.",
    ),
    "save_feedback": ActionSpec(
        outcomes=("done",),
        summary="Store the visitor's rating and comment.",
    ),
})
"""Every action a flow may call, by name."""

BUILT_IN_FIELDS = frozenset({
    "bot_name",
    "org_name",
    "welcome_prompt",
    "first_name",
    "last_name",
    "contact_hint",
    "slot",
    "appointment",
    "attempts_left",
})
"""Placeholders every text may use besides the flow's saved answers."""


@dataclass(frozen=True, slots=True)
class Option:
    """A choice of an ``ask`` step: shown as ``label``, saved as ``value`` (default: label)."""

    label: str
    next: str
    value: str = ""

    @property
    def saved(self) -> str:
        return self.value or self.label


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a flow; ``line`` is where it starts in the source (1-based)."""

    id: str
    kind: StepKind
    text: str = ""
    next: str = ""
    expect: Expect | None = None
    save: str = ""
    options: tuple[Option, ...] = ()
    retry: str = ""
    """What to say when an answer is not understood (a sensible default otherwise)."""
    action: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    on: Mapping[str, str] = field(default_factory=dict)
    line: int = 0
    marks: Mapping[str, tuple[int, int]] = field(default_factory=dict, compare=False)
    """Source positions (line, column) of the step's parts: ``text``, ``next``, ``retry``,
    ``options[2].next``, ``on.found``, ``with.summary``."""

    def mark(self, part: str) -> tuple[int, int]:
        """Where ``part`` is in the source; the step's own line when unknown."""
        return self.marks.get(part, (self.line, 1))

    @property
    def waits(self) -> bool:
        """True when the step waits for the visitor."""
        return self.kind is StepKind.ASK

    def targets(self) -> tuple[str, ...]:
        """Every step or system target this step may go to, in order, without repeats."""
        found = [self.next] if self.next else []
        found += [o.next for o in self.options]
        found += list(self.on.values())
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class FlowDefinition:
    """A validated flow.

    Attributes:
        key: its stable name (``ask_a_nurse``); stored as the bot session's flow.
        title: what the Welcome menu shows.
        start: the first step.
        steps: the steps by id, in source order.
        description: one sentence for staff.
        system: a system flow (its structure cannot be edited, only its messages).
    """

    key: str
    title: str
    start: str
    steps: Mapping[str, Step]
    description: str = ""
    system: bool = False

    def step(self, step_id: str) -> Step:
        """The step ``step_id``; raises KeyError for an unknown one."""
        return self.steps[step_id]

    @property
    def states(self) -> tuple[str, ...]:
        """The flow's declared states: its steps, then the targets outside it that it uses."""
        exits = [t for s in self.steps.values() for t in s.targets() if t not in self.steps]
        return (*self.steps, *dict.fromkeys(exits))

    @property
    def saved_fields(self) -> frozenset[str]:
        """Names of the answers the flow's steps save."""
        names: set[str] = set()
        for step in self.steps.values():
            if step.save:
                names.add(step.save)
            if step.expect is Expect.FULL_NAME:
                names.update(("first_name", "last_name"))
        return frozenset(names)
