"""SignatureChecker decides what twilio's RequestValidator decides, for every input."""

from __future__ import annotations

from urllib.parse import urlparse

from hypothesis import example, given, settings
from hypothesis import strategies as st
from multidict import MultiDict, MultiDictProxy
from twilio.request_validator import RequestValidator, add_port, remove_port

from channels.twilio_signature import SignatureChecker, signed_payload

TOKEN = "test-auth-token"
URLS = st.one_of(
    st.sampled_from([
        "https://careline.example/webhooks/twilio/sms",
        "https://careline.example:443/webhooks/twilio/sms",
        "https://careline.example:8443/webhooks/twilio/sms?x=1&y=%20",
        "http://careline.example/webhooks/twilio/sms",
        "http://careline.example:80/webhooks/twilio/sms",
        "HTTPS://Careline.Example/webhooks/twilio/sms?",
        "https://careline.example/webhooks/twilio/sms#frag",
        "https://careline.example:0/x",
    ]),
    st.builds(lambda scheme, host, port, path: f"{scheme}://{host}{port}/{path}",
              st.sampled_from(["http", "https"]),
              st.from_regex(r"[a-z][a-z0-9.-]{0,12}", fullmatch=True),
              st.sampled_from(["", ":443", ":80", ":8080", ":1"]),
              st.text(max_size=20)),
)
NAMES = st.one_of(st.sampled_from(["Body", "From", "To", "MessageSid", "NumMedia"]),
                  st.text(max_size=6))
VALUES = st.text(alphabet=st.characters(exclude_categories=()), max_size=20)
FORMS = st.lists(st.tuples(NAMES, VALUES), max_size=8).map(
    lambda pairs: MultiDictProxy(MultiDict(pairs)))


def signatures(validator: RequestValidator, url: str, form: MultiDictProxy[str]) -> list[str]:
    """The signatures a sender might have made: each URL form, plus wrong ones."""
    parsed = urlparse(url)
    good = [validator.compute_signature(u, form) for u in (url, remove_port(parsed),
                                                          add_port(parsed))]
    return [*good, "", "not-a-signature", good[0][:-1] + "x", "é" + good[0][1:]]


@settings(max_examples=400)
@given(url=URLS, form=FORMS, other=st.sampled_from([TOKEN, "another-token"]),
       pick=st.integers(min_value=0, max_value=6))
@example(url="https://careline.example/webhooks/twilio/sms",
         form=MultiDictProxy(MultiDict([("Body", "b"), ("Body", "a"), ("Body", "a")])),
         other=TOKEN, pick=0)
def test_the_checker_agrees_with_request_validator(
    url: str, form: MultiDictProxy[str], other: str, pick: int
) -> None:
    try:
        candidates = signatures(RequestValidator(other), url, form)
    except (ValueError, UnicodeEncodeError):  # a bad port or a lone surrogate: no signature
        candidates = ["", "x", "é"]
    signature = candidates[pick % len(candidates)]
    try:
        expected: bool | type[Exception] = RequestValidator(TOKEN).validate(url, form, signature)
    except (ValueError, UnicodeEncodeError) as exc:
        expected = type(exc)
    try:
        actual: bool | type[Exception] = SignatureChecker(TOKEN).valid(url, form, signature)
    except (ValueError, UnicodeEncodeError) as exc:
        actual = type(exc)
    assert actual == expected


def test_a_signature_of_the_url_with_its_port_is_accepted_too() -> None:
    url = "https://careline.example/webhooks/twilio/sms"
    form = MultiDictProxy(MultiDict([("Body", "hi"), ("From", "+12125550123")]))
    checker = SignatureChecker(TOKEN)
    validator = RequestValidator(TOKEN)
    with_port = validator.compute_signature("https://careline.example:443/webhooks/twilio/sms",
                                            form)
    assert checker.valid(url, form, with_port)
    assert checker.valid(url, form, validator.compute_signature(url, form))
    assert not checker.valid(url, form, validator.compute_signature(url + "x", form))
    assert not SignatureChecker("wrong").valid(url, form, validator.compute_signature(url, form))


def test_a_plain_mapping_signs_like_a_multidict() -> None:
    pairs = {"To": "+18885550199", "Body": "C", "From": "+12125550123"}
    assert signed_payload(pairs) == signed_payload(MultiDictProxy(MultiDict(pairs)))
    url = "https://careline.example/x"
    assert SignatureChecker(TOKEN).signature(url, signed_payload(pairs)) == \
        RequestValidator(TOKEN).compute_signature(url, pairs)
