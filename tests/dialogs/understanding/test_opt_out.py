"""Opt-out is sacred: carrier words always stop; nothing else stops by accident."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.understanding import Context, Intent, classify
from dialogs.understanding.carrier import OPT_OUT_KEYWORDS

CARRIER_WORDS = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
                 "OPT OUT", "OPT-OUT", "STOP ALL")  # fmt: skip
REVOCATIONS = (
    "stop texting me", "Please stop texting me!", "don't text me anymore",
    "Do not text me", "remove me from your list", "No more messages please",
    "stop sending me messages", "unsubscribe me", "STOP PLEASE", "please stop", "stop it",
    "Stop now!!!", "STOPPPP", "Stop.", "BAJA", "baja", "No me envíen más mensajes",
    "dejen de enviarme mensajes", "退订", "수신거부", "配信停止", "отписаться",
    "ne m'envoyez plus de messages", "keine Nachrichten mehr", "הסר",
)  # fmt: skip


def variants(word: str) -> list[str]:
    return [word, word.lower(), word.title(), f"{word}.", f"{word}!!", f" {word} ", f"{word}?",
            f'"{word}"', f"{word} !", f"*{word}*", f"{word}\n", f"¡{word}!"]  # fmt: skip


@pytest.mark.parametrize("context", list(Context))
@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("word", CARRIER_WORDS)
def test_carrier_words_always_stop(word: str, context: Context, strict: bool) -> None:
    for text in variants(word):
        for options in (0, 3):
            result = classify(text, context=context, options=options, strict_yes_no=strict)
            assert (result.intent, result.confidence) == (Intent.STOP, 1.0), text


@pytest.mark.parametrize("context", list(Context))
@pytest.mark.parametrize("text", REVOCATIONS)
def test_clear_revocations_stop_in_every_context(text: str, context: Context) -> None:
    assert classify(text, context=context).intent is Intent.STOP


def test_carrier_list_matches_the_documented_words() -> None:
    assert {w.lower() for w in CARRIER_WORDS} <= {w.lower() for w in OPT_OUT_KEYWORDS}


@pytest.mark.parametrize(
    "text",
    [
        "cancel my appointment", "cancel appt", "I need to cancel", "X", "2", "cancle",
        "stoop", "stops", "I'll stop by later", "can't stop by today", "the end of the day",
        "weekend", "spend", "stopp", "sto p", "quite", "quiet please", "don't stop texting me",
        "top", "atop", "stop by the pharmacy first?", "revoked?", "optometrist", "para",
        "remove me from the waitlist", "take me off the list", "no more pain", "unsubscribed?",
        "a bajar", "bajamos", "descanso", "endocrinology", "backend", "no",
    ],
)  # fmt: skip
def test_near_misses_never_stop(text: str) -> None:
    for context in Context:
        assert classify(text, context=context).intent is not Intent.STOP, text


def test_bare_cancel_is_stop_but_cancel_requests_are_cancel() -> None:
    assert classify("CANCEL").intent is Intent.STOP
    assert classify("Cancel!").intent is Intent.STOP
    for text in ("cancel my appointment", "cancel appt", "I need to cancel", "X", "2"):
        assert classify(text, context=Context.REMINDER).intent is Intent.CANCEL


# Stems any opt-out keyword or revocation phrase shares; text without them must never stop.
_OPT_OUT_STEMS = re.compile(
    r"stop|unsub|cancel|end|quit|revoke|opt|baja|text|messag|list|contact|send|sms|"
    r"退|수신|配信|отпис|abmeld|afmeld|désab|desab|désinscr|desinscr|descadastr|dezabon|"
    r"wypisz|odpis|הסר|mensaje|nachricht|bericht|mesaj|پیام|رسائل|اشتراک|الاشتراك|"
    r"sms|send|envoy|envi|mand|trimit|wysył|wysyl|присыл|пиш|надсил|gönder|gonder|atma|"
    r"στέλν|στελν|ujumbe|fariin|fariimo|nhắn|nhan|gửi|gui|发|發|送|보내|그만|거부|"
    r"संदेश|मैसेज|message|msg|ਸੁਨੇਹੇ|મેસેજ|সন্দেশ|মেসেজ|বার্তা|सन्देश|म्यासेज|پیغام|"
    r"ข้อความ|mag|tigil|huwag|wag|usinitumie|kunitumia|msinitumie|הודעות|ne m|plus|"
    r"quiero recibir|escriban|dame|denme|darme|disiscriv|inviat|smett",
    re.IGNORECASE,
)
_WORDS = st.sampled_from(
    ["yes", "no", "ok", "please", "the", "appointment", "tomorrow", "stoop", "ending", "quite",
     "cancle", "top", "sto", "p", "!", "?", "👍", "🛑", "✋", "STAHP", "halt", "pare", "para",
     "arrêt", "стоп", "停", "basta", "genug", "dur", "sí", "не", "取消", "ok?", "opt", "in",
     "unstop", "START", "help", "x", "2", "waitlist", "remove", "me", "from", "your"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_random_text_without_opt_out_words_never_stops(text: str) -> None:
    if _OPT_OUT_STEMS.search(text) is None:
        for context in (Context.REMINDER, Context.OPEN_CHAT, Context.IDENTITY):
            assert classify(text, context=context).intent is not Intent.STOP


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=8).map(" ".join))
def test_near_miss_sentences_never_stop(text: str) -> None:
    if _OPT_OUT_STEMS.search(text) is None:
        assert classify(text).intent is not Intent.STOP, text


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(CARRIER_WORDS),
    st.text(alphabet=" .!?,;:-*\"'()\n\t", max_size=4),
    st.text(alphabet=" .!?,;:-*\"'()\n\t", max_size=4),
    st.sampled_from([str.lower, str.upper, str.title, str.swapcase]),
)
def test_any_punctuation_around_a_carrier_word_stops(
    word: str, before: str, after: str, case: object
) -> None:
    text = before + case(word) + after  # type: ignore[operator]
    assert classify(text, context=Context.OPEN_CHAT).intent is Intent.STOP
