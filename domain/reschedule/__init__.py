"""Self-reschedule by text (RSC rows): option selection, switches and the session machine.
Pure, no I/O."""

from domain.reschedule.options import matches, select_options
from domain.reschedule.session import SessionState, SessionStep, advance_session
from domain.reschedule.switches import reschedule_allowed

__all__ = [
    "SessionState",
    "SessionStep",
    "advance_session",
    "matches",
    "reschedule_allowed",
    "select_options",
]
