"""The values the bot engine works with: the session's state, what it knows about the
organisation, and what one turn produces. JSON-safe where stored."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from dialogs.bot.catalog import WELCOME
from dialogs.bot.session import SessionStatus

__all__ = ["ActionCall", "ActionResult", "BotContext", "BotMessage", "BotState", "Turn"]


@dataclass(frozen=True, slots=True)
class BotState:
    """Where a visitor's chat with the bot is.

    Attributes:
        status: the session's status (bot, checking, staff, closed).
        flow: the flow running (``welcome`` first).
        step: the step of ``flow`` the bot waits at (an ask step), or the action step whose
            result it waits for within a turn.
        data: the visitor's answers (and the bot's own notes, with names starting with _).
        verified: the visitor passed the one-time code check (BOT-10: 5 more minutes).
        patient_id: the patient the visitor was identified as (by name and date of birth).
        handed_over: the chat is in the Hub for staff.
        identify_attempts: how often the visitor was looked up by name and date of birth in
            this session (the gateway stops looking after a few, so that nobody can probe who
            is a patient).
    """

    status: SessionStatus = SessionStatus.BOT
    flow: str = WELCOME
    step: str = "menu"
    data: Mapping[str, Any] = field(default_factory=dict)
    verified: bool = False
    patient_id: str | None = None
    handed_over: bool = False
    identify_attempts: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value, "flow": self.flow, "step": self.step,
            "data": dict(self.data), "verified": self.verified, "patient_id": self.patient_id,
            "handed_over": self.handed_over, "identify_attempts": self.identify_attempts,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> BotState:
        """The state stored as ``raw``; unknown or broken values fall back to a new session."""
        try:
            status = SessionStatus(raw.get("status", "bot"))
        except ValueError:
            status = SessionStatus.BOT
        data = raw.get("data")
        patient_id = raw.get("patient_id")
        return cls(
            status=status,
            flow=str(raw.get("flow") or WELCOME),
            step=str(raw.get("step") or "menu"),
            data=dict(data) if isinstance(data, dict) else {},
            verified=bool(raw.get("verified", False)),
            patient_id=patient_id if isinstance(patient_id, str) else None,
            handed_over=bool(raw.get("handed_over", False)),
            identify_attempts=_count(raw.get("identify_attempts")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class BotContext:
    """What the engine knows about the organisation and the moment.

    Attributes:
        bot_name, org_name, welcome_prompt: from the organisation and its bot settings.
        today: the visitor's date (dates of birth cannot be later).
        region: the organisation's country, for phone numbers typed without a country code.
    """

    bot_name: str
    org_name: str
    welcome_prompt: str
    today: date
    region: str = "US"

    def values(self) -> dict[str, str]:
        return {"bot_name": self.bot_name, "org_name": self.org_name,
                "welcome_prompt": self.welcome_prompt}


@dataclass(frozen=True, slots=True)
class BotMessage:
    """A message of the bot; ``options`` are the choices it offers (buttons in the widget)."""

    text: str
    options: tuple[str, ...] = ()

    def wire_text(self) -> str:
        """The message as one text: the options follow as numbered lines ("1. Book"), which
        the widget turns into buttons and any reader (the Hub, a transcript) can follow."""
        if not self.options:
            return self.text
        lines = "\n".join(f"{index}. {label}" for index, label in enumerate(self.options, 1))
        return f"{self.text}\n\n{lines}" if self.text else lines


@dataclass(frozen=True, slots=True)
class ActionCall:
    """A back-office action the engine needs before it can go on.

    Attributes:
        name: the action (``definition.ACTIONS``).
        params: its parameters, texts already filled in.
        flow, step: the action step waiting for the result.
    """

    name: str
    params: Mapping[str, Any]
    flow: str
    step: str


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What an action reported.

    Attributes:
        outcome: one of the action's outcomes.
        values: answers to save (``contact_hint``, ``slot``, ``appointment``, ``_slots``...).
        patient_id: the patient found (``identify``).
    """

    outcome: str
    values: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    patient_id: str | None = None


@dataclass(frozen=True, slots=True)
class Turn:
    """The outcome of one event.

    Attributes:
        state: the new state.
        messages: what the bot says, in order.
        action: an action to run and report with ``handle_result`` (the turn is not over).
        events: what happened, for the gateway: ``to_staff`` (the message is for staff),
            ``restarted``, ``verified``, ``handed_over``, ``closed``, ``timed_out``.
    """

    state: BotState
    messages: tuple[BotMessage, ...] = ()
    action: ActionCall | None = None
    events: tuple[str, ...] = ()


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
