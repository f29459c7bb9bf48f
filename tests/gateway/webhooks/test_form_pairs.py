"""form_pairs reads a form body as urllib.parse.parse_qsl does with Careline's arguments."""

from __future__ import annotations

from urllib.parse import parse_qsl

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gateway.webhooks._forms import MAX_FORM_FIELDS, form_pairs

PIECES = st.sampled_from(["&", "=", "+", "%", "%2", "%20", "%C3%A9", "%E9", "%ZZ", "%00", "a",
                          "Body", "é", " ", "&&", "=="])
BODIES = st.one_of(st.text(max_size=60), st.lists(PIECES, max_size=30).map("".join))


def reference(text: str) -> list[tuple[str, str]] | type[Exception]:
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict",
                         max_num_fields=MAX_FORM_FIELDS)
    except (ValueError, UnicodeDecodeError) as exc:  # UnicodeDecodeError is a ValueError
        return type(exc)


@settings(max_examples=1000)
@given(text=BODIES)
@example(text="")
@example(text="&")
@example(text="a")
@example(text="a=b=c&=x&y=&&z")
@example(text="Body=caf%C3%A9+au+lait&To=%2B18885550199")
@example(text="bad=%E9")
@example(text="&".join(["a=1"] * MAX_FORM_FIELDS))
@example(text="&".join(["a=1"] * (MAX_FORM_FIELDS + 1)))
@example(text="&" * MAX_FORM_FIELDS)
def test_the_pairs_are_parse_qsls(text: str) -> None:
    try:
        actual: list[tuple[str, str]] | type[Exception] = form_pairs(text)
    except (ValueError, UnicodeDecodeError) as exc:
        actual = type(exc)
    assert actual == reference(text)
