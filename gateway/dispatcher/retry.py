"""Retry policy: what happens after a message fails (pure; no I/O).

Defaults (``MessagingSettings``, per organisation):

* **Same-number SMS retry** (REM-06): an SMS the carrier could not deliver is sent once more
  to the same number, 10 minutes later (``sms_retry_count = 1``,
  ``sms_retry_delay_minutes = 10``). Only SMS gets same-address retries, and only after a
  *delivery* failure -- not when the provider refused the message, and not for error codes
  that say the number cannot work (invalid, landline, unknown handset, carrier-blocked).
* **Omnichannel retry** (REM-40, off by default): once the message has finally failed on its
  channel, it goes to the patient's next contact method in the reminders' ``channel_order``
  (e.g. SMS -> email; a second mobile number comes before email, as SMS is first), 5 minutes
  later. Each (channel, address) is tried at most once.
* **Transient errors** (timeouts, 5xx, throttling): the same row is retried after 30 s,
  doubling up to 30 minutes, for at most ``transient_retry_limit = 5`` attempts; then it
  counts as a final failure (and may move on to the next channel).
* A recipient who opted out at the carrier (Twilio 21610) is never retried anywhere.

Every retry is a new outbox row (``retry_of`` -> the failed row, deterministic dedupe key),
so it goes through the delivery rules again at its own send time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.model import Channel, ContactKind, Patient
from domain.org_settings import OrgSettings

__all__ = [
    "NO_RETRY_CODES",
    "NO_SAME_ADDRESS_CODES",
    "Attempt",
    "Failure",
    "RetryPlan",
    "RetrySettings",
    "contact_options",
    "plan_retry",
    "retry_dedupe_key",
    "transient_delay",
]

NO_RETRY_CODES = frozenset({"21610"})
"""Provider error codes after which nothing is retried: the recipient unsubscribed at the
carrier (Twilio 21610)."""

NO_SAME_ADDRESS_CODES = frozenset(
    {"21211", "21612", "21614", "30004", "30005", "30006", "30007"}
)
"""Codes saying this address cannot receive the channel (invalid number, not mobile,
unroutable, blocked, unknown handset, landline, carrier filtering): no same-number retry."""

_MAX_BACKOFF = timedelta(minutes=30)


class Failure(StrEnum):
    """How a message failed."""

    UNDELIVERED = "undelivered"
    """Accepted by the provider, then not delivered (status callback or look-up)."""
    REFUSED = "refused"
    """The provider refused it for good when sending."""
    EXHAUSTED = "exhausted"
    """Transient errors used up the attempts."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """One (channel, address) a message went, or could go, to."""

    channel: Channel
    address: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RetrySettings:
    """The retry part of an organisation's settings (see the module notes for defaults)."""

    sms_retry_count: int = 1
    sms_retry_delay: timedelta = timedelta(minutes=10)
    omnichannel: bool = False
    omnichannel_delay: timedelta = timedelta(minutes=5)
    channel_order: tuple[Channel, ...] = (Channel.SMS, Channel.EMAIL, Channel.VOICE)
    transient_limit: int = 5
    transient_backoff: timedelta = timedelta(seconds=30)

    @classmethod
    def from_org(cls, settings: OrgSettings) -> RetrySettings:
        """The retry settings of an organisation."""
        m = settings.messaging
        return cls(
            sms_retry_count=m.sms_retry_count,
            sms_retry_delay=timedelta(minutes=m.sms_retry_delay_minutes),
            omnichannel=m.omnichannel_retry,
            omnichannel_delay=timedelta(minutes=m.omnichannel_retry_delay_minutes),
            channel_order=tuple(Channel(c) for c in settings.reminders.channel_order),
            transient_limit=m.transient_retry_limit,
            transient_backoff=timedelta(seconds=m.transient_backoff_seconds),
        )


@dataclass(frozen=True, slots=True)
class RetryPlan:
    """The next attempt: where, when, and a note for staff."""

    target: Attempt
    due_at: datetime
    note: str


def transient_delay(attempts: int, settings: RetrySettings) -> timedelta | None:
    """How long to wait after the ``attempts``-th attempt failed transiently.

    Returns:
        ``backoff * 2**(attempts-1)`` capped at 30 minutes, or ``None`` when the attempts are
        used up (the message has finally failed).
    """
    if attempts >= settings.transient_limit:
        return None
    exponent = max(attempts - 1, 0)
    delay: timedelta = settings.transient_backoff * (2 ** min(exponent, 16))
    return min(delay, _MAX_BACKOFF)


_KIND_CHANNEL = {
    ContactKind.SMS: Channel.SMS,
    ContactKind.VOICE: Channel.VOICE,
    ContactKind.EMAIL: Channel.EMAIL,
}


def contact_options(patient: Patient | None, order: Sequence[Channel]) -> list[Attempt]:
    """The patient's usable contact methods in ``order`` (preferred contact first within a
    channel); inactive and unreachable contacts are left out."""
    if patient is None:
        return []
    options: list[Attempt] = []
    for channel in order:
        for kind, mapped in _KIND_CHANNEL.items():
            if mapped is channel:
                options.extend(
                    Attempt(channel, c.value) for c in patient.contacts_of(kind) if c.reachable
                )
    return options


def plan_retry(
    chain: Sequence[Attempt],
    failure: Failure,
    error_code: str | None,
    options: Sequence[Attempt],
    settings: RetrySettings,
    now: datetime,
) -> RetryPlan | None:
    """Decide the next attempt after the last attempt of ``chain`` failed.

    Args:
        chain: every attempt of this message so far, oldest first; the last one failed.
        failure: how it failed.
        error_code: the provider's error code, if any.
        options: the patient's contact methods (:func:`contact_options`).
        settings: the organisation's retry settings.
        now: the current time.

    Returns:
        The next attempt, or ``None`` when the failure is final.
    """
    if not chain or error_code in NO_RETRY_CODES:
        return None
    last = chain[-1]
    if (
        failure is Failure.UNDELIVERED
        and last.channel is Channel.SMS
        and error_code not in NO_SAME_ADDRESS_CODES
        and chain.count(last) <= settings.sms_retry_count
    ):
        number = chain.count(last)
        return RetryPlan(
            last,
            now + settings.sms_retry_delay,
            f"SMS not delivered; retry {number} of {settings.sms_retry_count} to the same number",
        )
    if not settings.omnichannel:
        return None
    tried = set(chain)
    dead = last if error_code in NO_SAME_ADDRESS_CODES else None
    for option in options:
        if option in tried or option == dead:
            continue
        return RetryPlan(
            option,
            now + settings.omnichannel_delay,
            f"{last.channel.value} failed; trying {option.channel.value} instead",
        )
    return None


def retry_dedupe_key(original_key: str, number: int) -> str:
    """The dedupe key of the ``number``-th retry of a message: deterministic, so a callback
    handled twice cannot plan two retries, and at most 200 characters."""
    key = f"{original_key}~retry{number}"
    if len(key) <= 200:
        return key
    digest = hashlib.sha256(original_key.encode()).hexdigest()[:40]
    return f"{original_key[:140]}~{digest}~retry{number}"
