"""Per sending number pacing: messages per second through the shared rate limiter.

Each Careline number (SMS and voice share it) is a token bucket named ``send:tel:<number>``
with the organisation's ``sms_rate_per_second`` and ``sms_rate_burst``: in-process for one
embedded process, in Redis when several workers share the numbers. Email is not paced.

Pacing happens before a row's send attempt starts. In one claim, a number gets at most the
rows it can send within ``hold`` seconds; the others go back to pending, due when the number
will have capacity, so leases never wait on a slow number. A reservation whose wait turned
out too long is given up (one token per number per claim at most): pacing errs on the slow
side, never the fast one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.model import Channel
from domain.org_settings import MessagingSettings
from gateway.stores.ports import RateLimiter

__all__ = ["PaceRequest", "Pacer", "PacingPlan", "pacing_bucket"]

_PACED = frozenset({Channel.SMS, Channel.VOICE})


def pacing_bucket(channel: Channel, from_address: str | None) -> str | None:
    """The rate-limit bucket of a message, or ``None`` when it is not paced."""
    if channel not in _PACED or not from_address:
        return None
    return f"send:tel:{from_address}"


@dataclass(frozen=True, slots=True)
class PaceRequest:
    row_id: str
    bucket: str | None
    settings: MessagingSettings


@dataclass(slots=True)
class PacingPlan:
    """Seconds each kept row waits before sending, and the rows given back."""

    waits: dict[str, float]
    later: list[tuple[str, datetime, str]]
    """``(row id, due at, reason)`` of rows to release."""


class Pacer:
    """Plans the sends of a claimed batch against the rate limiter."""

    def __init__(self, limiter: RateLimiter | None, *, hold: float) -> None:
        self.limiter = limiter
        self.hold = hold

    async def plan(self, requests: Sequence[PaceRequest], now: datetime) -> PacingPlan:
        """Reserve tokens for the rows that can go within ``hold`` seconds.

        Args:
            requests: the allowed rows of a batch, in send order.
            now: the current time.

        Returns:
            The waits of kept rows and the rows to release with their new due time.
        """
        plan = PacingPlan(waits={}, later=[])
        groups: dict[str | None, list[PaceRequest]] = defaultdict(list)
        for request in requests:
            groups[request.bucket].append(request)
        for bucket, members in groups.items():
            if bucket is None or self.limiter is None:
                plan.waits.update((m.row_id, 0.0) for m in members)
                continue
            await self._plan_bucket(bucket, members, now, plan)
        return plan

    async def _plan_bucket(
        self, bucket: str, members: Sequence[PaceRequest], now: datetime, plan: PacingPlan
    ) -> None:
        assert self.limiter is not None
        settings = members[0].settings
        rate, burst = settings.sms_rate_per_second, settings.sms_rate_burst
        room = math.floor(rate * self.hold) + burst
        wait = 0.0
        for index, member in enumerate(members):
            if index >= room:
                break
            wait = await self.limiter.acquire(bucket, rate=rate, burst=burst)
            if wait > self.hold:
                break
            plan.waits[member.row_id] = wait
        else:
            return
        rest = [m for m in members if m.row_id not in plan.waits]
        reason = (
            f"paced: {bucket.removeprefix('send:tel:')} sends at most {rate:g} messages per "
            "second"
        )
        start = wait if wait > self.hold else wait + 1 / rate
        for offset, member in enumerate(rest):
            due = now + timedelta(seconds=start + offset / rate)
            plan.later.append((member.row_id, due, reason))
