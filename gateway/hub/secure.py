"""Secure messages (HUB-02, HUB-06): the patient gets a link with nothing sensitive in it,
proves who they are with a one-time code sent to a contact on file, then reads the message and
its attachments.

Every secret (link, code, reading session) is random and stored only as an HMAC or hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import Conflict, ValidationError
from domain.model import (
    Channel,
    ContactKind,
    ContactPoint,
    MessageKind,
    OutboxMessage,
    Patient,
    new_id,
)
from domain.org_settings import HubSettings
from domain.storage.repositories import (
    OutboxRepository,
    PatientRepository,
    PracticeRepository,
)
from gateway.auth.principal import Principal
from gateway.auth.scoping import visible_conversation
from gateway.hub.actions import save_chat
from gateway.hub.secure_store import Attachment, SecureMessage, SecureStore

__all__ = [
    "CODE_TTL",
    "MAX_ATTACHMENTS",
    "MAX_CODES",
    "MAX_CODE_ATTEMPTS",
    "READ_TTL",
    "CodeResult",
    "Upload",
    "check_upload",
    "code_contacts",
    "create_secure_message",
    "link_hash",
    "mask_contact",
    "send_code",
    "verify_code",
]

CODE_TTL = timedelta(minutes=10)
READ_TTL = timedelta(minutes=30)
MAX_CODE_ATTEMPTS = 5
MAX_CODES = 5
MAX_ATTACHMENTS = 5

_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "text/plain": (),
}


@dataclass(frozen=True, slots=True)
class Upload:
    """A file as received from the browser."""

    filename: str
    content_type: str
    data: bytes


def link_hash(token: str) -> str:
    """What the database keeps of a secure link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _code_hash(secret: bytes, message_id: str, code: str) -> str:
    return hmac.new(secret, f"{message_id}:{code}".encode(), hashlib.sha256).hexdigest()


def check_upload(upload: Upload, settings: HubSettings) -> Attachment:
    """The upload as an attachment, if its type and size are allowed (HUB-06).

    The declared type must be one the organisation allows and the file's first bytes must look
    like that type, so a renamed program is refused.

    Raises:
        ValidationError: on ``attachments``, saying what is wrong.
    """
    declared = upload.content_type.split(";")[0].strip().lower()
    if declared not in settings.attachment_types:
        raise ValidationError("attachments", f"{declared or 'this file type'} is not allowed; "
                              f"allowed: {', '.join(settings.attachment_types)}")
    if not upload.data:
        raise ValidationError("attachments", "the file is empty")
    if len(upload.data) > settings.attachment_max_bytes:
        raise ValidationError("attachments",
                              f"a file may have at most {settings.attachment_max_bytes} bytes")
    signatures = _SIGNATURES.get(declared, ())
    if signatures and not upload.data.startswith(signatures):
        raise ValidationError("attachments", f"the file's content is not {declared}")
    name = re.sub(r"[^\w.\- ]", "_", upload.filename.replace("\\", "/").rsplit("/", 1)[-1])
    name = name.strip(" .")[:200] or "attachment"
    return Attachment(id=new_id(), filename=name, content_type=declared, size=len(upload.data),
                      data=upload.data)


def code_contacts(patient: Patient) -> list[ContactPoint]:
    """Contacts on file a code may go to: reachable mobile numbers and email addresses."""
    return [c for c in patient.contacts
            if c.active and c.reachable and c.kind in (ContactKind.SMS, ContactKind.EMAIL)]


def mask_contact(contact: ContactPoint) -> str:
    """A contact shown without revealing it: ``***-***-0142`` or ``a***@example.com``."""
    if contact.kind is ContactKind.EMAIL:
        local, _, domain = contact.value.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"***-***-{contact.value[-4:]}"


