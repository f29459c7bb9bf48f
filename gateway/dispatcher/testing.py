"""Counting fake providers for tests and benchmarks (no real messages, no accounts).

* :class:`MemorySender` -- an in-process Sender that records every message and can be told
  to fail; it answers look-ups by idempotency key.
* :class:`ProviderLedger` -- what a fake HTTP provider received: every message counted per
  idempotency key on receipt (before it answers, so a lost answer is still counted), and the
  id it gave each key.
* :func:`fake_provider_app` -- that provider as an aiohttp app (``aiohttp_server`` in tests);
  :func:`serve_fake_provider` -- the same provider on a lean HTTP/1.1 server (benchmarks,
  ``python -m gateway.dispatcher.testing``). Both answer ``POST /messages``,
  ``GET /messages/{key}`` (look-up) and ``GET /stats[?full=1]``.
* :class:`HttpFakeSender` -- the Sender for that provider, over keep-alive connections;
  :func:`senders_from_env` builds it for ``careline worker --senders
  gateway.dispatcher.testing:senders_from_env`` from ``CARELINE_FAKE_PROVIDER_URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from aiohttp import web

from channels.base import OutboundMessage, PermanentSendError, SendResult, TransientSendError
from domain.model import Channel, MessageStatus
from gateway.dispatcher._fake_http import ClientConnection, HttpError, Request, ServerProtocol

__all__ = [
    "FailureHook",
    "HttpFakeSender",
    "MemorySender",
    "ProviderLedger",
    "fake_provider_app",
    "received",
    "senders_from_env",
    "serve_fake_provider",
]

FailureHook = Callable[[OutboundMessage], None]
"""Called before a MemorySender accepts a message; raise a SendError to fail it."""


class MemorySender:
    """A Sender that keeps what it was given.

    Attributes:
        sent: accepted messages in order.
        counts: accepted messages per idempotency key (a duplicate shows as 2).
        fail: optional hook run before accepting each message.
        accept_then_fail: hook run *after* recording (simulates "reached the provider, the
            answer was lost").
    """

    def __init__(self, channel: Channel = Channel.SMS, *, lookup_supported: bool = True) -> None:
        self.channel = channel
        self.sent: list[OutboundMessage] = []
        self.counts: Counter[str] = Counter()
        self.fail: FailureHook | None = None
        self.accept_then_fail: FailureHook | None = None
        self.lookup_supported = lookup_supported
        self._ids = itertools.count(1)
        self._by_key: dict[str, str] = {}

    async def send(self, message: OutboundMessage) -> SendResult:
        """Record ``message`` (see :meth:`channels.base.Sender.send`)."""
        if self.fail is not None:
            self.fail(message)
        provider_id = f"MEM{next(self._ids):08d}{uuid.uuid4().hex[:8]}"  # unique across fakes
        self.sent.append(message)
        self.counts[message.idempotency_key] += 1
        self._by_key[message.idempotency_key] = provider_id
        if self.accept_then_fail is not None:
            self.accept_then_fail(message)
        return SendResult(provider_id)

    async def lookup(self, provider_id: str | None, idempotency_key: str) -> MessageStatus | None:
        """Sent when a message with this key was recorded (see :meth:`Sender.lookup`)."""
        if not self.lookup_supported:
            raise NotImplementedError
        return MessageStatus.SENT if idempotency_key in self._by_key else None

    def to(self, address: str) -> list[OutboundMessage]:
        """The messages sent to ``address``."""
        return [m for m in self.sent if m.to_address == address]


class ProviderLedger:
    """What a fake HTTP provider received.

    Attributes:
        counts: messages received per idempotency key (a duplicate shows as 2).
        ids: the provider id given to each key (the first time it was seen).
    """

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.ids: dict[str, str] = {}

    def receive(self, key: str) -> str:
        """Count a message on receipt; returns its provider id."""
        self.counts[key] += 1
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = f"FP{len(self.ids) + 1:010d}"
        return found

    def stats(self, *, full: bool = False) -> dict[str, Any]:
        """Totals and the keys received more than once (with every count when ``full``)."""
        duplicates = sorted(k for k, n in self.counts.items() if n > 1)
        return {
            "total": sum(self.counts.values()), "unique": len(self.counts),
            "duplicates": duplicates, "counts": dict(self.counts) if full else None,
        }

    def handle(self, request: Request) -> tuple[int, bytes]:
        """Answer one request of the provider's small API (the lean server's handler)."""
        path, _, query = request.target.partition("?")
        if request.method == "POST" and path == "/messages":
            try:
                key = str(json.loads(request.body)["idempotency_key"])
            except (ValueError, KeyError, TypeError):
                return 400, b'{"error": "a JSON body with an idempotency_key is required"}'
            sid = self.receive(key)
            return 201, json.dumps({"sid": sid, "status": "queued"}).encode()
        if request.method == "GET" and path.startswith("/messages/"):
            known = self.ids.get(unquote(path.removeprefix("/messages/")))
            if known is None:
                return 404, b'{"error": "no such message"}'
            return 200, json.dumps({"sid": known, "status": "sent"}).encode()
        if request.method == "GET" and path == "/stats":
            full = bool(parse_qs(query).get("full"))
            return 200, json.dumps(self.stats(full=full)).encode()
        return 404, b'{"error": "not found"}'


_LEDGER = web.AppKey("fake_ledger", ProviderLedger)
_DELAY = web.AppKey("fake_delay", float)


async def _receive(request: web.Request) -> web.Response:
    payload = await request.json()
    sid = request.app[_LEDGER].receive(str(payload["idempotency_key"]))
    delay = request.app[_DELAY]
    if delay:
        await asyncio.sleep(delay)
    return web.json_response({"sid": sid, "status": "queued"}, status=201)


async def _lookup(request: web.Request) -> web.Response:
    sid = request.app[_LEDGER].ids.get(request.match_info["key"])
    if sid is None:
        raise web.HTTPNotFound()
    return web.json_response({"sid": sid, "status": "sent"})


async def _stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[_LEDGER].stats(full=bool(request.query.get("full"))))


def fake_provider_app(*, delay: float = 0.0) -> web.Application:
    """The counting fake provider as an aiohttp app (``POST /messages``,
    ``GET /messages/{key}``, ``GET /stats[?full=1]``), answering after ``delay`` seconds."""
    app = web.Application()
    app[_LEDGER] = ProviderLedger()
    app[_DELAY] = delay
    app.router.add_post("/messages", _receive)
    app.router.add_get("/messages/{key}", _lookup)
    app.router.add_get("/stats", _stats)
    return app


def received(app: web.Application) -> Counter[str]:
    """What a running :func:`fake_provider_app` has received, per idempotency key."""
    return app[_LEDGER].counts


async def serve_fake_provider(
    ledger: ProviderLedger, *, host: str = "127.0.0.1", port: int = 0, delay: float = 0.0
) -> asyncio.Server:
    """The counting fake provider on a lean HTTP/1.1 server (same API and counting as
    :func:`fake_provider_app`, a fraction of its cost per request). Close the returned
    server when done."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: ServerProtocol(ledger.handle, delay=delay), host, port, backlog=1024
    )


