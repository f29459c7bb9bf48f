"""The official Twilio REST client on an async HTTP client, and its errors as send errors."""

from __future__ import annotations

import base64

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from channels.base import PermanentSendError, SendError, TransientSendError
from domain.model import MessageStatus

__all__ = ["TwilioRest", "call_status", "message_status", "send_error"]

_MESSAGE_STATUS = {
    "accepted": MessageStatus.QUEUED,
    "scheduled": MessageStatus.QUEUED,
    "queued": MessageStatus.QUEUED,
    "sending": MessageStatus.SENDING,
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.FAILED,
    "receiving": MessageStatus.RECEIVED,
    "received": MessageStatus.RECEIVED,
}
_CALL_STATUS = {
    "queued": MessageStatus.QUEUED,
    "initiated": MessageStatus.SENDING,
    "ringing": MessageStatus.SENDING,
    "in-progress": MessageStatus.SENT,
    "completed": MessageStatus.DELIVERED,
    "busy": MessageStatus.UNDELIVERED,
    "no-answer": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.FAILED,
}


def message_status(twilio_status: str) -> MessageStatus | None:
    """Our state for a Twilio message status (None for one we do not know)."""
    return _MESSAGE_STATUS.get(twilio_status.lower())


def call_status(twilio_status: str) -> MessageStatus | None:
    """Our state for a Twilio call status: a completed call counts as delivered."""
    return _CALL_STATUS.get(twilio_status.lower())


def send_error(exc: Exception) -> SendError:
    """The send error for a failure of the Twilio client.

    Rate limits, server errors and network failures are transient; other refusals (invalid or
    opted-out number, bad parameters) are permanent. Bad credentials are transient so that
    messages wait for the operator to fix them rather than fail.
    """
    if isinstance(exc, TwilioRestException):
        code = str(exc.code) if exc.code is not None else str(exc.status)
        reason = f"Twilio refused: {exc.msg or exc.status}"
        if exc.status == 429 or exc.status in (401, 403):
            return TransientSendError(reason, code=code)
        if exc.status >= 500:
            return TransientSendError(reason, code=code, maybe_sent=True)
        return PermanentSendError(reason, code=code)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return TransientSendError(f"Twilio unreachable: {exc}")
    if isinstance(exc, aiohttp.ClientError | TimeoutError):
        return TransientSendError(f"Twilio did not answer: {exc!r}", maybe_sent=True)
    return TransientSendError(f"unexpected failure talking to Twilio: {exc!r}", maybe_sent=True)


class _HeaderAuthHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """Twilio's async client, sending credentials as a header (aiohttp deprecates BasicAuth)."""

    async def request(
        self, method: str, url: str, params: dict[str, object] | None = None,
        data: dict[str, object] | None = None, headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the signature of Twilio's client
        allow_redirects: bool = False,
    ) -> Response:
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            headers = {**(headers or {}), "Authorization": f"Basic {token}"}
        return await super().request(method, url, params=params, data=data, headers=headers,
                                     auth=None, timeout=timeout,
                                     allow_redirects=allow_redirects)


class TwilioRest:
    """A lazily built Twilio client (its HTTP session needs a running loop).

    Args:
        account_sid, auth_token: credentials.
        api_base_url: where requests go instead of https://api.twilio.com (tests, mocks).
        timeout: seconds per request.
    """

    def __init__(
        self, account_sid: str, auth_token: str, *, api_base_url: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.api_base_url = api_base_url
        self.timeout = timeout
        self._client: Client | None = None
        self._http: AsyncTwilioHttpClient | None = None

    def client(self) -> Client:
        """The client; call from a coroutine."""
        if self._client is None:
            self._http = _HeaderAuthHttpClient(timeout=self.timeout)
            client = Client(self.account_sid, self.auth_token, http_client=self._http)
            if self.api_base_url:
                client.api.base_url = self.api_base_url.rstrip("/")
            self._client = client
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP session. Idempotent."""
        if self._http is not None:
            await self._http.close()
            self._http = None
            self._client = None
