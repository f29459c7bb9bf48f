"""Inbound email → Envelope: raw MIME (SMTP listener, inbound-parse ``email`` field) or the
fields of an inbound-parse payload. Quoted history and signatures are stripped with
mail-parser-reply before the text reaches the dialogs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser, Parser
from email.utils import getaddresses
from html.parser import HTMLParser

from mailparser_reply import EmailReplyParser

from channels.envelope import Envelope
from domain.errors import ValidationError
from domain.model import Channel, ContactKind, normalise_address

__all__ = ["MAX_EMAIL_BYTES", "latest_reply", "parse_email", "parse_email_fields"]

MAX_EMAIL_BYTES = 1024 * 1024
_MAX_TEXT = 20_000
_MSGID = re.compile(r"<([^<>\s]{1,250})>")
_LANGUAGES = ["en", "es", "fr", "de", "it", "nl", "pl", "zh", "ko", "ja", "sv", "da", "cs"]
_PARSER = EmailReplyParser(languages=_LANGUAGES)
_WROTE = re.compile(
    r"^.{0,300}\b(wrote|escribió|a écrit|schrieb|escreveu|ha scritto|napisał|schreef)\s*:\s*$",
    re.IGNORECASE,
)


def latest_reply(text: str) -> str:
    """The newest part of an email body: without quoted history and signature."""
    text = text[:_MAX_TEXT].replace("\x00", "")
    try:
        reply = _PARSER.read(text).replies
        body = reply[0].body if reply else text
    except Exception:
        body = text
    lines: list[str] = []
    for line in body.splitlines():
        if _WROTE.match(line):
            break  # an attribution line the parser missed: the quoted history follows
        if not line.lstrip().startswith(">"):
            lines.append(line)
    return "\n".join(lines).strip()


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "tr", "li"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _html_text(markup: str) -> str:
    parser = _TextOfHtml()
    parser.feed(markup[: _MAX_TEXT * 4])
    parser.close()
    return re.sub(r"\n\s*\n+", "\n\n", "".join(parser.parts)).strip()


def _message_ids(value: str | None) -> list[str]:
    return _MSGID.findall(value or "")[:50]


def _address(value: str | None, field: str) -> str:
    found = [addr for _, addr in getaddresses([value or ""]) if "@" in addr]
    if not found:
        raise ValidationError(field, "has no email address")
    return normalise_address(ContactKind.EMAIL, found[0], field_name=field)


def _body_text(msg: Message) -> str:
    if not isinstance(msg, EmailMessage):
        return ""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    return _html_text(content) if part.get_content_type() == "text/html" else content


def _attachments(msg: Message) -> list[dict[str, str]]:
    if not isinstance(msg, EmailMessage):
        return []
    return [
        {"filename": str(a.get_filename() or ""), "content_type": a.get_content_type()}
        for a in list(msg.iter_attachments())[:20]
    ]


def parse_email(raw: bytes, *, recipient: str | None, received_at: datetime) -> Envelope:
    """The envelope of a raw RFC 5322 message.

    Args:
        raw: the message bytes.
        recipient: our address it was delivered to (SMTP ``RCPT TO``); None takes the first
            ``To`` address.
        received_at: when it arrived.

    Raises:
        ValidationError: too large, no sender, or no recipient; ``field`` names the part.
    """
    if len(raw) > MAX_EMAIL_BYTES:
        raise ValidationError("email", f"is larger than {MAX_EMAIL_BYTES} bytes")
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        headers = {name: str(msg.get(name) or "") for name in
                   ("From", "To", "Subject", "Message-ID", "In-Reply-To", "References",
                    "Auto-Submitted")}
        text = _body_text(msg)
        attachments = _attachments(msg)
    except ValidationError:
        raise
    except Exception:
        raise ValidationError("email", "could not be read as an email message") from None
    return _envelope(headers, text, raw, recipient, received_at, attachments)


def parse_email_fields(fields: Mapping[str, str], *, received_at: datetime) -> Envelope:
    """The envelope of an inbound-parse payload given as fields.

    Fields: ``from``, ``to``, ``subject``, ``text`` (or ``html``), and for threading either
    ``message_id``/``in_reply_to``/``references`` or a raw ``headers`` block.

    Raises:
        ValidationError: a required field is missing or malformed.
    """
    headers = {"From": fields.get("from", ""), "To": fields.get("to", ""),
               "Subject": fields.get("subject", ""), "Message-ID": "", "In-Reply-To": "",
               "References": "", "Auto-Submitted": ""}
    block = fields.get("headers", "")
    if block:
        try:
            parsed = Parser(policy=policy.default).parsestr(block[:64 * 1024], headersonly=True)
            for name in ("Message-ID", "In-Reply-To", "References", "Auto-Submitted"):
                headers[name] = str(parsed.get(name) or "")
        except Exception:
            pass
    for key, name in (("message_id", "Message-ID"), ("in_reply_to", "In-Reply-To"),
                      ("references", "References")):
        value = fields.get(key, "")
        if value:
            headers[name] = value if "<" in value else " ".join(f"<{v}>" for v in value.split())
    text = fields.get("text", "") or _html_text(fields.get("html", ""))
    digest_source = "\n".join(f"{k}:{v}" for k, v in sorted(fields.items())).encode()
    return _envelope(headers, text, digest_source, None, received_at, [])


def _envelope(
    headers: Mapping[str, str], text: str, raw: bytes, recipient: str | None,
    received_at: datetime, attachments: list[dict[str, str]],
) -> Envelope:
    sender = _address(headers["From"], "from")
    to = (normalise_address(ContactKind.EMAIL, recipient, field_name="to") if recipient
          else _address(headers["To"], "to"))
    ids = _message_ids(headers["Message-ID"])
    message_id = ids[0] if ids else "sha256:" + hashlib.sha256(raw).hexdigest()[:40]
    in_reply = _message_ids(headers["In-Reply-To"])
    metadata: dict[str, object] = {
        "subject": " ".join(headers["Subject"].split())[:300],
        "references": _message_ids(headers["References"]),
    }
    if attachments:
        metadata["attachments"] = attachments
    if headers["Auto-Submitted"] and headers["Auto-Submitted"].lower() != "no":
        metadata["auto_submitted"] = True
    return Envelope(
        channel=Channel.EMAIL,
        provider_message_id=message_id,
        from_address=sender,
        to_address=to,
        text=latest_reply(text),
        received_at=received_at,
        in_reply_to=in_reply[0] if in_reply else None,
        metadata=metadata,
    )
