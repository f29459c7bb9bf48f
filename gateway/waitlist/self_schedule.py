"""Self-schedule links (RSC-07, RSC-08): instead of a list of times, the patient gets a signed
link to a page where they pick a new time themselves.

The link is ``{public_url}/p/self-schedule/{appointment_id}?t={expiry}.{signature}``, signed
like the other patient links (``domain.template_library.links``). Its SHA-256 is stored so
that a single-use link (RSC-08, on by default) works for exactly one reschedule.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import Appointment, Organization, new_id
from domain.template_library.links import sign_link, verify_link
from gateway.waitlist.deps import WaitlistDeps
from gateway.waitlist.reschedule_store import RescheduleStore, SelfScheduleLink

__all__ = ["PURPOSE", "create_link", "token_hash", "valid_link"]

PURPOSE = "self-schedule"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_link(
    conn: AsyncConnection, deps: WaitlistDeps, org: Organization, appointment: Appointment,
    now: datetime,
) -> tuple[str, datetime]:
    """A new self-schedule link for ``appointment`` and when it expires."""
    settings = org.settings.reschedule
    expires_at = now + timedelta(hours=settings.link_expiry_hours)
    url = sign_link(deps.public_url, deps.secret, PURPOSE, appointment.id, expires_at)
    token = url.rsplit("?t=", 1)[1]
    store = RescheduleStore(conn)
    if await store.link(token_hash(token)) is None:
        await store.add_link(SelfScheduleLink(
            id=new_id(), org_id=org.id, appointment_id=appointment.id,
            token_hash=token_hash(token), single_use=settings.link_single_use, created_at=now,
            expires_at=expires_at,
        ))
    return url, expires_at


async def valid_link(
    conn: AsyncConnection, deps: WaitlistDeps, appointment_id: str, token: str, now: datetime
) -> SelfScheduleLink | None:
    """The stored link for ``token`` when it is genuine, unexpired and (single use) unused."""
    if not verify_link(deps.secret, PURPOSE, appointment_id, token, now):
        return None
    link = await RescheduleStore(conn).link(token_hash(token))
    if link is None or link.appointment_id != appointment_id or link.expires_at <= now:
        return None
    if link.single_use and link.used_at is not None:
        return None
    return link
