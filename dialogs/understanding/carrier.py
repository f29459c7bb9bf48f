"""Carrier keywords: the words SMS carriers and Twilio reserve for opting out, in and for help.

These hold in every context and never come from fuzzy matching. A bare ``CANCEL`` is an opt-out
here (carrier rule); "cancel my appointment" is not.
"""

from __future__ import annotations

__all__ = [
    "HELP_KEYWORDS",
    "OPT_OUT_KEYWORDS",
    "POLITE_WORDS",
    "START_KEYWORDS",
    "STOP_EXTENDABLE",
]

OPT_OUT_KEYWORDS: tuple[str, ...] = (
    "stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit", "revoke", "optout",
    "opt out", "opt-out",
)  # fmt: skip
"""Replies that opt out when they are the whole reply (any case, any punctuation)."""

STOP_EXTENDABLE: frozenset[str] = frozenset(
    {"stop", "stopall", "unsubscribe", "optout", "opt out", "revoke"}
)
"""Opt-out keywords that still opt out with polite words around them ("stop please")."""

POLITE_WORDS: frozenset[str] = frozenset(
    {
        "please", "pls", "plz", "now", "right", "thanks", "thank", "you", "thankyou", "thx",
        "ty", "it", "all", "me", "messages", "messaging", "texts", "texting", "sms",
        "immediately", "asap", "already",
    }
)  # fmt: skip
"""Words that may surround an extendable opt-out keyword without changing what it means."""

START_KEYWORDS: tuple[str, ...] = ("start", "unstop", "subscribe", "resubscribe")
"""Replies that opt back in when they are the whole reply."""

HELP_KEYWORDS: tuple[str, ...] = ("help", "info")
"""Replies that ask for the help text when they are the whole reply."""
