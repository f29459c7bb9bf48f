"""Hypothesis against the HTTP endpoints: whatever arrives, the answer is never a 5xx."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gateway.webhooks.appkit import SMS_NUMBER, signed
from tests.gateway.webhooks.conftest import Running

Start = Callable[..., Awaitable[Running]]
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

FIELD_NAMES = st.sampled_from(
    ["MessageSid", "SmsSid", "From", "To", "Body", "NumMedia", "MediaUrl0", "MediaUrl1",
     "MessageStatus", "ErrorCode", "CallSid", "CallStatus", "Digits", "SpeechResult",
     "AnsweredBy", "Direction", "x"]
)
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "1", "11", "-1", "999", SMS_NUMBER, "+12125550123",
                     "SM" + "a" * 32, "CA" + "b" * 32, "https://api.twilio.com/m", "delivered",
                     "machine_start", "outbound-api", "21610", "30006"]),
)
FORMS = st.lists(st.tuples(FIELD_NAMES, VALUES), max_size=10)


_APP: list[tuple[Start, Running]] = []


async def app_for(start: Start) -> Running:
    """One app per test (the fixture is per test; hypothesis runs many examples in it)."""
    if not _APP or _APP[0][0] is not start:
        _APP[:] = [(start, await start())]
    return _APP[0][1]


@FUZZ
@given(form=FORMS, path=st.sampled_from(
    ["/webhooks/twilio/sms", "/webhooks/twilio/status", "/webhooks/twilio/voice",
     "/webhooks/twilio/voice?step=1", "/webhooks/twilio/voice?step=x"]))
async def test_signed_twilio_forms_never_get_a_5xx(
    start: Start, form: list[tuple[str, str]], path: str
) -> None:
    app = await app_for(start)
    body, headers = signed(path, form)
    response = await app.client.post(path, data=body, headers=headers)
    assert response.status < 500, await response.text()


@FUZZ
@given(raw=st.binary(max_size=400), content_type=st.sampled_from(
    ["application/x-www-form-urlencoded", "application/json", "text/plain", "multipart/form-data"]))
async def test_raw_bodies_never_get_a_5xx(start: Start, raw: bytes, content_type: str) -> None:
    app = await app_for(start)
    for path in ("/webhooks/twilio/sms", "/webhooks/email/inbound?token=x",
                 "/simulator/api/phones/+12125550123/lines"):
        response = await app.client.post(path, data=raw, headers={"Content-Type": content_type})
        assert response.status < 500, (path, await response.text())

