"""The bot's own messages (BOT-07): the session's messages ("Are you still there?", the timeout
notice...), the default "please try again" of each answer kind, and which system messages
staff may reword. Our own words; placeholders in braces."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from dialogs.bot.checks import placeholders
from dialogs.bot.definition import BUILT_IN_FIELDS, FlowDefinition
from domain.errors import ValidationError

__all__ = [
    "DEFAULT_RETRY",
    "SESSION_TEXTS",
    "EditableText",
    "check_override",
    "editable_texts",
    "render",
]

SESSION_TEXTS: Mapping[str, str] = MappingProxyType({
    "session.still_there": (
        "Are you still there? This chat will close in a few minutes if we don't hear from you."
    ),
    "session.still_there.options.1": "Yes, I'm here",
    "session.still_there.options.2": "End the chat",
    "session.resumed": "Great, let's carry on.",
    "session.timed_out": (
        "We didn't hear back, so this chat has ended. Your conversation has been saved for our "
        "team. You can start a new chat any time."
    ),
    "welcome.menu.options.staff": "Talk to our team",
    "welcome.menu.retry": (
        "I can help with the options below. Choose one, or pick \"Talk to our team\" to write "
        "to a person."
    ),
})
"""Messages of the session itself and of the Welcome menu, by key."""

DEFAULT_RETRY: Mapping[str, str] = MappingProxyType({
    "text": "Please type your answer.",
    "optional_text": "Please type your answer, or \"skip\".",
    "full_name": "Please type your first and last name.",
    "date_of_birth": "Please type your date of birth like 03/14/1985.",
    "phone": "Please type a phone number, including the area code.",
    "email": "Please type an email address, like name@example.com.",
    "contact": "Please type a phone number or an email address.",
    "choice": "Please choose one of the options.",
    "slot": "Please choose one of the times by its number.",
    "code": "Please type the code from the message we sent you.",
})
"""What the bot says when it did not understand an answer, by answer kind."""

_MAX_TEXT = 1000
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_MAX_LABEL = 60


@dataclass(frozen=True, slots=True)
class EditableText:
    """A message staff may reword: its key, Careline's default, and the placeholders it may
    use."""

    key: str
    default: str
    label: bool = False
    """An option's label (short, no placeholders)."""


def editable_texts(system: Mapping[str, FlowDefinition]) -> list[EditableText]:
    """Every reworkable message: the session's, then each system flow's texts and labels."""
    found = [
        EditableText(key, text, label=".options." in key) for key, text in SESSION_TEXTS.items()
    ]
    for flow in system.values():
        for step in flow.steps.values():
            if step.text:
                found.append(EditableText(f"{flow.key}.{step.id}", step.text))
            if step.retry:
                found.append(EditableText(f"{flow.key}.{step.id}.retry", step.retry))
            found += [
                EditableText(f"{flow.key}.{step.id}.options.{index}", option.label, label=True)
                for index, option in enumerate(step.options, start=1)
            ]
    return found


def check_override(item: EditableText, text: str) -> str:
    """``text`` as a replacement of ``item``, trimmed.

    Raises:
        ValidationError: empty, too long, a label with braces, or a placeholder the original
            message cannot fill.
    """
    text = text.strip()
    limit = _MAX_LABEL if item.label else _MAX_TEXT
    if not text:
        raise ValidationError(item.key, "must not be empty")
    if len(text) > limit:
        raise ValidationError(item.key, f"is longer than {limit} characters")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise ValidationError(item.key, "contains control characters")
    names, ok = placeholders(text)
    if not ok or (item.label and names):
        raise ValidationError(item.key, "braces are only for placeholders such as {first_name}")
    allowed = set(placeholders(item.default)[0]) | BUILT_IN_FIELDS
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise ValidationError(item.key, f"unknown placeholder {{{unknown[0]}}}")
    return text


def render(text: str, values: Mapping[str, object]) -> str:
    """``text`` with its placeholders filled in (an unknown one becomes empty and the
    punctuation around it is tidied: "Thank you, {first_name}." → "Thank you.")."""
    names, ok = placeholders(text)
    if not names or not ok:
        return text
    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return "" if value is None else str(value)

    # One pass: a value that itself looks like a placeholder is left as typed.
    result = _PLACEHOLDER.sub(fill, text)
    if any(values.get(n) in (None, "") for n in names):
        result = _tidy(result)
    return result


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+([,.!?;:])", r"\1", text)
    text = re.sub(r",([.!?])", r"\1", text)
    text = re.sub(r"\(\s*\)", "", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()
