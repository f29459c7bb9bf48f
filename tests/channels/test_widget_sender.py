"""The widget shows who wrote an outbound message: staff replies are not the bot's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channels.base import OutboundMessage
from channels.widget import ServerFrame
from channels.widget_frames import WidgetFrames, WidgetSender, frame_sender
from domain.model import Channel

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


class _Clock:
    def now(self) -> datetime:
        return NOW


class _Frames:
    def __init__(self) -> None:
        self.stored: list[ServerFrame] = []

    async def append(self, session_id: str, org_id: str | None, frames: Sequence[ServerFrame],
                     now: datetime) -> list[ServerFrame]:
        numbered = [cast(ServerFrame, {**f, "seq": len(self.stored) + i})
                    for i, f in enumerate(frames, start=1)]
        self.stored.extend(numbered)
        return numbered


async def _sent_as(metadata: dict[str, Any]) -> str:
    frames = _Frames()
    sender = WidgetSender(cast(WidgetFrames, frames), cast(Any, _Clock()))
    await sender.send(OutboundMessage(
        channel=Channel.WIDGET, to_address="session-1", from_address=None,
        body="Pick one:\n1. Monday\n2. Tuesday", idempotency_key="out-1", metadata=metadata))
    return frames.stored[0]["sender"]


@pytest.mark.parametrize("kind", ["staff", "secure_link"])
async def test_a_staff_reply_is_shown_as_staff_not_as_the_bot(kind: str) -> None:
    assert await _sent_as({"kind": kind, "org_id": "org"}) == "staff"


async def test_an_explicit_staff_sender_is_still_staff() -> None:
    assert await _sent_as({"sender": "staff"}) == "staff"


@pytest.mark.parametrize("metadata", [{}, {"kind": "bot"}, {"kind": "reminder"}])
async def test_automatic_messages_are_the_bots(metadata: dict[str, Any]) -> None:
    assert await _sent_as(metadata) == "bot"


@given(st.dictionaries(st.sampled_from(["kind", "sender", "org_id"]), st.text(max_size=12)))
def test_only_staff_kinds_or_a_staff_sender_are_staff(metadata: dict[str, str]) -> None:
    expected = (metadata.get("sender") == "staff"
                or metadata.get("kind") in ("staff", "secure_link"))
    assert (frame_sender(metadata) == "staff") is expected
