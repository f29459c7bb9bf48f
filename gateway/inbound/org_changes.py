"""Telling every gateway process that an organisation's settings changed.

The inbound pipeline keeps the organisation that owns each of its addresses, settings
included, for a short while (:class:`~gateway.inbound.addresses.AddressBook`). When staff
change the settings, the process that stored them forgets the organisation at once and
announces the change on the pub/sub (in-process, or Redis across processes); every process
listens from start-up to shutdown and forgets it too. Pub/sub is at most once: a process that
misses the message still drops the organisation when its cache entry expires.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from gateway.inbound.keys import ADDRESS_BOOK
from gateway.keys import STORES
from gateway.logs import get_logger

__all__ = ["ORG_CHANGED", "announce_org_change", "forget_changed_orgs"]

log = get_logger(__name__)

ORG_CHANGED = "org-changed"
"""The pub/sub channel: ``{"org_id": ...}`` after an organisation's settings changed."""


async def announce_org_change(app: web.Application, org_id: str) -> None:
    """Forget ``org_id`` here and tell the other processes to (call after the commit)."""
    app[ADDRESS_BOOK].forget(org_id)
    try:
        await app[STORES].pubsub.publish(ORG_CHANGED, {"org_id": org_id})
    except Exception as exc:  # the change is stored; other processes catch up within the ttl
        log.warning("org_change_not_announced", error=str(exc))


async def forget_changed_orgs(app: web.Application) -> AsyncIterator[None]:
    """A cleanup context: listen for announced changes while the application runs."""
    listener = asyncio.create_task(_listen(app), name="org-changes")
    yield
    listener.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await listener


async def _listen(app: web.Application) -> None:
    while True:
        try:
            async with app[STORES].pubsub.subscribe(ORG_CHANGED) as changes:
                async for message in changes:
                    org_id = message.get("org_id")
                    if isinstance(org_id, str):
                        app[ADDRESS_BOOK].forget(org_id)
            return  # the store closed: the application is stopping
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # e.g. Redis went away: listen again shortly
            log.warning("org_changes_listener_failed", error=str(exc))
            await asyncio.sleep(1.0)
