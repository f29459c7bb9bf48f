"""Which organisation owns the address a patient wrote to, and which thread a reply belongs to.

Addresses by channel:

- SMS, voice: the organisation's ``settings.messaging.sms_number`` (empty means the demo
  number of the simulator), the organisation's phone, or one of its facilities' phones.
- Email: the organisation's ``settings.messaging.email_from``, or its inbound address
  ``<public_key>@<CARELINE_INBOUND_EMAIL_DOMAIN>`` (plus-addressing allowed:
  ``<public_key>+anything@...``).
- Widget: the organisation's public key.

Organisations are few and rarely change, so a resolved address is cached for ``ttl`` seconds
(a missing one is not cached, so a newly set number works at once). When staff change an
organisation's settings, every process forgets it at once (``gateway/inbound/org_changes.py``);
the ``ttl`` bounds what a change made outside the API (a script on the database) can leave.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.envelope import Envelope
from domain.model import Channel, Conversation, MessageDirection, Organization
from domain.storage import tables as t
from domain.storage.repositories import ConversationRepository, PracticeRepository
from gateway.demo_data import DEMO_SMS_NUMBER
from gateway.inbound.errors import UnknownRecipient

__all__ = ["DEFAULT_SMS_NUMBER", "AddressBook", "Target", "sms_number_of"]

DEFAULT_SMS_NUMBER = DEMO_SMS_NUMBER
"""The number an organisation without ``messaging.sms_number`` is texted at (the simulator's)."""

_PHONE_CHANNELS = (Channel.SMS, Channel.VOICE, Channel.SIMULATOR)


def sms_number_of(org: Organization) -> str:
    """The number patients text this organisation at."""
    return org.settings.messaging.sms_number or DEFAULT_SMS_NUMBER


@dataclass(frozen=True, slots=True)
class Target:
    """Where an inbound message goes: its organisation and, for a tied reply, its thread."""

    org: Organization
    conversation: Conversation | None = None

    def lock_key(self, envelope: Envelope) -> str:
        """The per-conversation lock key (the thread's own key for a tied reply)."""
        c = self.conversation
        if c is None:
            return envelope.conversation_key
        return f"{c.channel.value}:{c.careline_address}:{c.patient_address}"


class AddressBook:
    """Resolves our addresses to organisations.

    Args:
        inbound_email_domain: the domain of ``<public_key>@domain`` inbound email addresses.
        ttl: seconds a resolved address is remembered.
    """

    def __init__(self, *, inbound_email_domain: str, ttl: float = 30.0) -> None:
        self.inbound_email_domain = inbound_email_domain.lower()
        self.ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, Organization]] = {}

    def forget(self, org_id: str) -> None:
        """Drop what is remembered of organisation ``org_id`` (its settings changed)."""
        stale = [key for key, (_, org) in self._cache.items() if org.id == org_id]
        for key in stale:
            del self._cache[key]

    async def resolve(self, conn: AsyncConnection, envelope: Envelope) -> Target:
        """The organisation (and tied thread, for email replies) of an inbound message.

        Raises:
            UnknownRecipient: no organisation owns ``envelope.to_address``.
        """
        thread = await self._tied_thread(conn, envelope)
        if thread is not None:
            org = await PracticeRepository(conn).organization(thread.org_id)
            return Target(org, thread)
        return Target(await self.organization(conn, envelope.channel, envelope.to_address))

    def cached(self, envelope: Envelope) -> Target | None:
        """The target from the cache alone, when that is enough (not for email, whose replies
        may be tied to a thread); None means: call :meth:`resolve`."""
        if envelope.channel is Channel.EMAIL:
            return None
        kind = "phone" if envelope.channel in _PHONE_CHANNELS else envelope.channel.value
        cached = self._cache.get((kind, envelope.to_address.lower()))
        if cached is None or cached[0] <= time.monotonic():
            return None
        return Target(cached[1])

    async def organization(
        self, conn: AsyncConnection, channel: Channel, address: str
    ) -> Organization:
        """The organisation that receives ``channel`` messages at ``address``.

        Raises:
            UnknownRecipient: none does.
        """
        kind = "phone" if channel in _PHONE_CHANNELS else channel.value
        key = (kind, address.lower())
        cached = self._cache.get(key)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        org = await self._lookup(conn, kind, address)
        if org is None:
            raise UnknownRecipient(channel, address)
        self._cache[key] = (now + self.ttl, org)
        return org

    async def _lookup(self, conn: AsyncConnection, kind: str, address: str) -> Organization | None:
        practice = PracticeRepository(conn)
        if kind == "widget":
            return await practice.organization_by_key(address)
        orgs = await practice.organizations()
        if kind == "phone":
            return await self._by_phone(conn, orgs, address)
        if kind == "email":
            return self._by_email(orgs, address)
        return None

    @staticmethod
    async def _by_phone(
        conn: AsyncConnection, orgs: Sequence[Organization], number: str
    ) -> Organization | None:
        for org in orgs:
            if number in (sms_number_of(org), org.phone):
                return org
        org_id = (
            await conn.execute(
                sa.select(t.facilities.c.org_id).where(t.facilities.c.phone == number).limit(1)
            )
        ).scalar()
        return next((org for org in orgs if org.id == org_id), None)

    def _by_email(self, orgs: Sequence[Organization], address: str) -> Organization | None:
        local, _, domain = address.lower().rpartition("@")
        for org in orgs:
            if org.settings.messaging.email_from.lower() == address.lower():
                return org
            inbound = domain == self.inbound_email_domain
            if inbound and local.split("+")[0] == org.public_key.lower():
                return org
        return None

    @staticmethod
    async def _tied_thread(conn: AsyncConnection, envelope: Envelope) -> Conversation | None:
        """For email: the thread of the message this one answers (In-Reply-To, then References),
        when the sender is that thread's patient."""
        if envelope.channel is not Channel.EMAIL:
            return None
        references = envelope.metadata.get("references")
        candidates = [envelope.in_reply_to] if envelope.in_reply_to else []
        if isinstance(references, list):
            candidates += [r for r in reversed(references) if isinstance(r, str)]
        repo = ConversationRepository(conn)
        for message_id in candidates[:10]:
            message = await repo.message_by_provider_id(Channel.EMAIL, message_id)
            if message is None or message.direction is not MessageDirection.OUTBOUND:
                continue
            thread = await repo.get(message.conversation_id)
            if thread.patient_address.lower() == envelope.from_address.lower():
                return thread
        return None
