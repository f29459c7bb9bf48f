"""The dispatcher's tuning knobs (process level; per-organisation settings live in
``MessagingSettings``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from domain.errors import ValidationError

__all__ = ["DispatcherConfig"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DispatcherConfig:
    """How a dispatcher worker claims, sends and records.

    Attributes:
        batch_size: rows claimed per claim statement.
        lease: how long a claim lasts; a row still claimed after it is re-examined by any
            worker (queued again, or reconciled when its send attempt had started).
        send_timeout: seconds a provider call may take; a timeout counts as "may have been
            sent" and is reconciled, never blindly repeated.
        pacing_hold: the longest wait (seconds) for a sending number's rate-limit token
            inside one claim; rows that would wait longer go back to pending, due later.
        max_in_flight: claimed rows not yet recorded, across batches (back-pressure).
        send_concurrency: provider calls running at once.
        poll_interval: seconds between claims when nothing is due.
        reap_interval: seconds between looks for expired leases.
        max_claims: claims of one row that ended without an outcome (the worker died each
            time) before the row is failed instead of tried again -- a poison message.
        flush_interval: seconds outcomes may wait to be written together.
        flush_size: outcomes written in one transaction at most.
        org_cache_ttl: seconds organisation settings and facilities are cached (Do Not
            Contact entries and contacts are read fresh for every batch).
    """

    batch_size: int = 200
    lease: timedelta = timedelta(seconds=60)
    send_timeout: float = 20.0
    pacing_hold: float = 10.0
    max_in_flight: int = 1000
    send_concurrency: int = 128
    poll_interval: float = 0.5
    reap_interval: float = 5.0
    max_claims: int = 5
    flush_interval: float = 0.05
    flush_size: int = 400
    org_cache_ttl: float = 5.0

    def __post_init__(self) -> None:
        for name in ("batch_size", "max_in_flight", "send_concurrency", "max_claims",
                     "flush_size"):
            if getattr(self, name) < 1:
                raise ValidationError(name, "must be at least 1")
        for name in ("send_timeout", "poll_interval", "reap_interval", "flush_interval"):
            if getattr(self, name) <= 0:
                raise ValidationError(name, "must be positive")
        if self.pacing_hold < 0 or self.org_cache_ttl < 0:
            raise ValidationError("pacing_hold", "must not be negative")
        if self.lease.total_seconds() <= self.send_timeout + self.pacing_hold:
            raise ValidationError(
                "lease", "must outlast send_timeout + pacing_hold, or sends could outlive it"
            )

    @property
    def attempt_budget(self) -> timedelta:
        """Lease time a row needs left when its attempt starts (pacing wait + provider call)."""
        return timedelta(seconds=self.send_timeout + self.pacing_hold)
