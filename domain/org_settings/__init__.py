"""An organisation's settings: one typed, validated section per product."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.org_settings._load import dump, load
from domain.org_settings.hub import BotSettings, HubSettings, MessagingSettings
from domain.org_settings.reminders import ReminderSettings, ReplySettings
from domain.org_settings.waitlist import RescheduleSettings, WaitlistSettings
from domain.rules.inputs import DeliveryPolicy

__all__ = [
    "BotSettings",
    "DeliveryPolicy",
    "HubSettings",
    "MessagingSettings",
    "OrgSettings",
    "ReminderSettings",
    "ReplySettings",
    "RescheduleSettings",
    "WaitlistSettings",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class OrgSettings:
    reminders: ReminderSettings = field(default_factory=ReminderSettings)
    replies: ReplySettings = field(default_factory=ReplySettings)
    waitlist: WaitlistSettings = field(default_factory=WaitlistSettings)
    reschedule: RescheduleSettings = field(default_factory=RescheduleSettings)
    hub: HubSettings = field(default_factory=HubSettings)
    bot: BotSettings = field(default_factory=BotSettings)
    messaging: MessagingSettings = field(default_factory=MessagingSettings)
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    """Delivery rules re-checked at send time (domain/rules)."""

    @classmethod
    def from_dict(cls, data: object) -> OrgSettings:
        """Parse stored or submitted settings; raises ValidationError naming the field path."""
        return load(cls, data)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = dump(self)
        return result
