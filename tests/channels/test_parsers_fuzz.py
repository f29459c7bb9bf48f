"""Hypothesis against every inbound parser: forms, MIME, widget frames. Each either yields a
well-formed result or refuses with its own error naming the problem; nothing else escapes."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.email_inbound import parse_email, parse_email_fields
from channels.twilio_sms import parse_inbound_sms
from channels.twilio_status import parse_status_callback
from channels.twilio_voice import parse_answer
from channels.widget import MAX_TEXT, ClientMessage, FrameError, Ping, Resume, parse_client_frame
from domain.errors import ValidationError
from domain.model import MAX_BODY
from gateway.webhooks._forms import parse_form

NOW = datetime(2025, 1, 6, 15, 0, tzinfo=UTC)
FIELDS = st.sampled_from(["MessageSid", "SmsSid", "From", "To", "Body", "NumMedia",
                          "MediaUrl0", "MessageStatus", "ErrorCode", "CallSid", "CallStatus",
                          "Digits", "SpeechResult", "z"])
VALUES = st.one_of(st.text(max_size=50), st.sampled_from(
    ["+12125550123", "+18885550199", "SM" + "0" * 32, "MM" + "f" * 32, "CA" + "1" * 32, "1",
     "2", "10", "https://api.twilio.com/x", "delivered", "in-progress", "21610"]))
FORMS = st.dictionaries(FIELDS, VALUES, max_size=8)


@settings(max_examples=300)
@given(body=st.binary(max_size=500))
def test_form_bodies_parse_or_get_a_4xx(body: bytes) -> None:
    try:
        form = parse_form(body)
    except web.HTTPException as exc:
        assert 400 <= exc.status < 500
        return
    assert all("\x00" not in v for v in form.values())


@settings(max_examples=300)
@given(form=FORMS)
def test_sms_forms_make_an_envelope_or_name_the_bad_field(form: dict[str, str]) -> None:
    try:
        envelope = parse_inbound_sms(form, received_at=NOW)
    except ValidationError as exc:
        assert exc.field in {"MessageSid", "SmsSid", "From", "To", "Body", "NumMedia"} or \
            exc.field.startswith("Media")
        return
    assert envelope.from_address.startswith("+") and envelope.provider_message_id[:2] in (
        "SM", "MM")
    assert len(envelope.media) == int(form.get("NumMedia") or 0)


@settings(max_examples=300)
@given(form=FORMS)
def test_status_and_voice_forms_never_crash(form: dict[str, str]) -> None:
    for parse in (parse_status_callback, parse_answer):
        try:
            parse(form)
        except ValidationError as exc:
            assert exc.field


MIME_PIECES = st.lists(st.sampled_from([
    b"From: Pat <pat@example.com>\r\n", b"From: \r\n", b"From: =?utf-8?q?=E2=80?= <a@b.c>\r\n",
    b"To: care@clinic.example\r\n", b"To: undisclosed-recipients:;\r\n",
    b"Message-ID: <x@y>\r\n", b"In-Reply-To: <a@b> <c@d>\r\n", b"References: garbage\r\n",
    b"Subject: =?bogus?b?!!!?=\r\n", b"Content-Type: text/plain; charset=klingon\r\n",
    b"Content-Type: multipart/alternative; boundary=zz\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"\r\n", b"--zz\r\nContent-Type: text/html\r\n\r\n<p>hi<script>x</script></p>\r\n",
    b"--zz--\r\n", b"Hello\r\n", b"> quoted\r\n", b"\xff\xfe\x00", b"=?=\r\n",
]), max_size=14)


@settings(max_examples=400)
@given(pieces=MIME_PIECES, noise=st.binary(max_size=80), recipient=st.sampled_from(
    [None, "care@clinic.example", "not-an-address"]))
def test_mime_messages_make_an_envelope_or_name_the_problem(
    pieces: list[bytes], noise: bytes, recipient: str | None
) -> None:
    raw = b"".join(pieces) + noise
    try:
        envelope = parse_email(raw, recipient=recipient, received_at=NOW)
    except ValidationError as exc:
        assert exc.field in {"email", "from", "to"}
        return
    assert "@" in envelope.from_address and "@" in envelope.to_address
    assert "\x00" not in envelope.text and len(envelope.text) <= 20_000 <= 5 * MAX_BODY
    assert envelope.provider_message_id


@settings(max_examples=200)
@given(fields=st.dictionaries(st.sampled_from(
    ["from", "to", "subject", "text", "html", "headers", "message_id", "in_reply_to",
     "references"]), st.text(max_size=80), max_size=9))
def test_inbound_parse_fields_never_crash(fields: dict[str, str]) -> None:
    try:
        parse_email_fields(fields, received_at=NOW)
    except ValidationError as exc:
        assert exc.field in {"from", "to"}


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=8,
)


@settings(max_examples=400)
@given(frame=st.one_of(
    st.text(max_size=200),
    st.builds(lambda kind, rest: {"type": kind, **rest},
              st.sampled_from(["message", "resume", "ping", "other"]),
              st.dictionaries(st.sampled_from(["id", "text", "last_seq"]), JSONISH, max_size=3)),
))
def test_widget_frames_parse_or_become_error_frames(frame: object) -> None:
    import json

    data = frame if isinstance(frame, str) else json.dumps(frame)
    try:
        parsed = parse_client_frame(data)
    except FrameError as exc:
        assert exc.code in {"bad_json", "bad_frame", "too_large", "unknown_type"}
        return
    if isinstance(parsed, ClientMessage):
        assert 0 < len(parsed.text) <= MAX_TEXT and parsed.id
    else:
        assert isinstance(parsed, Resume | Ping)


def test_a_deeply_nested_frame_is_refused_not_a_crash() -> None:
    data = "[" * 100_000 + "]" * 100_000
    try:
        parse_client_frame(data)
    except FrameError as exc:
        assert exc.code == "too_large"
    deep = "[" * 3000 + "]" * 3000
    try:
        parse_client_frame(deep)
    except FrameError as exc:
        assert exc.code in ("bad_json", "bad_frame")
