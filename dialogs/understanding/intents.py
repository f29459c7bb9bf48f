"""What a classified reply means: intents, the prompt contexts a reply answers, the result."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Classification", "Context", "Intent"]


class Intent(StrEnum):
    """What the patient asked for. ``UNKNOWN`` means: do not act, let staff read it."""

    CONFIRM = "confirm"
    CANCEL = "cancel"
    RESCHEDULE = "reschedule"
    STOP = "stop"
    START = "start"
    HELP = "help"
    LEAVE_WAITLIST = "leave_waitlist"
    ARRIVED = "arrived"
    OPTION = "option"
    UNKNOWN = "unknown"


class Context(StrEnum):
    """The open prompt the reply answers; it decides what short answers like "1" or "yes" mean."""

    REMINDER = "reminder"
    WAITLIST_OFFER = "waitlist_offer"
    RESCHEDULE_OPTIONS = "reschedule_options"
    OPEN_CHAT = "open_chat"
    IDENTITY = "identity"
    FEEDBACK = "feedback"


@dataclass(frozen=True, slots=True)
class Classification:
    """The understanding of one reply.

    Attributes:
        intent: what the reply asks for; ``Intent.UNKNOWN`` when it is not clear.
        language: ISO 639 code of the language whose words matched (``"hmn"`` for Hmong, which
            has no two-letter code), or None when no table matched or several did equally.
        confidence: 0..1; 1.0 for carrier keywords and exact choices, 0.0 for unknown.
        option: the number chosen when ``intent`` is ``Intent.OPTION``, else None.
    """

    intent: Intent
    language: str | None = None
    confidence: float = 0.0
    option: int | None = None
