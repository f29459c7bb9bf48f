"""Builds outbound email: plain text with an HTML alternative, our own Message-ID, threading
headers for replies, and one-click unsubscribe (RFC 2369 and RFC 8058)."""

from __future__ import annotations

import hashlib
import html
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

__all__ = ["OutgoingEmail", "build_email", "new_message_id", "text_to_html"]


def new_message_id(domain: str, key: str) -> str:
    """A Message-ID (without angle brackets) unique to this send of ``key``."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"{digest}.{secrets.token_hex(8)}@{domain}"


def text_to_html(text: str) -> str:
    """Plain text as simple, escaped HTML paragraphs."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingEmail:
    sender_name: str
    sender_address: str
    to_address: str
    subject: str
    text: str
    message_id: str
    date: datetime
    unsubscribe_url: str
    html: str | None = None
    reply_to: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)


_FOOTER_TEXT = "\n\n--\nTo stop receiving these emails, open: {url}\n"
_FOOTER_HTML = (
    '<hr><p style="font-size:12px;color:#555">To stop receiving these emails, '
    '<a href="{url}">unsubscribe here</a>.</p>'
)


def build_email(mail: OutgoingEmail) -> EmailMessage:
    """The MIME message (multipart/alternative: text, then HTML)."""
    msg = EmailMessage()
    msg["From"] = formataddr((mail.sender_name, mail.sender_address))
    msg["To"] = mail.to_address
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.date)
    msg["Message-ID"] = f"<{mail.message_id}>"
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    if mail.in_reply_to:
        msg["In-Reply-To"] = f"<{mail.in_reply_to}>"
        msg["References"] = " ".join(f"<{r}>" for r in (*mail.references, mail.in_reply_to))
    msg["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in mail.headers.items():
        if name.lower() not in {k.lower() for k in msg.keys()}:
            msg[name] = value
    url = html.escape(mail.unsubscribe_url, quote=True)
    msg.set_content(mail.text + _FOOTER_TEXT.format(url=mail.unsubscribe_url))
    body = mail.html if mail.html is not None else text_to_html(mail.text)
    msg.add_alternative(
        f"<!doctype html><html><body>{body}{_FOOTER_HTML.format(url=url)}</body></html>",
        subtype="html",
    )
    return msg
