"""Hub, patient-initiated texting, chat bot and message-identity settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from domain.errors import ValidationError

__all__ = ["BotSettings", "HubSettings", "MessagingSettings"]


@dataclass(frozen=True, slots=True, kw_only=True)
class HubSettings:
    reopen_min_chars: int = 15
    """HUB-20: an unexpected reply this long reopens a closed chat."""
    require_facility: bool = True
    """HUB-19: staff messages must be sent from a facility unless turned off."""
    ownership: Literal["assignment", "last_sender"] = "assignment"
    """HUB-23."""
    identity_verification: bool = False
    """PIT-04."""
    auto_reply: str = ""
    """Sent once to a patient-initiated chat (empty: no automatic answer)."""
    secure_link_expiry_hours: int = 72
    attachment_max_bytes: int = 10 * 1024 * 1024
    attachment_types: tuple[str, ...] = ("application/pdf", "image/png", "image/jpeg")

    def __post_init__(self) -> None:
        if not 1 <= self.reopen_min_chars <= 1000:
            raise ValidationError("reopen_min_chars", "must be between 1 and 1000")
        if not 0 < self.attachment_max_bytes <= 50 * 1024 * 1024:
            raise ValidationError("attachment_max_bytes", "must be between 1 byte and 50 MiB")


@dataclass(frozen=True, slots=True, kw_only=True)
class BotSettings:
    """The website chat bot (BOT-01..04, BOT-10, BOT-14)."""

    name: str = "Careline Assistant"
    avatar_url: str = ""
    primary_color: str = "#0b6e4f"
    accent_color: str = "#f4f7f6"
    welcome_prompt: str = "Hi! How can we help you today?"
    inactivity_minutes: int = 10
    verified_extra_minutes: int = 5
    timeout_after_prompt_minutes: int = 5

    def __post_init__(self) -> None:
        for name in ("primary_color", "accent_color"):
            value = getattr(self, name)
            if not (len(value) == 7 and value.startswith("#") and _is_hex(value[1:])):
                raise ValidationError(name, "must be a colour such as '#0b6e4f'")
        if not 1 <= self.inactivity_minutes <= 120:
            raise ValidationError("inactivity_minutes", "must be between 1 and 120")
        if self.avatar_url and not self.avatar_url.startswith(("https://", "/")):
            raise ValidationError("avatar_url", "must be an https:// or site-relative URL")


def _is_hex(text: str) -> bool:
    return all(ch in "0123456789abcdefABCDEF" for ch in text)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagingSettings:
    """Who the messages come from."""

    sms_number: str = ""
    """The number patients text (PIT-03); empty uses the simulator's demo number."""
    email_from: str = "care@careline.invalid"
    email_sender_name: str = "Careline"
    sms_rate_per_second: float = 1.0
    """Messages per second per sending number (a 10DLC long code is about 1); voice calls
    from the number share the budget."""
    sms_rate_burst: int = 1
    """How many messages a sending number may send back to back before the rate applies."""
    sms_retry_count: int = 1
    """REM-06: further attempts to the same number after an SMS was not delivered (0: none)."""
    sms_retry_delay_minutes: int = 10
    """REM-06: how long after the delivery failure the same-number retry goes."""
    omnichannel_retry: bool = False
    """REM-40: when a message finally fails, try the patient's next contact method (in the
    reminders' ``channel_order``), e.g. SMS undeliverable -> email."""
    omnichannel_retry_delay_minutes: int = 5
    transient_retry_limit: int = 5
    """Attempts (provider timeouts, 5xx, rate limiting) before a message counts as failed."""
    transient_backoff_seconds: int = 30
    """Wait after the first transient error; it doubles with each attempt, up to 30 minutes."""

    def __post_init__(self) -> None:
        if not 0 < self.sms_rate_per_second <= 1000:
            raise ValidationError("sms_rate_per_second", "must be above 0 and at most 1000")
        if not 1 <= self.sms_rate_burst <= 1000:
            raise ValidationError("sms_rate_burst", "must be between 1 and 1000")
        if not 0 <= self.sms_retry_count <= 3:
            raise ValidationError("sms_retry_count", "must be between 0 and 3")
        for name in ("sms_retry_delay_minutes", "omnichannel_retry_delay_minutes"):
            if not 0 <= getattr(self, name) <= 24 * 60:
                raise ValidationError(name, "must be between 0 and 1440 minutes")
        if not 1 <= self.transient_retry_limit <= 20:
            raise ValidationError("transient_retry_limit", "must be between 1 and 20")
        if not 1 <= self.transient_backoff_seconds <= 3600:
            raise ValidationError("transient_backoff_seconds", "must be between 1 and 3600")
