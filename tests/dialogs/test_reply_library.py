"""The reply catalogue: complete and consistent in every language, and dates written the way
the patient's reminder wrote them."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from dialogs.context import DialogContext
from dialogs.flows.base import Reading, Trigger, reply_language
from dialogs.replies import (
    FOLDER,
    LANGUAGES,
    CatalogueError,
    catalogue_language,
    format_when,
    load_catalogue,
    placeholders,
    reply,
)
from domain.template_library.formatting import formatted_moment
from domain.template_library.stock import stock_languages

CHICAGO = ZoneInfo("America/Chicago")
AT = datetime(2026, 11, 24, 21, 5, tzinfo=UTC)  # Tue, Nov 24, 3:05 PM in Chicago
SAMPLE = {
    "when": "<WHEN>", "day": "<DAY>", "count": 2, "phone": "(312) 555-0111",
    "org": "Test Clinic", "numbers": "(312) 555-0142", "choices": "1) A\n2) B", "days": 14,
}
CARRIER_WORDS = ("STOP", "START", "HELP")


def test_every_template_library_language_has_replies() -> None:
    assert set(LANGUAGES) == set(stock_languages())
    assert "zh-TW" in LANGUAGES


def test_every_language_has_every_key_with_englishs_placeholders() -> None:
    catalogue = load_catalogue()
    english = catalogue["en"].replies
    for code, pack in catalogue.items():
        assert set(pack.replies) == set(english), code
        for key, text in pack.replies.items():
            assert placeholders(text) == placeholders(english[key]), (code, key)
        assert placeholders(pack.when) == {"day", "time"}, code


def test_carrier_keywords_stay_in_latin_letters() -> None:
    catalogue = load_catalogue()
    for key, text in catalogue["en"].replies.items():
        for word in CARRIER_WORDS:
            if word in text:
                for code, pack in catalogue.items():
                    assert word in pack.replies[key], (code, key, word)


def test_a_missing_key_or_a_mistyped_placeholder_fails_the_catalogue(tmp_path: Path) -> None:
    for path in FOLDER.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    de = tmp_path / "de.yaml"
    de.write_text("\n".join(line for line in de.read_text(encoding="utf-8").splitlines()
                            if "action.refill:" not in line), encoding="utf-8")
    fr = tmp_path / "fr.yaml"
    fr.write_text(fr.read_text(encoding="utf-8").replace("{when}", "{quand}", 1),
                  encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(tmp_path)
    message = str(caught.value)
    assert "de: missing action.refill" in message
    assert "fr: reminder.confirmed has ['quand'], English has ['when']" in message


def test_malformed_braces_fail_the_catalogue(tmp_path: Path) -> None:
    shutil.copy(FOLDER / "en.yaml", tmp_path / "en.yaml")
    text = (FOLDER / "es.yaml").read_text(encoding="utf-8")
    (tmp_path / "es.yaml").write_text(text.replace("{phone}.", "{phone.", 1), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"es: reminder\.cancel_by_phone"):
        load_catalogue(tmp_path)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_reply_renders_in_every_language(language: str) -> None:
    english = load_catalogue()["en"].replies
    for key in english:
        text = reply(key, language, **SAMPLE).text
        assert text.strip() and "{" not in text and "}" not in text, (language, key)
        for name in placeholders(english[key]):
            assert str(SAMPLE[name]) in text, (language, key, name)
        if language != "en":
            assert text != reply(key, "en", **SAMPLE).text, (language, key)


def test_regional_tags_read_their_base_language_and_unknown_ones_english() -> None:
    assert catalogue_language("es-MX") == "es"
    assert catalogue_language("pt_BR") == "pt"
    assert catalogue_language("zh-TW") == "zh-TW"
    assert catalogue_language("zh-tw") == "zh-TW"
    assert catalogue_language("zh-CN") == "zh"
    assert catalogue_language("am") == "en"
    assert catalogue_language(None) == "en"
    assert reply("action.refill", "am").text == reply("action.refill", "en").text
    assert reply("action.refill", "es-MX").text == reply("action.refill", "es").text
    assert reply("action.refill", "zh-TW").text != reply("action.refill", "zh").text


def test_english_dates_keep_their_form() -> None:
    assert format_when(AT, CHICAGO) == "Tue, Nov 24 at 3:05 PM"
    assert format_when(AT, CHICAGO, "en", with_time=False) == "Tue, Nov 24"
    midnight = datetime(2026, 9, 1, 5, 0, tzinfo=UTC)  # 12:00 AM in Chicago
    assert format_when(midnight, CHICAGO, "am") == "Tue, Sep 1 at 12:00 AM"


def test_english_dates_match_the_reminders_cldr_form() -> None:
    """English skips Babel for speed; it must still read exactly as the reminder does."""
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(400):
        moment += timedelta(hours=21, minutes=13)
        cldr = formatted_moment(moment, "America/Chicago", "en")
        assert format_when(moment, CHICAGO) == f"{cldr['date']} at {cldr['time']}"
        assert format_when(moment, CHICAGO, with_time=False) == cldr["date"]


@pytest.mark.parametrize("language", ["es", "es-MX", "vi", "de", "ja", "ar", "zh-TW", "ru"])
def test_other_languages_write_the_date_as_their_reminder_did(language: str) -> None:
    cldr = formatted_moment(AT, "America/Chicago", language)
    when = format_when(AT, CHICAGO, language)
    assert format_when(AT, CHICAGO, language, with_time=False) == cldr["date"]
    assert when.startswith(cldr["date"]) and when.endswith(cldr["time"])
    assert when != format_when(AT, CHICAGO, "en")


def test_spanish_joins_day_and_time_in_its_own_words() -> None:
    assert format_when(AT, CHICAGO, "es") == "mar, 24 de noviembre a las 15:05"
    confirmed = reply("reminder.confirmed", "es", when=format_when(AT, CHICAGO, "es")).text
    assert confirmed == "¡Gracias! Su cita del mar, 24 de noviembre a las 15:05 está confirmada."


def _ctx(preferred: str | None) -> DialogContext:
    patient = None if preferred is None else SimpleNamespace(preferred_language=preferred)
    return cast(DialogContext, SimpleNamespace(patient=patient))


def test_a_reply_in_the_patients_language_answers_in_their_own_variant() -> None:
    chinese = Reading(Trigger.CONFIRM, language="zh")
    assert reply_language(chinese, _ctx("zh-TW")) == "zh-TW"
    assert reply_language(chinese, _ctx("en")) == "zh"
    assert reply_language(Reading(Trigger.CONFIRM, language="es"), _ctx("es-MX")) == "es-MX"
    assert reply_language(Reading(Trigger.CONFIRM), _ctx("vi")) == "vi"
    assert reply_language(Reading(Trigger.CONFIRM), _ctx(None)) == "en"
