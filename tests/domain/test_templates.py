"""Templates: every stock template in every language renders, language fallback, strict
squigglies, partials, formats, org overrides and SMS segments (REM-14..19)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.template_library import (
    STOCK_TEMPLATES,
    sms_length,
    stock_languages,
    stock_pack,
    verify_link,
)
from domain.template_library.sample import sample_context
from domain.templates import (
    LayeredSource,
    TemplateError,
    TemplateText,
    check_syntax,
    render,
)


def test_english_and_at_least_thirty_more_languages_ship() -> None:
    languages = stock_languages()
    assert languages[0] == "en" and len(languages) >= 31


@pytest.mark.parametrize("language", stock_languages())
def test_every_stock_template_renders_in_every_language_and_format(language: str) -> None:
    context = sample_context(language)
    pack = stock_pack(language)
    assert pack is not None
    own = set(pack.templates) | {"appointment_reminder"}
    assert own >= set(STOCK_TEMPLATES), f"{language} lacks {set(STOCK_TEMPLATES) - own}"
    for key in STOCK_TEMPLATES:
        for channel in ("sms", "voice", "email"):
            rendered = render(key, channel, language, context)
            assert rendered.body and "{{" not in rendered.body and "{%" not in rendered.body
    reminder = render("appointment_reminder", "sms", language, context)
    assert "Ana" in reminder.body and "Dr. Imani Brooks" in reminder.body
    assert context["appointment"]["time"] in reminder.body


def test_reminder_carries_instructions_link_and_reply_prompt() -> None:  # REM-03, REM-19
    context = sample_context("en")
    body = render("appointment_reminder", "sms", "en", context).body
    assert "Note: Please bring your insurance card." in body
    assert "Reply C to confirm or X to cancel." in body
    link = context["links"]["detail"]
    assert link in body and link.startswith("https://careline.example/p/detail/")
    token = link.split("?t=")[1]
    appointment_id = context["appointment"]["id"]
    when = datetime(2026, 3, 1, tzinfo=UTC)
    assert verify_link("sample", "detail", appointment_id, token, when)
    assert not verify_link("sample", "detail", "01OTHERAPPOINTMENT00000000", token, when)
    assert not verify_link("sample", "detail", appointment_id, token, when + timedelta(days=60))


def test_reply_mode_changes_the_prompt() -> None:  # REM-02
    context = sample_context("en")
    context["reminder"]["reply_mode"] = "confirm_only"
    assert "X to cancel" not in render("appointment_reminder", "sms", "en", context).body
    context["reminder"]["reply_mode"] = "none"
    assert "Reply" not in render("appointment_reminder", "sms", "en", context).body


def test_dates_follow_the_patients_language() -> None:
    assert "martes" in render("appointment_reminder", "voice", "es", sample_context("es")).body
    assert "mars" in render("appointment_reminder", "sms", "fr", sample_context("fr")).body


def test_unknown_language_falls_back_to_english_and_regional_to_base() -> None:
    assert render("help_reply", "sms", "xx", sample_context("en")).body.startswith(
        "Riverbend Health: appointment messages.")
    assert render("confirmation_reply", "sms", "pt-BR", sample_context("pt-BR")).body.startswith(
        "Obrigado")


def test_day_list_shows_every_appointment_of_the_day() -> None:  # REM-04
    context = sample_context("en")
    second = dict(context["appointment"], time="2:00 PM", provider="Dr. Felix Arroyo")
    context["appointmentsListInDay"] = [context["appointment"], second]
    body = render("appointment_reminder", "sms", "en", context).body
    assert (
        "Your appointments that day: 9:30 AM Dr. Imani Brooks; 2:00 PM Dr. Felix Arroyo." in body
    )


def test_cancellation_reply_mentions_the_fee_only_when_it_applies() -> None:  # REM-07
    context = sample_context("en")
    assert "cancellation fee" in render("cancellation_reply", "sms", "en", context).body
    context["fee_notice"] = False
    assert "fee" not in render("cancellation_reply", "sms", "en", context).body


def test_email_has_subject_and_html_voice_has_no_links() -> None:
    context = sample_context("en")
    email = render("appointment_reminder", "email", "en", context)
    assert email.subject is not None and email.subject.startswith("Reminder: your appointment")
    assert email.html is not None and '<a href="https://careline.example/p/detail/' in email.html
    voice = render("confirmation_reply", "voice", "en", context)  # falls back to the SMS text
    assert "http" not in voice.body and voice.segments == 0


def test_a_missing_squiggly_never_renders_a_broken_message() -> None:
    source = LayeredSource(templates={
        ("appointment_reminder", "sms", "en"): TemplateText("Hi {{ patient.frist_name }}!")})
    with pytest.raises(TemplateError) as caught:
        render("appointment_reminder", "sms", "en", sample_context("en"), source=source)
    assert "patient.frist_name" in caught.value.reason and caught.value.line == 1
    assert caught.value.to_dict()["template"] == "appointment_reminder"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{{ patient.first_name | nofilter }}", "unknown filter"),
        ("Hi {{ patient.first_name ", "expected"),
        ("{% include 'nowhere' %}", "partial 'nowhere' does not exist"),
        ("{% if x %}", "if"),
    ],
)
def test_broken_templates_raise_a_reason_staff_can_read(text: str, words: str) -> None:
    source = LayeredSource(templates={("x", "sms", "en"): TemplateText(text)})
    with pytest.raises(TemplateError) as caught:
        render("x", "sms", "en", sample_context("en"), source=source)
    assert words in caught.value.reason


def test_check_syntax_names_the_line() -> None:
    with pytest.raises(TemplateError) as caught:
        check_syntax("Hello\n{{ broken ")
    assert caught.value.line == 2
    check_syntax("Hello {{ patient.first_name }}")


def test_unknown_template_is_an_error() -> None:
    with pytest.raises(TemplateError):
        render("no_such_template", "sms", "en", {})


def test_org_partial_changes_every_template_that_includes_it() -> None:  # REM-15
    source = LayeredSource(partials={("reply_prompt", "en"): "Text YES to confirm."})
    body = render("appointment_reminder", "sms", "en", sample_context("en"), source=source).body
    assert "Text YES to confirm." in body and "Reply C" not in body


def test_org_override_in_english_does_not_replace_a_spanish_stock_text() -> None:
    source = LayeredSource(templates={
        ("confirmation_reply", "sms", "en"): TemplateText("Confirmed, {{ patient.first_name }}.")})
    assert render("confirmation_reply", "sms", "en", sample_context("en"),
                  source=source).body == "Confirmed, Ana."
    assert render("confirmation_reply", "sms", "es", sample_context("es"),
                  source=source).body.startswith("Gracias")


def test_english_reminder_fits_gsm_7() -> None:
    rendered = render("appointment_reminder", "sms", "en", sample_context("en"))
    assert rendered.encoding == "GSM-7" and rendered.segments == 2


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("", "GSM-7", 0),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # extension characters count twice
        ("€" * 81, "GSM-7", 2),
        ("é" * 160, "GSM-7", 1),
        ("á" * 70, "UCS-2", 1),
        ("á" * 71, "UCS-2", 2),
        ("👍" * 35, "UCS-2", 1),  # an emoji takes two UTF-16 units
        ("👍" * 36, "UCS-2", 2),
    ],
)
def test_sms_segments(text: str, encoding: str, segments: int) -> None:
    length = sms_length(text)
    assert (length.encoding, length.segments) == (encoding, segments)


@given(st.text(max_size=600))
def test_segments_always_hold_the_text(text: str) -> None:
    length = sms_length(text)
    assert length.segments * length.per_segment >= length.units
    assert (length.segments == 0) == (text == "")
