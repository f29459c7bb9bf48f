"""The life of a bot session, a ``transitions`` machine of its own (BOT-10, BOT-14):

- ``bot``: a flow is running; after ``inactivity_minutes`` without a word from the visitor
  (plus ``verified_extra_minutes`` once they passed the code check) the bot asks "Are you
  still there?" (``idle`` → ``checking``);
- ``checking``: any answer carries on (``resume`` → ``bot``); silence for
  ``timeout_after_prompt_minutes`` ends the session (``timeout`` → ``closed``);
- ``staff``: the chat was handed over; staff answer from the Hub and no timer runs;
- ``closed``: the session ended (feedback given, or timed out) and the chat is saved in the
  Hub; a new message starts again at Welcome (``restart``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from transitions import Machine
from transitions.core import MachineError

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

from domain.org_settings import BotSettings

__all__ = ["SESSION_EVENTS", "SessionStatus", "move", "next_check_at"]


class SessionStatus(StrEnum):
    BOT = "bot"
    CHECKING = "checking"
    STAFF = "staff"
    CLOSED = "closed"


S = SessionStatus

_TRANSITIONS: list[TransitionConfigDict] = [
    {"trigger": "idle", "source": S.BOT, "dest": S.CHECKING},
    {"trigger": "resume", "source": S.CHECKING, "dest": S.BOT},
    {"trigger": "timeout", "source": S.CHECKING, "dest": S.CLOSED},
    {"trigger": "hand_over", "source": [S.BOT, S.CHECKING], "dest": S.STAFF},
    {"trigger": "close", "source": [S.BOT, S.CHECKING], "dest": S.CLOSED},
    {"trigger": "restart", "source": [S.CLOSED, S.STAFF], "dest": S.BOT},
]
SESSION_EVENTS = tuple(dict.fromkeys(str(t["trigger"]) for t in _TRANSITIONS))

_machine: Machine | None = None


class _Model:
    state: SessionStatus


def _session_machine() -> Machine:
    global _machine
    if _machine is None:
        _machine = Machine(model=None, states=SessionStatus, initial=S.BOT,
                           transitions=_TRANSITIONS, auto_transitions=False,
                           ignore_invalid_triggers=False, name="bot_session")
    return _machine


def move(status: SessionStatus, event: str) -> SessionStatus:
    """The status ``event`` leads to.

    Raises:
        ValueError: the event is not allowed in ``status``.
    """
    machine = _session_machine()
    model = _Model()
    machine.add_model(model, initial=status)
    try:
        model.trigger(event)  # type: ignore[attr-defined]
    except (MachineError, AttributeError) as exc:
        raise ValueError(f"a {status.value} session cannot {event}") from exc
    finally:
        machine.remove_model(model)
    return SessionStatus(model.state)


def next_check_at(status: SessionStatus, *, last_activity: datetime,
                  prompted_at: datetime | None, verified: bool,
                  settings: BotSettings) -> datetime | None:
    """When the session's timer fires next: the inactivity check of a running flow, the
    timeout of an unanswered "Are you still there?", or never (staff, closed)."""
    if status is S.BOT:
        minutes = settings.inactivity_minutes
        if verified:
            minutes += settings.verified_extra_minutes
        return last_activity + timedelta(minutes=minutes)
    if status is S.CHECKING:
        start = prompted_at or last_activity
        return start + timedelta(minutes=settings.timeout_after_prompt_minutes)
    return None
