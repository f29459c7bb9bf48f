"""Voice calls speak the patient's language with a voice Twilio has for it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from channels.twilio_voice import (
    answer_twiml,
    dial_twiml,
    hangup_twiml,
    parse_answer,
    prompt_twiml,
    say_language,
)
from dialogs.replies import LANGUAGES

ACTION = "https://c.example/voice?step=1"


def _says(xml: str) -> list[ET.Element]:
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    return list(root.iter("Say"))


@pytest.mark.parametrize(
    ("language", "say", "voice", "hear"),
    [
        ("vi", "vi-VN", "Google.vi-VN-Standard-A", "vi-VN"),
        ("ar", "ar-XA", "Google.ar-XA-Standard-A", "ar-SA"),
        ("tl", "fil-PH", "Google.fil-PH-Standard-A", "fil-PH"),
        ("zh-TW", "zh-TW", None, "zh-TW"),
        ("de", "de-DE", None, "de-DE"),
        ("es-MX", "es-MX", None, "es-MX"),
        ("en", "en-US", None, "en-US"),
    ],
)
def test_prompt_speaks_text_menu_and_goodbye_in_the_patients_voice(
    language: str, say: str, voice: str | None, hear: str
) -> None:
    xml = prompt_twiml("<text>", language, action=ACTION)
    gather = ET.fromstring(xml).find("Gather")
    assert gather is not None and gather.get("language") == hear
    says = _says(xml)
    assert says[0].text == "<text>" and len(says) == 3
    assert {(s.get("language"), s.get("voice")) for s in says} == {(say, voice)}


def test_menu_words_are_the_patients_language() -> None:
    vi = [s.text for s in _says(prompt_twiml("x", "vi", action=ACTION))]
    assert vi[1] is not None and vi[1].startswith("Bấm 1 để xác nhận")
    hant = [s.text for s in _says(prompt_twiml("x", "zh-TW", action=ACTION))]
    hans = [s.text for s in _says(prompt_twiml("x", "zh", action=ACTION))]
    assert hant[1] != hans[1] and hant[1] is not None and "確認" in hant[1]


def test_languages_without_a_twilio_voice_hear_english() -> None:
    for language in ("fa", "ht", "ur"):
        says = _says(prompt_twiml("x", language, action=ACTION))
        assert {(s.get("language"), s.get("voice")) for s in says} == {("en-US", None)}
        assert says[1].text == "Press 1 to confirm, 2 to cancel, 3 to reschedule, or 9 to hear " \
                               "this again."


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_language_with_a_voice_has_its_own_call_words(language: str) -> None:
    english = {
        "menu": _says(prompt_twiml("x", "en", action=ACTION))[1].text,
        "goodbye": _says(answer_twiml([], "en"))[0].text,
        "no_line": _says(dial_twiml(None, "en"))[0].text,
        "connecting": _says(dial_twiml("+13125550142", "en"))[0].text,
    }
    said = {
        "menu": _says(prompt_twiml("x", language, action=ACTION))[1],
        "goodbye": _says(answer_twiml([], language))[0],
        "no_line": _says(dial_twiml(None, language))[0],
        "connecting": _says(dial_twiml("+13125550142", language))[0],
    }
    has_voice = language == "en" or say_language(language) != "en-US"
    for name, element in said.items():
        assert element.get("language") == say_language(language)
        assert (element.text != english[name]) == (has_voice and language != "en"), name
    voice = said["menu"].get("voice")
    if voice is not None:  # a named voice speaks the locale it is set to speak
        assert voice.startswith(f"Google.{say_language(language)}-") or voice.startswith("Polly.")


def test_replies_and_machine_messages_use_the_same_voice() -> None:
    for xml in (answer_twiml(["Cảm ơn"], "vi"), hangup_twiml("Cảm ơn", "vi")):
        (say,) = _says(xml)
        assert (say.get("language"), say.get("voice")) == ("vi-VN", "Google.vi-VN-Standard-A")


@pytest.mark.parametrize(
    "spoken", ["Repeat.", "otra vez", "Encore une fois !", "Noch einmal", "Nhắc lại.",
               "もう一度。", "再说一遍", "Повторите", "مرة أخرى؟", "다시"]
)
def test_asking_to_hear_it_again_in_any_voiced_language(spoken: str) -> None:
    answer = parse_answer({"SpeechResult": spoken})
    assert answer is not None and answer.repeat and answer.speech


def test_other_speech_is_passed_on_as_words() -> None:
    answer = parse_answer({"SpeechResult": "Xác nhận"})
    assert answer is not None and not answer.repeat and answer.text == "Xác nhận"
