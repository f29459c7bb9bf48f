"""Whether an appointment may be rescheduled by text at all (RSC-05).

Rescheduling is switched on or off for the organisation and per facility, appointment type
and provider; every one of them must have it on.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.model import ResourceFlags
from domain.org_settings import RescheduleSettings

__all__ = ["reschedule_allowed"]


def reschedule_allowed(
    settings: RescheduleSettings, resources: Iterable[ResourceFlags | None]
) -> bool:
    """True when the organisation and every given resource (facility, provider, type; None for
    a resource the appointment lacks) allow rescheduling."""
    return settings.enabled and all(r is None or r.reschedule for r in resources)
