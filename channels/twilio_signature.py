"""Checking ``X-Twilio-Signature``: what ``twilio.request_validator.RequestValidator.validate``
decides, with one HMAC per request instead of two.

Twilio signs the webhook URL it was given followed by the form's fields (names sorted, each
name followed by its values sorted), with HMAC-SHA1 keyed by the account's auth token, in
base64. ``RequestValidator.validate`` accepts a signature of the URL without its port or with
its default port, and computes both HMACs every time. Here the URL without the port (the form
Twilio is usually given, and the one tried first) is checked first and the second HMAC is
computed only when the first does not match; the two URL forms are derived with the twilio
package's own ``remove_port`` and ``add_port`` and remembered per URL. The answer is the
validator's for every input (tests/channels/test_twilio_signature.py compares them), for the
default algorithm (HMAC-SHA1) and form fields (not the ``bodySHA256`` JSON variant).
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlparse

from twilio.request_validator import add_port, remove_port

__all__ = ["SignatureChecker", "signed_payload"]


@functools.lru_cache(maxsize=64)
def _url_forms(url: str) -> tuple[str, str]:
    """The URL without its port and with its default port, as the validator derives them."""
    parsed = urlparse(url)
    return remove_port(parsed), add_port(parsed)


def signed_payload(form: Mapping[str, str]) -> str:
    """The fields as Twilio appends them to the URL: names sorted, each followed by each of
    its distinct values, sorted."""
    parts: list[str] = []
    getall = getattr(form, "getall", None)  # a multidict: a name may come several times
    if getall is not None:
        for name in sorted(set(form)):
            values = getall(name)
            if len(values) == 1:
                parts += (name, values[0])
            else:
                for value in sorted(set(values)):
                    parts += (name, value)
    else:
        for name in sorted(form):
            parts += (name, form[name])
    return "".join(parts)


class SignatureChecker:
    """Checks webhook signatures made with one auth token.

    Args:
        auth_token: the Twilio account's auth token.
    """

    __slots__ = ("_keyed",)

    def __init__(self, auth_token: str) -> None:
        # Keyed once and copied per signature: cheaper than keying each time, and unlike the
        # one-shot ``hmac.digest`` it keeps the GIL (which the one-shot releases and then has
        # to win back from the database's thread).
        self._keyed = hmac.new(auth_token.encode("utf-8"), digestmod=hashlib.sha1)

    def signature(self, url: str, payload: str) -> str:
        """The base64 HMAC-SHA1 of ``url`` + ``payload`` (see :func:`signed_payload`).

        Raises:
            UnicodeEncodeError: the text cannot be encoded in UTF-8 (as the validator raises).
        """
        mac = self._keyed.copy()
        mac.update((url + payload).encode("utf-8"))
        return binascii.b2a_base64(mac.digest(), newline=False).decode("ascii")

    def valid(self, url: str, form: Mapping[str, str], signature: str) -> bool:
        """True when ``signature`` signs ``url`` (without or with its default port) and
        ``form``: ``RequestValidator(auth_token).validate(url, form, signature)``.

        Raises:
            ValueError: the URL's port is not a number (as the validator raises).
            UnicodeEncodeError: the URL or a field cannot be encoded in UTF-8 (likewise).
        """
        without_port, with_port = _url_forms(url)
        payload = signed_payload(form)
        if not signature.isascii():  # a base64 signature is ASCII: nothing can match
            self.signature(without_port, payload)  # but raise what the validator raises
            return False
        if hmac.compare_digest(self.signature(without_port, payload), signature):
            return True
        return hmac.compare_digest(self.signature(with_port, payload), signature)
