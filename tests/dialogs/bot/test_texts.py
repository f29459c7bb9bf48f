"""System messages staff may reword (BOT-07), and filling in placeholders."""

from __future__ import annotations

import pytest

from dialogs.bot.shipped import system_flows
from dialogs.bot.texts import check_override, editable_texts, render
from domain.errors import ValidationError


def item(key: str):  # type: ignore[no-untyped-def]
    return next(i for i in editable_texts(system_flows()) if i.key == key)


def test_every_system_message_can_be_reworded() -> None:
    keys = {i.key for i in editable_texts(system_flows())}
    assert {"session.still_there", "session.timed_out", "end.menu", "end.menu.options.2",
            "feedback.rating", "connect_with_staff.sent"} <= keys


def test_a_rewording_may_use_the_placeholders_of_the_original() -> None:
    sent = item("connect_with_staff.sent")
    assert check_override(sent, " Thanks {first_name}, we'll reply soon. ") == (
        "Thanks {first_name}, we'll reply soon.")
    with pytest.raises(ValidationError, match="unknown placeholder"):
        check_override(sent, "Thanks {password}")
    with pytest.raises(ValidationError, match="braces"):
        check_override(item("end.menu.options.1"), "Again {first_name}")
    with pytest.raises(ValidationError):
        check_override(item("end.menu.options.1"), "x" * 61)
    with pytest.raises(ValidationError):
        check_override(sent, "   ")


def test_render_fills_in_and_tidies_missing_values() -> None:
    assert render("Thank you, {first_name}.", {"first_name": "Ana"}) == "Thank you, Ana."
    assert render("Thank you, {first_name}.", {}) == "Thank you."
    assert render("Hello {first_name}!", {"first_name": ""}) == "Hello!"
    assert render("Hi {x}, {y}", {"x": "{y}", "y": "Bo"}) == "Hi {y}, Bo"
