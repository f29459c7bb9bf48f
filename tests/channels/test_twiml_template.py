"""messaging_twiml writes what twilio's MessagingResponse writes, character for character."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from twilio.twiml.messaging_response import MessagingResponse

from channels.twilio_sms import EMPTY_TWIML, messaging_twiml

TEXTS = st.text(alphabet=st.characters(exclude_categories=()), max_size=40)  # with surrogates


def reference(replies: list[str]) -> str:
    response = MessagingResponse()
    for reply in replies:
        response.message(reply)
    return str(response)


@settings(max_examples=500)
@given(replies=st.lists(TEXTS, max_size=4))
@example(replies=[])
@example(replies=[""])
@example(replies=["ok"])
@example(replies=["a & b < c > d \"e\" 'f' \r\n\t\x00\x01 é 👋"])
@example(replies=["\ud800 lone surrogate", "&#55296;"])
@example(replies=["Reply C to confirm, X to cancel", "", "]]>"])
def test_the_template_matches_messaging_response(replies: list[str]) -> None:
    assert messaging_twiml(replies) == reference(replies)


def test_no_replies_is_the_empty_response() -> None:
    assert messaging_twiml([]) == EMPTY_TWIML == str(MessagingResponse())