class HttpFakeSender:
    """A Sender posting to the fake provider at ``base_url`` over keep-alive connections
    (at most ``pool`` at once). Callers bound the time a call may take (the dispatcher
    does); a cancelled call closes its connection."""

    def __init__(self, base_url: str, channel: Channel = Channel.SMS, *, pool: int = 100) -> None:
        self.channel = channel
        self.base_url = base_url.rstrip("/")
        url = urlsplit(self.base_url)
        if url.scheme != "http" or not url.hostname:
            raise ValueError(f"the fake provider needs an http:// URL, not {base_url!r}")
        self._host, self._port = url.hostname, url.port or 80
        self._prefix = url.path
        self._authority = url.netloc
        self._slots = asyncio.Semaphore(pool)
        self._idle: list[ClientConnection] = []

    def _request(self, method: str, path: str, body: bytes = b"") -> bytes:
        head = (
            f"{method} {self._prefix}{path} HTTP/1.1\r\nHost: {self._authority}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return head.encode("latin-1") + body

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        """One request on an idle (or new) connection.

        Raises:
            OSError: no connection could be opened (nothing was sent).
            _AnswerLost: the request went out and no complete answer came back.
        """
        async with self._slots:
            connection = None
            while self._idle:
                candidate = self._idle.pop()
                if candidate.usable:
                    connection = candidate
                    break
                candidate.close()
            if connection is None:
                _, connection = await asyncio.get_running_loop().create_connection(
                    ClientConnection, self._host, self._port
                )
            keep = False
            try:
                status, body, closing = await connection.request(request)
                keep = not closing
            except (OSError, HttpError) as exc:
                raise _AnswerLost(repr(exc)) from exc
            finally:
                if keep:
                    self._idle.append(connection)
                else:
                    connection.close()
            return status, body

    async def send(self, message: OutboundMessage) -> SendResult:
        """POST the message (see :meth:`channels.base.Sender.send`)."""
        payload = json.dumps({
            "idempotency_key": message.idempotency_key,
            "to": message.to_address,
            "from": message.from_address,
            "body": message.body,
        }).encode()
        try:
            status, body = await self._exchange(self._request("POST", "/messages", payload))
        except _AnswerLost as exc:
            raise TransientSendError(f"answer lost: {exc}", maybe_sent=True) from exc
        except OSError as exc:
            raise TransientSendError(f"cannot connect: {exc!r}") from exc
        if status >= 500:
            raise TransientSendError(f"provider answered {status}")
        if status >= 400:
            raise PermanentSendError(f"provider refused the message ({status})")
        try:
            sid = str(json.loads(body)["sid"])
        except (ValueError, KeyError, TypeError) as exc:
            raise TransientSendError("unreadable answer", maybe_sent=True) from exc
        return SendResult(sid, MessageStatus.QUEUED)

    async def lookup(self, provider_id: str | None, idempotency_key: str) -> MessageStatus | None:
        """Ask the fake provider by idempotency key (see :meth:`Sender.lookup`)."""
        path = f"/messages/{quote(idempotency_key, safe='')}"
        status, body = await self._exchange(self._request("GET", path))
        if status == 404:
            return None
        if status != 200:
            raise RuntimeError(f"the provider answered {status} to a look-up")
        return MessageStatus(str(json.loads(body)["status"]))

    async def aclose(self) -> None:
        """Close the idle connections."""
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


class _AnswerLost(Exception):
    """The request was sent and no complete answer came back."""


def senders_from_env(settings: object = None, **resources: object) -> dict[Channel, Any]:
    """SMS through the fake provider at ``CARELINE_FAKE_PROVIDER_URL`` (tests, benchmarks);
    the worker's factory arguments (settings, db, stores, clock) are not used."""
    return {Channel.SMS: HttpFakeSender(os.environ["CARELINE_FAKE_PROVIDER_URL"])}


def main(argv: list[str] | None = None) -> None:
    """Run the fake provider; prints ``listening on http://127.0.0.1:PORT`` when ready."""
    parser = argparse.ArgumentParser(description="Counting fake SMS provider (tests only).")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before answering")
    args = parser.parse_args(argv)

    async def serve() -> None:
        server = await serve_fake_provider(ProviderLedger(), port=args.port, delay=args.delay)
        port = server.sockets[0].getsockname()[1]
        print(f"listening on http://127.0.0.1:{port}", flush=True)
        async with server:
            await server.serve_forever()

    from gateway import event_loop

    try:
        event_loop.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
