"""Structured logs that never carry patient data: no names, numbers, addresses or bodies."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

__all__ = ["configure_logging", "get_logger", "redact"]

_SENSITIVE_KEYS = frozenset(
    {
        "body",
        "text",
        "message_body",
        "name",
        "first_name",
        "last_name",
        "phone",
        "to",
        "from",
        "from_",
        "to_address",
        "from_address",
        "address",
        "email",
        "dob",
        "date_of_birth",
        "password",
        "token",
        "secret",
        "auth_token",
        "media",
        "subject",
        "patient_address",
    }
)
_TRUSTED_KEYS = frozenset({"timestamp", "level", "logger"})
"""Keys written by the logging pipeline itself, never from patient data."""
_PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


def redact(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: drop sensitive keys, mask numbers and emails in the rest."""
    for key in list(event):
        if key in _TRUSTED_KEYS:
            continue
        if key.lower() in _SENSITIVE_KEYS:
            event[key] = "[redacted]"
        elif isinstance(event[key], str) and key != "event":
            event[key] = _EMAIL.sub("[email]", _PHONE.sub("[number]", event[key]))
    if isinstance(event.get("event"), str):
        event["event"] = _EMAIL.sub("[email]", _PHONE.sub("[number]", event["event"]))
    return event


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=getattr(logging, level), stream=sys.stderr, format="%(message)s")
    # aiohttp's access log prints the request line; query strings may hold tokens.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
