"""Reply understanding: a fast, deterministic, multilingual intent classifier.

``classify(text, context=..., options=..., strict_yes_no=..., language_hint=...)`` tells what a
patient's reply to a reminder, a waitlist offer, a list of options, a feedback request or an
open chat asks for, or says ``unknown`` so that staff read it. Keyword tables per language live
in ``languages/``; carrier opt-out words are always ``stop``.
"""

from dialogs.understanding.classifier import classify
from dialogs.understanding.intents import Classification, Context, Intent
from dialogs.understanding.normalise import normalise

__all__ = ["Classification", "Context", "Intent", "classify", "normalise"]
