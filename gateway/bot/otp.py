"""One-time codes that prove a website visitor is the patient they claim to be: six digits
sent through the outbox to the contact Careline has on file (never to one the visitor typed),
kept only as a keyed hash, valid for ten minutes and five tries."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import (
    Channel,
    ContactKind,
    ContactPoint,
    MessageKind,
    Organization,
    OutboxMessage,
    Patient,
    new_id,
)
from domain.storage import tables_bot as b
from domain.storage.repositories import OutboxRepository
from gateway.inbound.addresses import sms_number_of

__all__ = ["CODE_TTL", "MAX_ATTEMPTS", "MAX_CODES_PER_HOUR", "CodeCheck", "OneTimeCodes",
           "contact_hint"]

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 3


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """``outcome``: verified, wrong (``attempts_left`` more tries) or failed."""

    outcome: str
    attempts_left: int = 0


def contact_hint(contact: ContactPoint) -> str:
    """How the bot names the contact a code went to, without revealing it."""
    if contact.kind is ContactKind.EMAIL:
        local, _, domain = contact.value.partition("@")
        return f"your email address {local[:1]}•••@{domain}"
    return f"your phone number ending in {contact.value[-4:]}"


class OneTimeCodes:
    """Codes of bot sessions on one connection.

    Args:
        conn: the connection (writes join its transaction).
        secret: the process secret that keys the hashes.
    """

    def __init__(self, conn: AsyncConnection, secret: str) -> None:
        self.conn = conn
        self.secret = secret.encode()

    async def send(self, *, org: Organization, session_id: str, patient: Patient,
                   now: datetime) -> str | None:
        """Send a new code to the patient's contact on file.

        Returns:
            The hint naming where it went, or None when the patient has no usable contact or
            the session asked for too many codes in the last hour.
        """
        contact = _contact_of(patient)
        if contact is None or await self._recent(session_id, now) >= MAX_CODES_PER_HOUR:
            return None
        code = f"{secrets.randbelow(10**6):06d}"
        challenge_id = new_id()
        channel = Channel.EMAIL if contact.kind is ContactKind.EMAIL else Channel.SMS
        body = (f"Your {org.name} verification code is {code}. It expires in "
                f"{int(CODE_TTL.total_seconds() // 60)} minutes. If you did not ask for it, "
                "you can ignore this message.")
        outbox_id = new_id()
        await OutboxRepository(self.conn).add(OutboxMessage(
            id=outbox_id, org_id=org.id, dedupe_key=f"bot-code:{challenge_id}",
            kind=MessageKind.TRANSACTIONAL, channel=channel, to_address=contact.value,
            from_address=sms_number_of(org) if channel is Channel.SMS else None,
            patient_id=patient.id, body=body, due_at=now, created_at=now,
            language=patient.preferred_language,
            context={"source": "bot_code", "subject": f"Your {org.name} verification code"},
        ))
        await self.conn.execute(b.bot_otp_challenges.insert().values(
            id=challenge_id, org_id=org.id, bot_session_id=session_id, patient_id=patient.id,
            channel=channel.value, destination=contact.value,
            code_hash=self._hash(challenge_id, code), attempts=0, outbox_id=outbox_id,
            created_at=now, expires_at=now + CODE_TTL,
        ))
        return contact_hint(contact)

    async def check(self, *, session_id: str, patient_id: str | None, code: str,
                    now: datetime) -> CodeCheck:
        """Check ``code`` against the session's latest code for the patient."""
        table = b.bot_otp_challenges
        row = (await self.conn.execute(
            sa.select(table).where(table.c.bot_session_id == session_id,
                                   table.c.verified_at.is_(None))
            .order_by(table.c.created_at.desc(), table.c.id.desc()).limit(1)
        )).mappings().first()
        if row is None or row["patient_id"] != patient_id or row["expires_at"] <= now:
            return CodeCheck("failed")
        attempts = int(row["attempts"]) + 1
        if attempts > MAX_ATTEMPTS:
            return CodeCheck("failed")
        matches = hmac.compare_digest(row["code_hash"], self._hash(row["id"], code.strip()))
        await self.conn.execute(table.update().where(table.c.id == row["id"]).values(
            attempts=attempts, verified_at=now if matches else None,
        ))
        if matches:
            return CodeCheck("verified")
        left = MAX_ATTEMPTS - attempts
        return CodeCheck("wrong", left) if left > 0 else CodeCheck("failed")

    async def _recent(self, session_id: str, now: datetime) -> int:
        table = b.bot_otp_challenges
        found = await self.conn.execute(
            sa.select(sa.func.count()).select_from(table).where(
                table.c.bot_session_id == session_id,
                table.c.created_at > now - timedelta(hours=1),
            )
        )
        return int(found.scalar_one())

    def _hash(self, challenge_id: str, code: str) -> str:
        return hmac.new(self.secret, f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _contact_of(patient: Patient) -> ContactPoint | None:
    for kind in (ContactKind.SMS, ContactKind.EMAIL):
        for contact in patient.contacts_of(kind):
            if contact.reachable:
                return contact
    return None
