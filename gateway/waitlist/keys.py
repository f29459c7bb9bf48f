"""Application keys of the waitlist part."""

from __future__ import annotations

from aiohttp import web

from gateway.waitlist.deps import WaitlistDeps
from gateway.waitlist.worker import WaitlistWorker

__all__ = ["WAITLIST_DEPS", "WAITLIST_WORKER"]

WAITLIST_DEPS = web.AppKey("waitlist_deps", WaitlistDeps)
WAITLIST_WORKER = web.AppKey("waitlist_worker", WaitlistWorker)
