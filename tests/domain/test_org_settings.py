"""Organisation settings: the product's defaults, and errors that name the setting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import ValidationError
from domain.org_settings import OrgSettings


def test_defaults_are_the_products() -> None:
    settings = OrgSettings()
    assert settings.reminders.cadence_days == (7, 5, 2)  # REM-01
    assert [t.hour for t in settings.reminders.catch_up_times] == [9, 18]  # REM-42
    assert settings.replies.cancel_after_confirm and not settings.replies.confirm_after_cancel
    assert settings.waitlist.offer_expiry_minutes == 30  # WL-09
    assert settings.waitlist.proximity_minutes == 92  # WL-20
    assert settings.waitlist.min_lead_minutes == 120  # WL-21
    assert settings.waitlist.cooldown_after_accept_days == 7  # WL-18
    assert settings.reschedule.max_options == 3 and settings.reschedule.max_restarts == 3
    assert settings.hub.reopen_min_chars == 15  # HUB-20
    assert settings.bot.inactivity_minutes == 10  # BOT-10


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reminders": {"cadence_days": [7, "x"]}}, "reminders.cadence_days[1]"),
        ({"reminders": {"cadence_days": [7, 7]}}, "reminders.cadence_days"),
        ({"reminders": {"send_time": "25:00"}}, "reminders.send_time"),
        ({"waitlist": {"offer_mode": "lottery"}}, "waitlist.offer_mode"),
        ({"waitlist": {"offer_expiry_minutes": 0}}, "waitlist.offer_expiry_minutes"),
        ({"hub": {"reopen_min_chars": True}}, "hub.reopen_min_chars"),
        ({"bot": {"primary_color": "green"}}, "bot.primary_color"),
        ({"colour": "red"}, "colour"),
        ({"reminders": []}, "reminders"),
    ],
)
def test_bad_settings_name_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        OrgSettings.from_dict(data)
    assert error.value.field == field


@given(
    cadence=st.lists(st.integers(0, 60), min_size=1, max_size=6, unique=True),
    expiry=st.integers(1, 600),
    chars=st.integers(1, 1000),
)
def test_settings_round_trip_through_json(cadence: list[int], expiry: int, chars: int) -> None:
    settings = OrgSettings.from_dict(
        {"reminders": {"cadence_days": cadence}, "waitlist": {"offer_expiry_minutes": expiry},
         "hub": {"reopen_min_chars": chars}}
    )
    assert OrgSettings.from_dict(settings.to_dict()) == settings


def test_delivery_section_uses_readable_durations() -> None:
    settings = OrgSettings.from_dict(
        {
            "delivery": {
                "blackout_period": "48h",
                "working_hours": {"start": "09:00", "end": "20:00"},
            }
        }
    )
    assert settings.delivery.blackout_period.total_seconds() == 48 * 3600
    assert settings.to_dict()["delivery"]["blackout_period"] == "2d"
    with pytest.raises(ValidationError) as error:
        OrgSettings.from_dict({"delivery": {"blackout_period": "soon"}})
    assert error.value.field == "delivery.blackout_period"
