# ruff: noqa: RUF001 -- replies in many scripts, typed as patients type them.
"""The classifier's rules: contexts, numbers, strict yes/no, mixed signals, questions, typos."""

from __future__ import annotations

import pytest

from dialogs.understanding import Classification, Context, Intent, classify

ANSWER_CONTEXTS = (Context.REMINDER, Context.WAITLIST_OFFER, Context.RESCHEDULE_OPTIONS)


def intent(text: str, **kwargs: object) -> Intent:
    return classify(text, **kwargs).intent  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("C", Intent.CONFIRM), ("c", Intent.CONFIRM), ("1", Intent.CONFIRM), ("Y", Intent.CONFIRM),
        ("YES", Intent.CONFIRM), ("yeah", Intent.CONFIRM), ("yep", Intent.CONFIRM),
        ("ok", Intent.CONFIRM), ("sure", Intent.CONFIRM), ("confirm", Intent.CONFIRM),
        ("confirmed", Intent.CONFIRM), ("I'll be there", Intent.CONFIRM),
        ("see you then", Intent.CONFIRM), ("👍", Intent.CONFIRM), ("✅", Intent.CONFIRM),
        ("👌", Intent.CONFIRM), ("🙂", Intent.CONFIRM), ("X", Intent.CANCEL), ("2", Intent.CANCEL),
        ("N", Intent.CANCEL), ("NO", Intent.CANCEL), ("nope", Intent.CANCEL),
        ("can't make it", Intent.CANCEL), ("won't make it", Intent.CANCEL),
        ("cancel my appointment", Intent.CANCEL), ("cancel appt", Intent.CANCEL),
        ("I need to cancel", Intent.CANCEL), ("👎", Intent.CANCEL), ("❌", Intent.CANCEL),
        ("3", Intent.RESCHEDULE), ("R", Intent.RESCHEDULE), ("RESCHEDULE", Intent.RESCHEDULE),
        ("can I change the time", Intent.RESCHEDULE), ("need a different day", Intent.RESCHEDULE),
        ("HERE", Intent.ARRIVED), ("I'm here", Intent.ARRIVED), ("arrived", Intent.ARRIVED),
        ("in the parking lot", Intent.ARRIVED), ("LEAVEWAITLIST", Intent.LEAVE_WAITLIST),
        ("leave waitlist", Intent.LEAVE_WAITLIST),
        ("remove me from the waitlist", Intent.LEAVE_WAITLIST), ("START", Intent.START),
        ("unstop", Intent.START), ("SUBSCRIBE", Intent.START), ("HELP", Intent.HELP),
        ("info", Intent.HELP),
    ],
)  # fmt: skip
def test_reminder_replies(text: str, expected: Intent) -> None:
    assert intent(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("confrim", Intent.CONFIRM), ("Confimred", Intent.CONFIRM), ("cancle", Intent.CANCEL),
        ("cancell my apointment", Intent.CANCEL), ("resceduel", Intent.RESCHEDULE),
        ("reschedual", Intent.RESCHEDULE), ("arived", Intent.ARRIVED),
        ("leave waitlsit", Intent.LEAVE_WAITLIST),
    ],
)  # fmt: skip
def test_typos_of_long_words_are_forgiven(text: str, expected: Intent) -> None:
    result = classify(text)
    assert result.intent is expected
    assert result.confidence < 0.95  # a typo is less certain than the exact words (0.95)


@pytest.mark.parametrize(
    "text",
    [
        "yes but I need to cancel", "Yes, I will be there. What should I bring?", "What time?",
        "where is the clinic?", "Is my appointment cancelled?", "why was it cancelled",
        "not sure", "I don't want to cancel", "no, I'll be there", "ok but I'll be late",
        "yes?", "I have cancer", "concert", "thanks", "hello", "Who is this?", "lol",
        "My son has a fever and we might come later, can you call me back about the forms",
        "C or X?", "maybe", "confirm or cancel", "yes cancel",
    ],
)  # fmt: skip
def test_unclear_replies_are_unknown(text: str) -> None:
    result = classify(text)
    assert result == Classification(Intent.UNKNOWN), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no I can't", Intent.CANCEL), ("No, cancel it please", Intent.CANCEL),
        ("I can't make it, can we reschedule?", Intent.RESCHEDULE),
        ("yes, I'm here", Intent.ARRIVED), ("No, take me off the waitlist", Intent.LEAVE_WAITLIST),
        ("Yes please reschedule", Intent.RESCHEDULE),
        ("Yes thank you see you tomorrow at 10:30 with Dr Patel", Intent.CONFIRM),
        ("Good morning, I'd like to reschedule", Intent.RESCHEDULE),
        ("I can't wait to see you", Intent.CONFIRM), ("no problem", Intent.CONFIRM),
    ],
)  # fmt: skip
def test_signals_that_agree(text: str, expected: Intent) -> None:
    assert intent(text) is expected


def test_reminder_numbers_only_in_reminders() -> None:
    assert intent("1", context=Context.REMINDER) is Intent.CONFIRM
    for context in (Context.WAITLIST_OFFER, Context.RESCHEDULE_OPTIONS, Context.OPEN_CHAT):
        assert intent("1", context=context) is Intent.UNKNOWN
        assert intent("C", context=context) is Intent.UNKNOWN


