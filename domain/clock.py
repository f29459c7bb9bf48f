"""Time as a dependency: every rule asks a Clock, so tests (and the simulator) can move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "MovableClock", "SystemClock"]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class MovableClock:
    """A clock that runs with real time from an offset that can be moved (never backwards)."""

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        real = datetime.now(UTC)
        self._offset = (start - real) if start is not None else timedelta(0)
        self._frozen_at: datetime | None = start if frozen else None

    def now(self) -> datetime:
        if self._frozen_at is not None:
            return self._frozen_at
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the clock cannot move backwards")
        if self._frozen_at is not None:
            self._frozen_at += delta
        else:
            self._offset += delta
        return self.now()

    def set(self, when: datetime) -> datetime:
        return self.advance(when - self.now())
