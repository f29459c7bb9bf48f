"""Counting fake providers for tests and benchmarks (no real messages, no accounts).

* :class:`MemorySender` -- an in-process Sender that records every message and can be told
  to fail; it answers look-ups by idempotency key.
* :func:`fake_provider_app` -- a tiny aiohttp "provider" on 127.0.0.1 that counts the
  messages it receives per idempotency key (``GET /stats``) and answers look-ups
  (``GET /messages/{key}``); run it with ``python -m gateway.dispatcher.testing``.
* :class:`HttpFakeSender` -- the Sender for that provider; :func:`senders_from_env` builds it
  for ``careline worker --senders gateway.dispatcher.testing:senders_from_env`` from
  ``CARELINE_FAKE_PROVIDER_URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from channels.base import OutboundMessage, SendResult, TransientSendError
from domain.model import Channel, MessageStatus

__all__ = [
    "FailureHook",
    "HttpFakeSender",
    "MemorySender",
    "fake_provider_app",
    "received",
    "senders_from_env",
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


_COUNTS = web.AppKey("fake_counts", Counter)
_IDS = web.AppKey("fake_ids", dict)
_DELAY = web.AppKey("fake_delay", float)


async def _receive(request: web.Request) -> web.Response:
    payload = await request.json()
    key = str(payload["idempotency_key"])
    counts: Counter[str] = request.app[_COUNTS]
    ids: dict[str, str] = request.app[_IDS]
    counts[key] += 1  # counted on receipt, before answering: a lost answer is still counted
    ids.setdefault(key, f"FP{len(ids) + 1:010d}")
    delay = request.app[_DELAY]
    if delay:
        await asyncio.sleep(delay)
    return web.json_response({"sid": ids[key], "status": "queued"}, status=201)


async def _lookup(request: web.Request) -> web.Response:
    ids: dict[str, str] = request.app[_IDS]
    key = request.match_info["key"]
    if key not in ids:
        raise web.HTTPNotFound()
    return web.json_response({"sid": ids[key], "status": "sent"})


async def _stats(request: web.Request) -> web.Response:
    counts: Counter[str] = request.app[_COUNTS]
    duplicates = sorted(k for k, n in counts.items() if n > 1)
    return web.json_response(
        {"total": sum(counts.values()), "unique": len(counts), "duplicates": duplicates,
         "counts": dict(counts) if request.query.get("full") else None}
    )


def fake_provider_app(*, delay: float = 0.0) -> web.Application:
    """The counting fake provider (``POST /messages``, ``GET /messages/{key}``,
    ``GET /stats[?full=1]``), answering after ``delay`` seconds."""
    app = web.Application()
    app[_COUNTS] = Counter()
    app[_IDS] = {}
    app[_DELAY] = delay
    app.router.add_post("/messages", _receive)
    app.router.add_get("/messages/{key}", _lookup)
    app.router.add_get("/stats", _stats)
    return app


class HttpFakeSender:
    """A Sender posting to the fake provider at ``base_url``."""

    def __init__(self, base_url: str, channel: Channel = Channel.SMS, *, pool: int = 100) -> None:
        self.channel = channel
        self.base_url = base_url.rstrip("/")
        self._pool = pool
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool),
                timeout=aiohttp.ClientTimeout(total=30),
            )
        return self._session

    async def send(self, message: OutboundMessage) -> SendResult:
        """POST the message (see :meth:`channels.base.Sender.send`)."""
        payload: dict[str, Any] = {
            "idempotency_key": message.idempotency_key,
            "to": message.to_address,
            "from": message.from_address,
            "body": message.body,
        }
        try:
            async with self._client().post(f"{self.base_url}/messages", json=payload) as response:
                if response.status >= 500:
                    raise TransientSendError(f"provider answered {response.status}")
                data = await response.json()
        except aiohttp.ClientConnectorError as exc:
            raise TransientSendError(f"cannot connect: {exc}") from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransientSendError(f"answer lost: {exc!r}", maybe_sent=True) from exc
        return SendResult(str(data["sid"]), MessageStatus.QUEUED)

    async def lookup(self, provider_id: str | None, idempotency_key: str) -> MessageStatus | None:
        """Ask the fake provider by idempotency key (see :meth:`Sender.lookup`)."""
        async with self._client().get(f"{self.base_url}/messages/{idempotency_key}") as response:
            if response.status == 404:
                return None
            response.raise_for_status()
            data = await response.json()
        return MessageStatus(str(data["status"]))

    async def aclose(self) -> None:
        """Close the HTTP client."""
        if self._session is not None:
            await self._session.close()
            self._session = None


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
        runner = web.AppRunner(fake_provider_app(delay=args.delay), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", args.port, backlog=1024)
        await site.start()
        port = runner.addresses[0][1]
        print(f"listening on http://127.0.0.1:{port}", flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()


def received(app: web.Application) -> Counter[str]:
    """What a running :func:`fake_provider_app` has received, per idempotency key."""
    counts: Counter[str] = app[_COUNTS]
    return counts