@pytest.mark.parametrize("context", list(Context))
def test_numbered_options(context: Context) -> None:
    if context is Context.IDENTITY:
        assert intent("2", context=context, options=3) is Intent.UNKNOWN
        return
    for text, number in (("2", 2), ("#3", 3), ("Option 1", 1), ("the second one", 2), ("1.", 1)):
        result = classify(text, context=context, options=3)
        assert (result.intent, result.option, result.confidence) == (Intent.OPTION, number, 1.0)
    for text in ("4", "0", "2 or 3", "2pm"):
        assert classify(text, context=context, options=3).intent is Intent.UNKNOWN


def test_feedback_scores() -> None:
    for text, score in (("9", 9), ("10/10", 10), ("8 out of 10", 8), ("0", 0), ("５", 5)):
        result = classify(text, context=Context.FEEDBACK)
        assert (result.intent, result.option) == (Intent.OPTION, score), text
    assert intent("11", context=Context.FEEDBACK) is Intent.UNKNOWN
    assert classify("4", context=Context.FEEDBACK, options=5).option == 4
    assert intent("6", context=Context.FEEDBACK, options=5) is Intent.UNKNOWN
    assert intent("yes", context=Context.FEEDBACK) is Intent.UNKNOWN


def test_answers_need_a_prompt() -> None:
    for text in ("yes", "ok", "no", "👍", "Y", "sí"):
        assert intent(text, context=Context.OPEN_CHAT) is Intent.UNKNOWN
        assert intent(text, context=Context.WAITLIST_OFFER) is not Intent.UNKNOWN
    assert intent("I need to cancel my appointment", context=Context.OPEN_CHAT) is Intent.CANCEL
    assert intent("I'm in the parking lot", context=Context.OPEN_CHAT) is Intent.ARRIVED


@pytest.mark.parametrize(
    "text", ["yes", "Maria Lopez", "03/14/1985", "1", "cancel my appointment", "👍", "here"]
)
def test_identity_prompt_understands_only_stop_and_help(text: str) -> None:
    assert intent(text, context=Context.IDENTITY) is Intent.UNKNOWN


def test_identity_prompt_still_honours_carrier_words() -> None:
    assert intent("STOP", context=Context.IDENTITY) is Intent.STOP
    assert intent("help", context=Context.IDENTITY) is Intent.HELP
    assert intent("stop texting me", context=Context.IDENTITY) is Intent.STOP


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yes", Intent.CONFIRM), (" yes ", Intent.CONFIRM), ("YES!", Intent.CONFIRM),
        ("No", Intent.CANCEL), ("no.", Intent.CANCEL), ("Sí", Intent.CONFIRM),
        ("Non", Intent.CANCEL), ("нет", Intent.CANCEL), ("はい", Intent.CONFIRM),
        ("yeah", Intent.UNKNOWN), ("Y", Intent.UNKNOWN), ("1", Intent.UNKNOWN),
        ("C", Intent.UNKNOWN), ("ok", Intent.UNKNOWN), ("👍", Intent.UNKNOWN),
        ("yesss", Intent.UNKNOWN), ("yes please", Intent.UNKNOWN),
        ("I'll be there", Intent.UNKNOWN), ("cancel my appointment", Intent.UNKNOWN),
        ("STOP", Intent.STOP), ("cancel", Intent.STOP), ("HELP", Intent.HELP),
        ("START", Intent.START), ("RESCHEDULE", Intent.RESCHEDULE),
        ("LEAVEWAITLIST", Intent.LEAVE_WAITLIST),
    ],
)  # fmt: skip
def test_strict_yes_no(text: str, expected: Intent) -> None:
    result = classify(text, strict_yes_no=True)
    assert result.intent is expected
    if expected is not Intent.UNKNOWN:
        assert result.confidence == 1.0


def test_strict_mode_still_takes_numbered_options() -> None:
    result = classify("2", context=Context.RESCHEDULE_OPTIONS, options=3, strict_yes_no=True)
    assert result.option == 2


def test_language_hint_settles_words_that_languages_read_differently() -> None:
    # "k" is "ok" in English texting and "không" (no) in Vietnamese texting.
    assert intent("k") is Intent.UNKNOWN
    assert classify("k", language_hint="en") == Classification(Intent.CONFIRM, "en", 0.95)
    assert classify("k", language_hint="vi") == Classification(Intent.CANCEL, "vi", 0.95)


def test_language_reported() -> None:
    assert classify("no puedo ir").language == "es"
    assert classify("ok").language is None
    assert classify("ok", language_hint="pt").language == "pt"
    assert classify("STOP", language_hint="fr").language == "fr"
    assert classify("no puedo ir", language_hint="en").language == "es"


def test_deterministic_and_cached_results_are_equal() -> None:
    first = [classify(t) for t in ("yes", "cancle", "我到了", "what?")]
    second = [classify(t) for t in ("yes", "cancle", "我到了", "what?")]
    assert first == second


def test_long_text_is_handled() -> None:
    long_text = "I will be there " + "and some more words " * 200
    assert intent(long_text) is Intent.UNKNOWN
    assert intent("stop texting me " + "x" * 5000) is Intent.STOP


def test_negative_options_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="options"):
        classify("1", options=-1)


@pytest.mark.parametrize("text", ["③", "❸", "٣", "³", "option ③"])
def test_a_number_in_other_digits_is_the_same_choice(text: str) -> None:
    # Circled, Arabic-Indic and superscript digits: str.isdigit admits them all, int() not.
    result = classify(text, context=Context.RESCHEDULE_OPTIONS, options=3)
    assert result.option == 3
