"""The website widget's wire protocol (docs/widget-protocol.md): client frames parsed and
checked, server frames built, anonymous session tokens.

Pure: no I/O. The socket lives in gateway/webhooks/widget_socket.py.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypedDict

from channels.signed_tokens import sign, verify

__all__ = [
    "MAX_FRAME_BYTES",
    "MAX_TEXT",
    "ClientMessage",
    "FrameError",
    "Ping",
    "Resume",
    "ServerFrame",
    "WidgetSession",
    "error_frame",
    "issue_session",
    "message_frame",
    "parse_client_frame",
    "read_session",
]

MAX_FRAME_BYTES = 8 * 1024
"""Largest client frame answered with an error frame; far larger ones close the socket."""
MAX_TEXT = 2000
"""Longest text a patient may send in one message."""
SESSION_TTL = 24 * 3600
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_PURPOSE = "widget-session"


class ServerFrame(TypedDict, total=False):
    type: str
    seq: int
    id: str
    text: str
    sender: str
    at: str
    code: str
    message: str
    duplicate: bool
    session: str
    last_seq: int


class FrameError(Exception):
    """A client frame Careline cannot accept; becomes an ``error`` frame.

    Attributes:
        code: machine-readable reason (bad_json, bad_frame, too_large, unknown_type...).
        id: the client id of the frame, when it had a usable one.
    """

    def __init__(self, code: str, message: str, *, frame_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.frame_id = frame_id


@dataclass(frozen=True, slots=True)
class ClientMessage:
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class Resume:
    last_seq: int


@dataclass(frozen=True, slots=True)
class Ping:
    id: str | None


ClientFrame = ClientMessage | Resume | Ping


def parse_client_frame(data: str) -> ClientFrame:
    """One client frame (a JSON text frame).

    Raises:
        FrameError: the frame is too large, not JSON, not an object, of an unknown type, or
            has a missing or bad field.
    """
    if len(data) > MAX_FRAME_BYTES or len(data.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        raise FrameError("too_large", f"frames are limited to {MAX_FRAME_BYTES} bytes")
    try:
        frame: Any = json.loads(data)
    except (ValueError, RecursionError):
        raise FrameError("bad_json", "the frame is not JSON") from None
    if not isinstance(frame, dict):
        raise FrameError("bad_frame", "the frame must be a JSON object")
    raw_id = frame.get("id")
    frame_id = raw_id if isinstance(raw_id, str) and _CLIENT_ID.match(raw_id) else None
    kind = frame.get("type")
    if kind == "message":
        if frame_id is None:
            raise FrameError("bad_frame", "a message needs an id: 1-64 letters, digits or _.:-")
        text = frame.get("text")
        if not isinstance(text, str) or not text.strip():
            raise FrameError("bad_frame", "a message needs a non-empty text", frame_id=frame_id)
        if len(text) > MAX_TEXT:
            raise FrameError("too_large", f"texts are limited to {MAX_TEXT} characters",
                             frame_id=frame_id)
        if "\x00" in text or any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
            raise FrameError("bad_frame", "the text contains invalid characters",
                             frame_id=frame_id)
        return ClientMessage(frame_id, text.strip())
    if kind == "resume":
        last = frame.get("last_seq")
        if not isinstance(last, int) or isinstance(last, bool) or not 0 <= last < 2**31:
            raise FrameError("bad_frame", "resume needs last_seq: a whole number >= 0")
        return Resume(last)
    if kind == "ping":
        return Ping(frame_id)
    raise FrameError("unknown_type", "type must be message, resume or ping", frame_id=frame_id)


def message_frame(text: str, sender: Literal["patient", "bot", "staff"], at: datetime,
                  *, client_id: str | None = None) -> ServerFrame:
    """A conversation frame (the log numbers it with ``seq``)."""
    frame: ServerFrame = {"type": "message", "sender": sender, "text": text,
                          "at": at.isoformat()}
    if client_id is not None:
        frame["id"] = client_id
    return frame


def error_frame(code: str, message: str, frame_id: str | None = None) -> ServerFrame:
    frame: ServerFrame = {"type": "error", "code": code, "message": message}
    if frame_id is not None:
        frame["id"] = frame_id
    return frame


@dataclass(frozen=True, slots=True)
class WidgetSession:
    """An anonymous widget visitor: ``session_id`` is their address in Careline."""

    session_id: str
    public_key: str
    expires_at: int

    def token(self, secret: str) -> str:
        return sign(secret, _PURPOSE, {"s": self.session_id, "k": self.public_key,
                                       "e": self.expires_at})


def issue_session(
    public_key: str, now: datetime, *, session_id: str | None = None
) -> WidgetSession:
    """A new session (or a renewal of ``session_id``) valid for a day."""
    sid = session_id or "ws_" + secrets.token_urlsafe(18)
    return WidgetSession(sid, public_key, int(now.timestamp()) + SESSION_TTL)


def read_session(secret: str, token: str, now: datetime) -> WidgetSession | None:
    """The session of a genuine, unexpired token; None otherwise."""
    payload = verify(secret, _PURPOSE, token)
    if payload is None:
        return None
    sid, key, expires = payload.get("s"), payload.get("k"), payload.get("e")
    if not isinstance(sid, str) or not isinstance(key, str) or not isinstance(expires, int):
        return None
    if expires < now.timestamp():
        return None
    return WidgetSession(sid, key, expires)