async def create_secure_message(
    conn: AsyncConnection, principal: Principal, conversation_id: str, *, body: str,
    facility_id: str | None, uploads: list[Upload], now: datetime, public_url: str,
) -> tuple[SecureMessage, OutboxMessage]:
    """Store a secure message with its attachments and queue the link to the patient.

    The text the patient receives names the organisation and carries the link, nothing else.

    Raises:
        ValidationError: bad body, facility or attachment.
        Conflict: the chat has no identified patient with a contact for codes.
    """
    conversation = await visible_conversation(conn, principal, conversation_id)
    practice = PracticeRepository(conn)
    organization = await practice.organization(principal.org_id)
    settings = organization.settings.hub
    if facility_id is None:
        if settings.require_facility:
            raise ValidationError("facility_id", "choose the facility this message is from")
    elif (facility_id not in await practice.facilities(principal.org_id)
          or not principal.sees(facility_id)):
        raise ValidationError("facility_id", "no such facility")
    text = body.strip()
    if not text or len(text) > 20_000:
        raise ValidationError("body", "must be 1-20000 characters")
    if len(uploads) > MAX_ATTACHMENTS:
        raise ValidationError("attachments", f"at most {MAX_ATTACHMENTS} files")
    attachments = [check_upload(u, settings) for u in uploads]
    patient = None
    if conversation.patient_id is not None:
        patient = await PatientRepository(conn).get(conversation.patient_id)
    if patient is None or patient.placeholder:
        raise Conflict("identify the patient before sending a secure message")
    if not code_contacts(patient):
        raise Conflict("the patient has no mobile number or email on file to receive a code")
    token = secrets.token_urlsafe(24)
    secure = SecureMessage(
        id=new_id(), org_id=principal.org_id, conversation_id=conversation.id,
        patient_id=patient.id, author_id=principal.user_id, facility_id=facility_id, body=text,
        link_hash=link_hash(token), created_at=now,
        expires_at=now + timedelta(hours=settings.secure_link_expiry_hours),
    )
    await SecureStore(conn).add(secure, attachments)
    notice = f"{organization.name}: you have a new secure message. Open {{link}} to read it."
    outbox = OutboxMessage(
        id=new_id(), org_id=principal.org_id, dedupe_key=f"secure:{secure.id}",
        kind=MessageKind.SECURE_LINK, channel=conversation.channel,
        to_address=conversation.patient_address, from_address=conversation.careline_address,
        patient_id=patient.id, conversation_id=conversation.id, facility_id=facility_id,
        body=notice.replace("{link}", f"{public_url}/secure/{token}"), due_at=now,
        created_at=now, language=patient.preferred_language,
        context={"author_id": principal.user_id, "secure_message_id": secure.id},
    )
    await OutboxRepository(conn).add(outbox)
    await save_chat(conn, principal, conversation, conversation, "send_secure_message", now,
                    secure_message_id=secure.id, attachments=len(attachments))
    return secure, outbox


@dataclass(frozen=True, slots=True)
class CodeResult:
    ok: bool
    reason: str = ""
    access_token: str | None = None


async def send_code(
    conn: AsyncConnection, secure: SecureMessage, patient: Patient, contact_index: int,
    *, secret: bytes, organization_name: str, now: datetime,
) -> str:
    """Send a new one-time code to the patient's chosen contact; returns the masked contact.

    Raises:
        ValidationError: no such contact.
        Conflict: too many codes for this message already.
    """
    contacts = code_contacts(patient)
    if not 0 <= contact_index < len(contacts):
        raise ValidationError("contact", "choose one of the contacts shown")
    if secure.codes_sent >= MAX_CODES:
        raise Conflict("too many codes were sent for this message; ask the clinic for a new one")
    contact = contacts[contact_index]
    code = f"{secrets.randbelow(1_000_000):06d}"
    await SecureStore(conn).update(
        secure.id, code_hash=_code_hash(secret, secure.id, code),
        code_expires_at=now + CODE_TTL, code_attempts=0, codes_sent=secure.codes_sent + 1,
    )
    channel = Channel.EMAIL if contact.kind is ContactKind.EMAIL else Channel.SMS
    await OutboxRepository(conn).add(OutboxMessage(
        id=new_id(), org_id=secure.org_id,
        dedupe_key=f"secure-code:{secure.id}:{secure.codes_sent}",
        kind=MessageKind.TRANSACTIONAL, channel=channel, to_address=contact.value,
        patient_id=patient.id, conversation_id=secure.conversation_id,
        facility_id=secure.facility_id, due_at=now, created_at=now,
        body=f"{organization_name} code: {code}. It expires in 10 minutes. "
             "Nobody from the clinic will ask you for it.",
        language=patient.preferred_language,
    ))
    return mask_contact(contact)


async def verify_code(
    conn: AsyncConnection, secure: SecureMessage, code: str, *, secret: bytes, now: datetime,
) -> CodeResult:
    """Check a code; on success open a reading session (returned once, stored hashed).

    Every attempt is recorded in the patient's sign-in history. After ``MAX_CODE_ATTEMPTS``
    wrong codes the code is void and a new one must be requested.
    """
    store = SecureStore(conn)
    valid = (
        secure.code_hash is not None and secure.code_expires_at is not None
        and now < secure.code_expires_at and secure.code_attempts < MAX_CODE_ATTEMPTS
    )
    given = "".join(ch for ch in code if ch.isdigit())[:6]
    ok = valid and hmac.compare_digest(_code_hash(secret, secure.id, given),
                                       secure.code_hash or "")
    await store.add_login(org_id=secure.org_id, patient_id=secure.patient_id,
                          method="secure_message_code", success=ok, channel=None, at=now)
    if not ok:
        if valid:
            await store.update(secure.id, code_attempts=secure.code_attempts + 1)
        reason = "the code is not right" if valid else "the code has expired; ask for a new one"
        return CodeResult(ok=False, reason=reason)
    access = secrets.token_urlsafe(32)
    await store.update(secure.id, code_hash=None, code_expires_at=None,
                       access_hash=link_hash(access), access_expires_at=now + READ_TTL,
                       opened_at=secure.opened_at or now)
    return CodeResult(ok=True, access_token=access)
