"""The reschedule conversation as a state machine (RSC-01..RSC-04, RSC-07, RSC-11).

::

    requested --offer [options]--> options_sent --book--> booked
        |--offer [none]--> no_options      |--fail--> failed
        |--send_link--> link_sent          |--keep--> kept
        |--refuse--> unavailable           |--expire--> expired
                                           |--gone [restarts left, options]--> options_sent
                                           |--gone [otherwise]--> gave_up

``gone`` is the chosen time being taken by someone else: the patient gets fresh options, at
most ``max_restarts`` times (RSC-02), then is told nothing matches and their appointment stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING

from transitions import EventData, Machine

from domain.errors import Conflict

if TYPE_CHECKING:  # the TypedDict exists only in the package's stubs
    from transitions.core import TransitionConfigDict

__all__ = ["TRANSITIONS", "SessionState", "SessionStep", "advance_session"]


class SessionState(Enum):
    REQUESTED = "requested"
    OPTIONS_SENT = "options_sent"
    BOOKED = "booked"
    FAILED = "failed"
    NO_OPTIONS = "no_options"
    GAVE_UP = "gave_up"
    KEPT = "kept"
    EXPIRED = "expired"
    LINK_SENT = "link_sent"
    UNAVAILABLE = "unavailable"

    @property
    def final(self) -> bool:
        return self not in (SessionState.REQUESTED, SessionState.OPTIONS_SENT)


R = SessionState

TRANSITIONS: tuple[TransitionConfigDict, ...] = (
    {"trigger": "offer", "source": R.REQUESTED, "dest": R.OPTIONS_SENT,
     "conditions": "has_options"},
    {"trigger": "offer", "source": R.REQUESTED, "dest": R.NO_OPTIONS},
    {"trigger": "send_link", "source": R.REQUESTED, "dest": R.LINK_SENT},
    {"trigger": "refuse", "source": R.REQUESTED, "dest": R.UNAVAILABLE},
    {"trigger": "book", "source": R.OPTIONS_SENT, "dest": R.BOOKED},
    {"trigger": "fail", "source": R.OPTIONS_SENT, "dest": R.FAILED},
    {"trigger": "keep", "source": R.OPTIONS_SENT, "dest": R.KEPT},
    {"trigger": "expire", "source": R.OPTIONS_SENT, "dest": R.EXPIRED},
    {"trigger": "gone", "source": R.OPTIONS_SENT, "dest": R.OPTIONS_SENT,
     "conditions": ["may_restart", "has_options"], "before": "count_restart"},
    {"trigger": "gone", "source": R.OPTIONS_SENT, "dest": R.GAVE_UP},
)


class _Session:
    state: SessionState

    def __init__(self, restarts: int, max_restarts: int, has_options: bool) -> None:
        self.restarts = restarts
        self.max_restarts = max_restarts
        self.options = has_options

    def has_options(self, event: EventData) -> bool:
        return self.options

    def may_restart(self, event: EventData) -> bool:
        return self.restarts < self.max_restarts

    def count_restart(self, event: EventData) -> None:
        self.restarts += 1


@lru_cache(maxsize=1)
def _machine() -> Machine:
    return Machine(
        model=None, states=SessionState, initial=R.REQUESTED, transitions=list(TRANSITIONS),
        auto_transitions=False, send_event=True, ignore_invalid_triggers=False,
        name="reschedule_session",
    )


@dataclass(frozen=True, slots=True)
class SessionStep:
    state: SessionState
    restarts: int


def advance_session(
    state: SessionState, event: str, *, restarts: int = 0, max_restarts: int = 3,
    has_options: bool = False,
) -> SessionStep:
    """The session's state and restart count after ``event``.

    Args:
        state: the current state.
        event: ``offer``, ``send_link``, ``refuse``, ``book``, ``fail``, ``keep``,
            ``expire`` or ``gone``.
        restarts: restarts so far.
        max_restarts: the organisation's limit (RSC-02).
        has_options: fresh options were found (for ``offer`` and ``gone``).

    Raises:
        Conflict: ``event`` is not possible in ``state`` (e.g. booking a finished session).
    """
    model = _Session(restarts, max_restarts, has_options)
    machine = _machine()
    machine.add_model(model, initial=state)
    try:
        if event not in machine.get_triggers(state.name):
            raise Conflict(f"a reschedule that is {state.value} cannot {event}")
        model.trigger(event)  # type: ignore[attr-defined]
    finally:
        machine.remove_model(model)
    return SessionStep(SessionState(model.state), model.restarts)
