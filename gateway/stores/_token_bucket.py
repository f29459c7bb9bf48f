"""Token-bucket arithmetic, pure: the in-process limiter uses it, the Redis script mirrors it."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Bucket", "check_limits", "full_at", "take"]

# Float sums of refills drift by a few ulps; a token that is 1e-9 short counts as whole.
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Bucket:
    """Tokens left at the instant ``updated_at`` (negative while tokens are reserved ahead)."""

    tokens: float
    updated_at: float


def check_limits(rate: float, burst: int) -> None:
    """Raise ``ValueError`` unless ``rate`` is a positive finite number and ``burst`` >= 1."""
    if not (math.isfinite(rate) and rate > 0):
        raise ValueError(f"rate must be a positive number of tokens per second, got {rate!r}")
    if burst < 1:
        raise ValueError(f"burst must be at least 1, got {burst!r}")


def take(
    bucket: Bucket | None, now: float, *, rate: float, burst: int, reserve: bool
) -> tuple[Bucket, float] | None:
    """Take one token at time ``now``.

    Args:
        bucket: The state after the previous take, or ``None`` for a new (full) bucket.
        now: The current time in seconds; a clock that went backwards adds nothing.
        rate: Refill in tokens per second.
        burst: Capacity.
        reserve: When no token is available, reserve the next one instead of refusing.

    Returns:
        The new state and the seconds to wait before the token may be used (``0.0`` when
        available now), or ``None`` when no token is available and ``reserve`` is false.
    """
    if bucket is None:
        tokens = float(burst)
    else:
        elapsed = max(0.0, now - bucket.updated_at)
        tokens = min(float(burst), bucket.tokens + elapsed * rate)
    if tokens >= 1.0 - _EPSILON:
        return Bucket(tokens - 1.0, now), 0.0
    if not reserve:
        return None
    return Bucket(tokens - 1.0, now), (1.0 - tokens) / rate


def full_at(bucket: Bucket, *, rate: float, burst: int) -> float:
    """The time at which ``bucket`` is full again (after that it can be forgotten)."""
    return bucket.updated_at + max(0.0, burst - bucket.tokens) / rate
