"""What the delivery rules read: the organisation's policy and the facts of one message.

These are small frozen dataclasses of their own, so the rules stay independent of the domain
model; the dispatcher and the reminder planner build them from the model. Every constructor
validates and raises :class:`domain.errors.ValidationError` naming the bad field. Addresses
are normalised on the way in (E.164 phone numbers, lower-cased emails).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from domain.errors import ValidationError
from domain.rules._addresses import normalize_address

__all__ = [
    "Candidate",
    "Channel",
    "ContactStatus",
    "DeliveryPolicy",
    "DncEntry",
    "DncSource",
    "HolidayCalendar",
    "MessageKind",
    "PriorMessage",
    "QuietHours",
    "TemplateWindow",
    "TimeWindow",
    "normalize_address",
]

_E = TypeVar("_E", bound=StrEnum)


class Channel(StrEnum):
    """A contact method (REM-28)."""

    SMS = "sms"
    VOICE = "voice"
    EMAIL = "email"


class MessageKind(StrEnum):
    """Why the message is sent; decides which time rules apply (see ``send_window``)."""

    REMINDER = "reminder"
    BROADCAST = "broadcast"
    CUSTOM = "custom"
    """A custom action's message (CUS-06 delivery rules)."""
    STAFF = "staff"
    """A message staff start from the Hub (not a reply inside an open conversation)."""
    WAITLIST = "waitlist"
    TRANSACTIONAL = "transactional"
    """A reply inside a conversation the patient just wrote in, or an opt-out confirmation."""


class ContactStatus(StrEnum):
    """What the carrier lookup or bounce handling learnt about the address."""

    OK = "ok"
    INVALID = "invalid"
    """The address does not work at all (unassigned number, hard-bounced email)."""
    LANDLINE = "landline"
    """The number works for calls but cannot receive SMS."""


class DncSource(StrEnum):
    """Who put an address on the Do Not Contact list (REM-36, REM-39)."""

    PATIENT_OPT_OUT = "patient_opt_out"
    STAFF = "staff"
    EHR = "ehr"


def _enum(kind: type[_E], name: str, value: object) -> _E:
    try:
        return kind(str(value))
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise ValidationError(name, f"{value!r} is not one of {allowed}") from None


def _aware(name: str, value: datetime | None) -> None:
    if value is not None and (not isinstance(value, datetime) or value.utcoffset() is None):
        raise ValidationError(name, "must be a date and time with a time zone")


