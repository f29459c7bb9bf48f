"""The counting fake provider and its sender: every message counted on receipt, duplicates
visible, look-ups answered, and the sender's errors say whether a message may have gone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from channels.base import OutboundMessage, PermanentSendError, TransientSendError
from domain.model import Channel, MessageStatus
from gateway.dispatcher.testing import (
    HttpFakeSender,
    ProviderLedger,
    fake_provider_app,
    received,
    serve_fake_provider,
)


def message(key: str) -> OutboundMessage:
    return OutboundMessage(
        channel=Channel.SMS, to_address="+13125550142", from_address="+13125550100",
        body="Your visit is confirmed.", idempotency_key=key,
    )


@pytest.fixture
async def lean() -> AsyncIterator[tuple[ProviderLedger, str]]:
    ledger = ProviderLedger()
    server = await serve_fake_provider(ledger)
    port = server.sockets[0].getsockname()[1]
    try:
        yield ledger, f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


async def test_every_message_is_counted_once_over_reused_connections(
    lean: tuple[ProviderLedger, str],
) -> None:
    ledger, url = lean
    sender = HttpFakeSender(url, pool=4)
    try:
        results = await asyncio.gather(*(sender.send(message(f"k{i}")) for i in range(60)))
        assert await sender.lookup(None, "k7") is MessageStatus.SENT
        assert await sender.lookup(None, "never-sent") is None
    finally:
        await sender.aclose()
    assert len({r.provider_id for r in results}) == 60
    assert all(r.status is MessageStatus.QUEUED for r in results)
    assert ledger.counts == {f"k{i}": 1 for i in range(60)}
    assert ledger.stats()["duplicates"] == []


async def test_a_message_sent_twice_shows_as_a_duplicate(
    lean: tuple[ProviderLedger, str],
) -> None:
    ledger, url = lean
    sender = HttpFakeSender(url)
    try:
        first = await sender.send(message("twice"))
        second = await sender.send(message("twice"))
        async with aiohttp.ClientSession() as client:  # a stock client reads the stats
            async with client.get(f"{url}/stats?full=1") as response:
                stats: dict[str, Any] = await response.json()
    finally:
        await sender.aclose()
    assert first.provider_id == second.provider_id
    assert ledger.counts["twice"] == 2
    assert stats["total"] == 2 and stats["duplicates"] == ["twice"]
    assert stats["counts"] == {"twice": 2}


async def test_a_call_cut_short_still_counts_and_the_next_one_works() -> None:
    ledger = ProviderLedger()
    server = await serve_fake_provider(ledger, delay=0.5)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    sender = HttpFakeSender(url, pool=1)
    try:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1):
                await sender.send(message("cut"))
        await sender.send(message("after"))  # a fresh connection, not the abandoned one
    finally:
        await sender.aclose()
        server.close()
        await server.wait_closed()
    assert ledger.counts == {"cut": 1, "after": 1}  # counted on receipt, answered or not


async def test_no_connection_means_not_sent() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    sender = HttpFakeSender(f"http://127.0.0.1:{port}")
    with pytest.raises(TransientSendError) as caught:
        await sender.send(message("nowhere"))
    assert not caught.value.maybe_sent


async def answering(reply: bytes | None) -> asyncio.Server:
    """A server that reads one request, then answers ``reply`` (or hangs up)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if reply is not None:
            writer.write(reply)
            await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


@pytest.mark.parametrize(
    ("reply", "error", "maybe_sent"),
    [
        (None, TransientSendError, True),  # hung up after the request: it may have gone
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"sid\"", TransientSendError, True),
        (b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\n{}",
         TransientSendError, False),
        (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\n{}", PermanentSendError, False),
    ],
)
async def test_sender_errors_say_whether_the_message_may_have_gone(
    reply: bytes | None, error: type[Exception], maybe_sent: bool
) -> None:
    server = await answering(reply)
    sender = HttpFakeSender(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
    try:
        with pytest.raises(error) as caught:
            await sender.send(message("m"))
    finally:
        await sender.aclose()
        server.close()
        await server.wait_closed()
    if isinstance(caught.value, TransientSendError):
        assert caught.value.maybe_sent is maybe_sent


async def test_the_sender_talks_to_the_aiohttp_provider_too(aiohttp_server: Any) -> None:
    server = await aiohttp_server(fake_provider_app())
    sender = HttpFakeSender(str(server.make_url("")))
    try:
        await asyncio.gather(*(sender.send(message(f"a{i}")) for i in range(10)))
        await sender.send(message("a3"))
        assert await sender.lookup(None, "a3") is MessageStatus.SENT
        assert await sender.lookup(None, "zzz") is None
    finally:
        await sender.aclose()
    counts = received(server.app)
    assert counts["a3"] == 2 and sum(counts.values()) == 11
