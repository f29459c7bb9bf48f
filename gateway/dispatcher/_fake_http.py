"""Just enough HTTP/1.1 for the counting fake provider and its sender (tests, benchmarks).

The fake provider and :class:`~gateway.dispatcher.testing.HttpFakeSender` are measuring
instruments: the dispatcher benchmark sends thousands of messages a second through them on
the same two cores as the worker and the database, so a full web framework on both ends
would measure the framework rather than the outbox. This module speaks the small subset
they need -- requests and answers with ``Content-Length`` bodies on keep-alive connections,
one request at a time per connection -- and refuses anything else (chunked bodies, oversized
heads) with an error rather than guessing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import cast

__all__ = ["ClientConnection", "HttpError", "Request", "ServerProtocol", "response_bytes"]

MAX_HEAD = 16 * 1024
MAX_BODY = 1024 * 1024
_END = b"\r\n\r\n"


class HttpError(Exception):
    """A message that this subset of HTTP/1.1 cannot read."""


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    target: str
    body: bytes


@dataclass(frozen=True, slots=True)
class _Head:
    first: list[str]
    length: int
    close: bool


def _head(raw: bytes, *, http10_closes: bool) -> _Head:
    lines = raw.decode("latin-1").split("\r\n")
    first = lines[0].split(" ", 2)
    length, close = 0, False
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise HttpError(f"malformed header line {line[:40]!r}")
        name = name.strip().lower()
        if name == "content-length":
            if not value.strip().isdigit():
                raise HttpError("malformed Content-Length")
            length = int(value)
        elif name == "transfer-encoding":
            raise HttpError("Transfer-Encoding is not supported")
        elif name == "connection":
            close = value.strip().lower() == "close"
    if length > MAX_BODY:
        raise HttpError("body too large")
    version = first[0] if raw[:5] == b"HTTP/" else (first[2] if len(first) == 3 else "")
    if http10_closes and version == "HTTP/1.0":
        close = True
    return _Head(first, length, close)


def _split(buffer: bytearray, *, http10_closes: bool) -> tuple[_Head, bytes] | None:
    """Take one complete message (head and body) off the front of ``buffer``, if there is
    one."""
    end = buffer.find(_END)
    if end < 0:
        if len(buffer) > MAX_HEAD:
            raise HttpError("head too large")
        return None
    head = _head(bytes(buffer[:end]), http10_closes=http10_closes)
    start = end + len(_END)
    if len(buffer) < start + head.length:
        return None
    body = bytes(buffer[start : start + head.length])
    del buffer[: start + head.length]
    return head, body


def response_bytes(status: int, body: bytes, *, close: bool = False) -> bytes:
    """A complete JSON answer."""
    phrase = HTTPStatus(status).phrase
    connection = "Connection: close\r\n" if close else ""
    return (
        f"HTTP/1.1 {status} {phrase}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{connection}\r\n"
    ).encode("latin-1") + body


Handler = Callable[[Request], tuple[int, bytes]]
"""Answers a request with a status and a JSON body (runs on arrival, before any delay)."""


class ServerProtocol(asyncio.Protocol):
    """One server connection: requests are handled in order, each on arrival, and answered
    after ``delay`` seconds (the next request is read once the answer went out)."""

    def __init__(self, handler: Handler, *, delay: float = 0.0) -> None:
        self._handler = handler
        self._delay = delay
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None
        self._waiting = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self._waiting:
            self._serve()

    def _serve(self) -> None:
        while self._transport is not None and not self._transport.is_closing():
            try:
                taken = _split(self._buffer, http10_closes=True)
            except HttpError as exc:
                self._answer(400, f'{{"error": "{exc}"}}'.encode(), close=True)
                return
            if taken is None:
                return
            head, body = taken
            if len(head.first) != 3:
                self._answer(400, b'{"error": "malformed request line"}', close=True)
                return
            status, payload = self._handler(Request(head.first[0], head.first[1], body))
            if self._delay > 0:
                self._waiting = True
                asyncio.get_running_loop().call_later(
                    self._delay, self._answer_later, status, payload, head.close
                )
                return
            self._answer(status, payload, close=head.close)

    def _answer_later(self, status: int, payload: bytes, close: bool) -> None:
        self._waiting = False
        self._answer(status, payload, close=close)
        self._serve()

    def _answer(self, status: int, payload: bytes, *, close: bool) -> None:
        if self._transport is None or self._transport.is_closing():
            return
        self._transport.write(response_bytes(status, payload, close=close))
        if close:
            self._transport.close()


class ClientConnection(asyncio.Protocol):
    """One keep-alive client connection; :meth:`request` sends one request at a time."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None
        self._answer: asyncio.Future[tuple[int, bytes, bool]] | None = None

    @property
    def usable(self) -> bool:
        """Open, idle and with nothing unread (a stray byte means it is out of step)."""
        return (
            self._transport is not None
            and not self._transport.is_closing()
            and self._answer is None
            and not self._buffer
        )

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        self._fail(ConnectionResetError("the connection closed before the answer came"))

    def eof_received(self) -> bool:
        return False  # close our side too

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        answer = self._answer
        if answer is None or answer.done():
            return
        try:
            taken = _split(self._buffer, http10_closes=False)
        except HttpError as exc:
            self._fail(exc)
            self.close()
            return
        if taken is None:
            return
        head, body = taken
        try:
            status = int(head.first[1])
        except (IndexError, ValueError):
            self._fail(HttpError("malformed status line"))
            self.close()
            return
        self._answer = None
        answer.set_result((status, body, head.close))

    def _fail(self, exc: Exception) -> None:
        answer, self._answer = self._answer, None
        if answer is not None and not answer.done():
            answer.set_exception(exc)

    async def request(self, data: bytes) -> tuple[int, bytes, bool]:
        """Send one complete request; returns the status, the body and whether the server
        closes the connection after it.

        Raises:
            ConnectionError, HttpError: the answer did not come (the request may have
                arrived).
        """
        if self._transport is None or self._answer is not None:
            raise ConnectionResetError("the connection is not usable")
        answer: asyncio.Future[tuple[int, bytes, bool]] = (
            asyncio.get_running_loop().create_future()
        )
        self._answer = answer
        self._transport.write(data)
        return await answer

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