def _zone(name: str, value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(name, f"unknown time zone {value!r}") from None


def _addresses(name: str, values: Iterable[str]) -> frozenset[str]:
    return frozenset(
        normalize_address(value, field=f"{name}[{index}]")
        for index, value in enumerate(sorted(values))
    )


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Local wall-clock hours ``[start, end)`` within one day; ``end == time(0)`` is midnight."""

    start: time
    end: time

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValidationError(name, "must be a local time of day without a zone")
        if self.end != time(0) and self.end <= self.start:
            raise ValidationError("end", "must be after start (use 00:00 for midnight)")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local hours ``[start, end)`` in which nothing is sent (REM-10); may wrap past midnight,
    e.g. ``QuietHours(time(20), time(9))``."""

    start: time
    end: time

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValidationError(name, "must be a local time of day without a zone")
        if self.start == self.end:
            raise ValidationError("end", "must differ from start")


@dataclass(frozen=True, slots=True)
class TemplateWindow:
    """A schedulable window of one template (REM-12): on ``weekdays`` (Monday = 0) between
    ``hours``. A template with several windows may be sent inside any of them."""

    template_key: str
    weekdays: frozenset[int]
    hours: TimeWindow

    def __post_init__(self) -> None:
        if not self.template_key.strip():
            raise ValidationError("template_key", "is required")
        if not self.weekdays or not all(
            isinstance(day, int) and 0 <= day <= 6 for day in self.weekdays
        ):
            raise ValidationError("weekdays", "must be a non-empty set of 0 (Monday) to 6")
        _set(self, "weekdays", frozenset(self.weekdays))


@lru_cache(maxsize=512)
def _holiday_names(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    calendar = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return dict(calendar.items())


@dataclass(frozen=True, slots=True)
class HolidayCalendar:
    """Public holidays of a country and optional subdivision (``holidays`` package, observed
    days included, e.g. Friday 3 July 2026 for Independence Day), plus the organisation's own
    closure dates."""

    country: str = "US"
    subdivision: str | None = None
    extra_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        supported = holidays.list_supported_countries()
        if self.country not in supported:
            raise ValidationError("country", f"no holiday calendar for {self.country!r}")
        if self.subdivision is not None and self.subdivision not in supported[self.country]:
            raise ValidationError(
                "subdivision", f"{self.country} has no subdivision {self.subdivision!r}"
            )
        _set(self, "extra_dates", frozenset(self.extra_dates))

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name if ``day`` is a holiday (an extra date is "Office closed")."""
        if day in self.extra_dates:
            return "Office closed"
        return _holiday_names(self.country, self.subdivision, day.year).get(day)


@dataclass(frozen=True, slots=True, kw_only=True)
class DncEntry:
    """One reason an address is on the Do Not Contact list (REM-36).

    ``from_number`` is the Careline number a patient opted out from (REM-38); it is required
    for, and only for, patient opt-outs. An address may have several entries (a patient
    opt-out from two clinic numbers plus a staff entry); any one of them blocks.
    """

    address: str
    source: DncSource
    from_number: str | None = None
    added_at: datetime | None = None

    def __post_init__(self) -> None:
        _set(self, "address", normalize_address(self.address))
        _set(self, "source", _enum(DncSource, "source", self.source))
        _aware("added_at", self.added_at)
        if self.source is DncSource.PATIENT_OPT_OUT:
            if self.from_number is None:
                raise ValidationError("from_number", "a patient opt-out records the number")
            _set(self, "from_number", normalize_address(self.from_number, field="from_number"))
        elif self.from_number is not None:
            raise ValidationError("from_number", "only a patient opt-out records a number")


@dataclass(frozen=True, slots=True, kw_only=True)
class PriorMessage:
    """An earlier message to compare against for blackout (REM-13). ``blackout`` overrides
    the policy's period for this message (the period in force when it was sent)."""

    template_key: str
    channel: Channel
    address: str
    patient_first_name: str
    sent_at: datetime
    blackout: timedelta | None = None

    def __post_init__(self) -> None:
        _set(self, "channel", _enum(Channel, "channel", self.channel))
        _set(self, "address", normalize_address(self.address))
        _aware("sent_at", self.sent_at)
        if self.blackout is not None and self.blackout < timedelta(0):
            raise ValidationError("blackout", "must not be negative")


_ALL_KINDS_BUT_TRANSACTIONAL = frozenset(MessageKind) - {MessageKind.TRANSACTIONAL}


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryPolicy:
    """An organisation's delivery settings. The defaults are the safe product defaults.

    Attributes:
        enabled_methods: contact methods the organisation uses (REM-28; default all three).
        send_to_inactive_methods: whether contact entries marked inactive on the patient's
            profile still get messages (REM-32; default no).
        blocked_contacts: addresses never messaged (REM-35).
        limited_contacts_only: test mode; only ``limited_contacts`` are messaged (REM-34).
        limited_contacts: the addresses allowed in test mode.
        working_hours: the local hours in which anything but transactional messages may go
            (REM-09); TCPA-safe default 08:00-21:00 in the recipient's zone.
        quiet_hours: further local periods with no sending (REM-10); none by default, since
            the working hours already keep the night quiet.
        holiday_calendar: the holiday calendar (default US federal holidays).
        holiday_kinds: message kinds not sent on holidays. Reminders move earlier (REM-11;
            drop ``reminder`` to send on holidays); broadcasts and custom actions wait (CUS-06).
        sunday_kinds: message kinds not sent on Sundays (CUS-06 for custom actions and, by
            our choice, broadcasts); add ``reminder`` for REM-52 (Sunday -> Saturday).
        template_windows: schedulable windows per template (REM-12).
        blackout_period: how long an earlier message blocks a repeat (REM-13); zero disables.
        money_campaign_enabled: ``$`` and "dollar" are allowed because the organisation has
            patient consent and a content-specific campaign (Message Content Policy).
        contact_validation_max_age: HUB-21; when set, automated messages wait until the
            contact was validated against the EHR within this age. Off by default.
        contact_validation_recheck: how long such a message waits before the next check.
        custom_edit_guard: a custom action's messages wait this long after an edit (CUS-06).
        opt_out_confirmation_grace: how long after a patient opt-out its one confirmation
            message may still be sent.
    """

    enabled_methods: frozenset[Channel] = frozenset(Channel)
    send_to_inactive_methods: bool = False
    blocked_contacts: frozenset[str] = frozenset()
    limited_contacts_only: bool = False
    limited_contacts: frozenset[str] = frozenset()
    working_hours: TimeWindow = field(default_factory=lambda: TimeWindow(time(8), time(21)))
    quiet_hours: tuple[QuietHours, ...] = ()
    holiday_calendar: HolidayCalendar = field(default_factory=HolidayCalendar)
    holiday_kinds: frozenset[MessageKind] = frozenset(
        {MessageKind.REMINDER, MessageKind.BROADCAST, MessageKind.CUSTOM}
    )
    sunday_kinds: frozenset[MessageKind] = frozenset({MessageKind.BROADCAST, MessageKind.CUSTOM})
    template_windows: tuple[TemplateWindow, ...] = ()
    blackout_period: timedelta = timedelta(hours=24)
    money_campaign_enabled: bool = False
    contact_validation_max_age: timedelta | None = None
    contact_validation_recheck: timedelta = timedelta(hours=1)
    custom_edit_guard: timedelta = timedelta(hours=1)
    opt_out_confirmation_grace: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        methods = frozenset(_enum(Channel, "enabled_methods", m) for m in self.enabled_methods)
        if not methods:
            raise ValidationError("enabled_methods", "needs at least one contact method")
        _set(self, "enabled_methods", methods)
        _set(self, "blocked_contacts", _addresses("blocked_contacts", self.blocked_contacts))
        _set(self, "limited_contacts", _addresses("limited_contacts", self.limited_contacts))
        if self.limited_contacts_only and not self.limited_contacts:
            raise ValidationError("limited_contacts", "test mode needs at least one address")
        for name in ("holiday_kinds", "sunday_kinds"):
            kinds = frozenset(_enum(MessageKind, name, k) for k in getattr(self, name))
            if not kinds <= _ALL_KINDS_BUT_TRANSACTIONAL:
                raise ValidationError(name, "transactional messages ignore the calendar")
            _set(self, name, kinds)
        _set(self, "quiet_hours", tuple(self.quiet_hours))
        _set(self, "template_windows", tuple(self.template_windows))
        for name in ("blackout_period", "custom_edit_guard", "opt_out_confirmation_grace"):
            if getattr(self, name) < timedelta(0):
                raise ValidationError(name, "must not be negative")
        if self.contact_validation_max_age is not None and (
            self.contact_validation_max_age <= timedelta(0)
        ):
            raise ValidationError("contact_validation_max_age", "must be positive")
        if self.contact_validation_recheck <= timedelta(0):
            raise ValidationError("contact_validation_recheck", "must be positive")

    def windows_for(self, template_key: str | None) -> tuple[TemplateWindow, ...]:
        """The schedulable windows of ``template_key`` (empty: no restriction)."""
        if template_key is None:
            return ()
        return tuple(w for w in self.template_windows if w.template_key == template_key)


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """The facts about one outbound message the rules need, gathered by the caller.

    Attributes:
        channel: the contact method used.
        address: where it goes (phone for sms/voice, email for email); normalised.
        kind: why it is sent (see :class:`MessageKind`).
        body: the rendered text (checked against the content policy).
        facility_zone: the facility's IANA zone, used when the patient's is unknown.
        recipient_zone: the patient's IANA zone, when known.
        template_key: the template used; ``None`` for free text (no blackout, no windows).
        patient_first_name: for blackout matching (REM-13).
        appointment_start: the appointment (or offered slot) the message is about; a
            reminder or waitlist offer is never sent at or after it.
        prior_messages: earlier messages to this address, for blackout.
        dnc_entries: the Do Not Contact entries for this address.
        contact_status: what carrier lookup or bounces said about the address.
        contact_active: ``False`` when the profile marks this contact method inactive.
        contact_validated_at: when the contact was last validated against the EHR (HUB-21).
        from_number: the Careline number the message is sent from (sms/voice).
        is_opt_out_confirmation: the one reply confirming a patient's stop request; only
            valid on a transactional message.
        skip_delivery_rules: a custom action set to ignore the time rules (CUS-06).
        edited_at: when the custom action was last edited (CUS-06 edit guard).
    """

    channel: Channel
    address: str
    kind: MessageKind
    body: str
    facility_zone: str
    recipient_zone: str | None = None
    template_key: str | None = None
    patient_first_name: str | None = None
    appointment_start: datetime | None = None
    prior_messages: tuple[PriorMessage, ...] = ()
    dnc_entries: tuple[DncEntry, ...] = ()
    contact_status: ContactStatus = ContactStatus.OK
    contact_active: bool = True
    contact_validated_at: datetime | None = None
    from_number: str | None = None
    is_opt_out_confirmation: bool = False
    skip_delivery_rules: bool = False
    edited_at: datetime | None = None

    def __post_init__(self) -> None:
        _set(self, "channel", _enum(Channel, "channel", self.channel))
        _set(self, "kind", _enum(MessageKind, "kind", self.kind))
        _set(self, "contact_status", _enum(ContactStatus, "contact_status", self.contact_status))
        address = normalize_address(self.address)
        if (self.channel is Channel.EMAIL) != ("@" in address):
            raise ValidationError("address", f"{address} cannot receive {self.channel} messages")
        _set(self, "address", address)
        if self.from_number is not None:
            _set(self, "from_number", normalize_address(self.from_number, field="from_number"))
        _zone("facility_zone", self.facility_zone)
        if self.recipient_zone is not None:
            _zone("recipient_zone", self.recipient_zone)
        for name in ("appointment_start", "contact_validated_at", "edited_at"):
            _aware(name, getattr(self, name))
        _set(self, "prior_messages", tuple(self.prior_messages))
        _set(self, "dnc_entries", tuple(self.dnc_entries))
        if self.is_opt_out_confirmation and self.kind is not MessageKind.TRANSACTIONAL:
            raise ValidationError("is_opt_out_confirmation", "only a transactional message")
        if self.skip_delivery_rules and self.kind is not MessageKind.CUSTOM:
            raise ValidationError("skip_delivery_rules", "only custom actions skip the rules")

    @property
    def zone(self) -> ZoneInfo:
        """The zone whose local time the time rules use: the patient's, else the facility's."""
        return ZoneInfo(self.recipient_zone or self.facility_zone)
