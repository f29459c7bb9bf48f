"""What the waitlist services need from the application: the schedule to book in, and the
public URL and secret that sign self-schedule links."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.waitlist.schedule import ScheduleFactory, embedded_schedule

__all__ = ["WaitlistDeps"]


@dataclass(frozen=True, slots=True)
class WaitlistDeps:
    """Dependencies of the waitlist and reschedule services.

    Attributes:
        schedule: builds the schedule port for a transaction (Careline's own by default).
        public_url: ``CARELINE_PUBLIC_URL``, the base of self-schedule links.
        secret: the key that signs self-schedule links.
    """

    schedule: ScheduleFactory = embedded_schedule
    public_url: str = "http://127.0.0.1:8080"
    secret: str = "careline-development-secret"
