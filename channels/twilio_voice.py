"""Voice through Twilio: TwiML for reminder calls and inbound calls, keypad and speech answers,
and the outbound call sender.

A call speaks its message (``Say``) in the patient's language where Twilio has a voice for it,
then a ``Gather`` takes one key or a short spoken answer: 1 confirm, 2 cancel, 3 reschedule,
9 repeat. Answering machines hear the message without the menu.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

from twilio.twiml.voice_response import VoiceResponse

from channels import _twilio_fields as f
from domain.errors import ValidationError

__all__ = [
    "KEYPAD",
    "VoiceAnswer",
    "VoiceWebhookForm",
    "answer_twiml",
    "dial_twiml",
    "hangup_twiml",
    "is_machine",
    "parse_answer",
    "prompt_twiml",
    "say_language",
]

KEYPAD = {"1": "confirm", "2": "cancel", "3": "reschedule", "9": "repeat"}
"""What each key means; the word is the text the dialogs receive."""

# Twilio <Say> languages (standard voices), keyed by our language codes.
_SAY = {
    "en": "en-US", "es": "es-MX", "fr": "fr-FR", "pt": "pt-BR", "de": "de-DE", "it": "it-IT",
    "nl": "nl-NL", "pl": "pl-PL", "ru": "ru-RU", "zh": "zh-CN", "ja": "ja-JP", "ko": "ko-KR",
    "da": "da-DK", "fi": "fi-FI", "nb": "nb-NO", "sv": "sv-SE", "ca": "ca-ES",
}
_SAY_REGIONAL = {
    "en-GB", "en-AU", "en-CA", "en-IN", "es-ES", "es-US", "fr-CA", "pt-PT", "zh-TW", "zh-HK",
}

# Our own words for the menu; other languages hear the English menu.
_MENU = {
    "en": "Press 1 to confirm, 2 to cancel, 3 to reschedule, or 9 to hear this again.",
    "es": "Marque 1 para confirmar, 2 para cancelar, 3 para cambiar la cita, "
          "o 9 para volver a escuchar.",
}
_GOODBYE = {"en": "Thank you. Goodbye.", "es": "Gracias. Adiós."}
_CONNECTING = {
    "en": "Please hold while we connect your call.",
    "es": "Espere por favor, le estamos comunicando.",
}
_NO_LINE = {
    "en": "Sorry, we cannot take calls on this number. Please call your clinic directly.",
    "es": "Lo sentimos, este número no recibe llamadas. Por favor llame a su clínica.",
}
_SPEECH_WORDS = {
    "repeat": "repeat", "again": "repeat", "repetir": "repeat", "otra vez": "repeat",
}


def say_language(language: str) -> str:
    """The Twilio ``Say``/``Gather`` language for one of ours; English where Twilio has none."""
    if language in _SAY_REGIONAL:
        return language
    return _SAY.get(language.split("-")[0].lower(), "en-US")


def _words(table: Mapping[str, str], language: str) -> tuple[str, str]:
    base = language.split("-")[0].lower()
    if base in table:
        return table[base], say_language(language)
    return table["en"], "en-US"


class VoiceWebhookForm(TypedDict, total=False):
    """The fields of Twilio's voice webhook that Careline reads."""

    CallSid: str
    AccountSid: str
    From: str
    To: str
    Direction: str
    CallStatus: str
    AnsweredBy: str
    Digits: str
    SpeechResult: str
    Confidence: str


@dataclass(frozen=True, slots=True)
class VoiceAnswer:
    """A caller's answer to a menu.

    Attributes:
        text: what the dialogs receive: the key's word ("confirm") or the spoken words.
        digits: the key pressed, if any.
        intent: the key's meaning (confirm, cancel, reschedule, repeat), or None.
        speech: True when the answer was spoken.
    """

    text: str
    digits: str | None
    intent: str | None
    speech: bool

    @property
    def repeat(self) -> bool:
        return self.intent == "repeat"


def parse_answer(form: Mapping[str, str]) -> VoiceAnswer | None:
    """The answer carried by a ``Gather`` callback (None when the caller gave none).

    Raises:
        ValidationError: ``Digits`` holds something other than keypad keys.
    """
    digits = f.optional(form, "Digits", max_length=32).strip()
    if digits:
        if any(ch not in "0123456789*#" for ch in digits):
            raise ValidationError("Digits", "must be keypad keys")
        key = digits[0]
        intent = KEYPAD.get(key)
        return VoiceAnswer(intent or digits, key, intent, False)
    speech = " ".join(f.optional(form, "SpeechResult", max_length=2000).split())
    if not speech:
        return None
    cleaned = speech.lower().strip(" .!?¡¿")
    intent = _SPEECH_WORDS.get(cleaned)
    return VoiceAnswer(speech, None, intent, True)


def is_machine(form: Mapping[str, str]) -> bool:
    """Whether Twilio's answering machine detection says no person answered."""
    answered_by = form.get("AnsweredBy", "")
    return answered_by.startswith("machine") or answered_by == "fax"


def prompt_twiml(text: str, language: str, *, action: str) -> str:
    """Speak ``text`` and offer the menu; the answer is posted to ``action``."""
    response = VoiceResponse()
    lang = say_language(language)
    menu, menu_lang = _words(_MENU, language)
    gather = response.gather(
        input="dtmf speech", num_digits=1, action=action, method="POST", timeout=6,
        language=lang, hints="confirm, cancel, reschedule, repeat",
    )
    gather.say(text, language=lang)
    gather.say(menu, language=menu_lang)
    goodbye, goodbye_lang = _words(_GOODBYE, language)
    response.say(goodbye, language=goodbye_lang)
    response.hangup()
    return str(response)


def answer_twiml(replies: Sequence[str], language: str) -> str:
    """Speak the replies (or a goodbye) and hang up."""
    response = VoiceResponse()
    lang = say_language(language)
    for reply in replies:
        response.say(reply, language=lang)
    if not replies:
        goodbye, goodbye_lang = _words(_GOODBYE, language)
        response.say(goodbye, language=goodbye_lang)
    response.hangup()
    return str(response)


def hangup_twiml(text: str, language: str) -> str:
    """Speak ``text`` without a menu and hang up (answering machines)."""
    response = VoiceResponse()
    response.say(text, language=say_language(language))
    response.hangup()
    return str(response)


def dial_twiml(number: str | None, language: str) -> str:
    """Forward the call to ``number``; without one, say the line takes no calls."""
    response = VoiceResponse()
    if number is None:
        words, lang = _words(_NO_LINE, language)
        response.say(words, language=lang)
        response.hangup()
        return str(response)
    words, lang = _words(_CONNECTING, language)
    response.say(words, language=lang)
    response.dial(number)
    return str(response)
