"""Small pure pieces of the channels: tokens, TwiML, status codes, outbound email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

from hypothesis import given
from hypothesis import strategies as st

from channels.email_message import OutgoingEmail, build_email, text_to_html
from channels.signed_tokens import sign, verify
from channels.twilio_rest import call_status, message_status
from channels.twilio_sms import messaging_twiml
from channels.twilio_status import ContactEffect, contact_effect
from channels.twilio_voice import dial_twiml, parse_answer, prompt_twiml, say_language
from channels.unsubscribe import read_unsubscribe_token, unsubscribe_token
from channels.widget import issue_session, read_session
from domain.model import MessageStatus

NOW = datetime(2025, 1, 6, 15, 0, tzinfo=UTC)


@given(payload=st.dictionaries(st.text(max_size=5), st.text(max_size=20), max_size=4),
       tamper=st.integers(min_value=0, max_value=200))
def test_tokens_verify_only_unchanged_for_their_purpose(payload: dict[str, str],
                                                        tamper: int) -> None:
    token = sign("secret", "a", payload)
    assert verify("secret", "a", token) == payload
    assert verify("secret", "b", token) is None
    assert verify("other", "a", token) is None
    index = tamper % len(token)
    flipped = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1:]
    assert verify("secret", "a", flipped) in (None, payload)  # base64 padding bits may not matter


def test_unsubscribe_tokens_round_trip() -> None:
    token = unsubscribe_token("s", "ORG", "pat@example.com", "care@clinic.example")
    link = read_unsubscribe_token("s", token)
    assert link is not None and (link.org_id, link.address) == ("ORG", "pat@example.com")
    assert read_unsubscribe_token("s", token + "x") is None


def test_widget_sessions_expire_and_renew() -> None:
    session = issue_session("key-12345", NOW)
    token = session.token("s")
    assert read_session("s", token, NOW) == session
    assert read_session("s", token, NOW + timedelta(days=2)) is None
    renewed = issue_session("key-12345", NOW + timedelta(hours=20), session_id=session.session_id)
    assert renewed.session_id == session.session_id and renewed.expires_at > session.expires_at


def test_say_languages_fall_back_to_english_where_twilio_has_no_voice() -> None:
    assert say_language("es") == "es-MX"
    assert say_language("pt-BR") == "pt-BR"
    assert say_language("fr-CA") == "fr-CA"
    assert say_language("ht") == "en-US"


def test_prompt_twiml_escapes_text_and_posts_back() -> None:
    xml = prompt_twiml("Dr. <Smith> & co", "en", action="https://c.example/v?step=1")
    assert "Dr. &lt;Smith&gt; &amp; co" in xml and 'action="https://c.example/v?step=1"' in xml
    assert "<Dial>+13125550142</Dial>" in dial_twiml("+13125550142", "en")
    assert "<Dial>" not in dial_twiml(None, "en")
    assert messaging_twiml(["a & b"]).endswith("<Response><Message>a &amp; b</Message></Response>")


def test_keypad_answers() -> None:
    answers = {k: parse_answer({"Digits": k}) for k in "12390"}
    assert {k: a.text if a else None for k, a in answers.items()} == {
        "1": "confirm", "2": "cancel", "3": "reschedule", "9": "repeat", "0": "0"}
    spoken = parse_answer({"SpeechResult": "Repeat."})
    assert spoken is not None and spoken.repeat
    assert parse_answer({}) is None


def test_status_words_and_error_codes() -> None:
    assert message_status("delivered") is MessageStatus.DELIVERED
    assert message_status("undelivered") is MessageStatus.UNDELIVERED
    assert call_status("completed") is MessageStatus.DELIVERED
    assert message_status("warp") is None
    assert contact_effect("21610") is ContactEffect.DO_NOT_CONTACT
    assert contact_effect("30003") is ContactEffect.INVALID
    assert contact_effect("30006") is ContactEffect.LANDLINE
    assert contact_effect("30007") is None and contact_effect(None) is None


def test_outbound_email_has_both_parts_threading_and_one_click_unsubscribe() -> None:
    mail = OutgoingEmail(
        sender_name="Test Clinic", sender_address="care@clinic.example",
        to_address="pat@example.com", subject="Your visit", text="See you <soon>.\n\nBye",
        message_id="abc.123@clinic.example", date=NOW,
        unsubscribe_url="https://c.example/unsubscribe/t.k", reply_to="key@in.example",
        in_reply_to="q@mail.example", references=("r@mail.example",),
    )
    parsed = message_from_bytes(build_email(mail).as_bytes(), policy=policy.default)
    assert parsed["From"] == "Test Clinic <care@clinic.example>"
    assert parsed["Message-ID"] == "<abc.123@clinic.example>"
    assert parsed["In-Reply-To"] == "<q@mail.example>"
    assert parsed["References"] == "<r@mail.example> <q@mail.example>"
    assert parsed["List-Unsubscribe"] == "<https://c.example/unsubscribe/t.k>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed.get_content_type() == "multipart/alternative"
    plain = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert plain is not None and "https://c.example/unsubscribe/t.k" in plain.get_content()
    assert html is not None and "See you &lt;soon&gt;." in html.get_content()
    assert text_to_html("a\nb\n\nc") == "<p>a<br>b</p><p>c</p>"
