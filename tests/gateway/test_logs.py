"""Logs never carry patient data."""

from __future__ import annotations

from gateway.logs import redact


def test_sensitive_keys_and_values_are_redacted() -> None:
    event = redact(
        None,
        "info",
        {
            "event": "inbound from +1 (312) 555-0142",
            "body": "my chest hurts",
            "to": "+13125550142",
            "detail": "mail from ana.ruiz@example.com about +13125550199",
            "conversation_id": "01ABC",
        },
    )
    assert event["body"] == "[redacted]" and event["to"] == "[redacted]"
    assert "555" not in event["event"]
    assert "example.com" not in event["detail"] and "555" not in event["detail"]
    assert event["conversation_id"] == "01ABC"


def test_timestamps_are_kept() -> None:
    event = redact(None, "info", {"event": "started", "timestamp": "2026-11-22T06:06:01.5Z"})
    assert event["timestamp"] == "2026-11-22T06:06:01.5Z"
