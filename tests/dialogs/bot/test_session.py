"""The session's timer (BOT-10, BOT-14) and its machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialogs.bot.session import SESSION_EVENTS, SessionStatus, move, next_check_at
from domain.org_settings import BotSettings

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
S = SessionStatus


def test_a_quiet_visitor_is_checked_on_after_ten_minutes_or_fifteen_once_verified() -> None:
    settings = BotSettings()
    plain = next_check_at(S.BOT, last_activity=NOW, prompted_at=None, verified=False,
                          settings=settings)
    verified = next_check_at(S.BOT, last_activity=NOW, prompted_at=None, verified=True,
                             settings=settings)
    assert plain == NOW + timedelta(minutes=10)
    assert verified == NOW + timedelta(minutes=15)


def test_the_prompt_times_out_after_its_own_wait_and_staff_chats_have_no_timer() -> None:
    settings = BotSettings(inactivity_minutes=7, timeout_after_prompt_minutes=3)
    prompted = NOW + timedelta(minutes=7)
    assert next_check_at(S.CHECKING, last_activity=NOW, prompted_at=prompted, verified=True,
                         settings=settings) == prompted + timedelta(minutes=3)
    for status in (S.STAFF, S.CLOSED):
        assert next_check_at(status, last_activity=NOW, prompted_at=None, verified=False,
                             settings=settings) is None


def test_the_session_machine_allows_only_its_transitions() -> None:
    assert move(S.BOT, "idle") is S.CHECKING
    assert move(S.CHECKING, "resume") is S.BOT
    assert move(S.CHECKING, "timeout") is S.CLOSED
    assert move(S.CLOSED, "restart") is S.BOT
    with pytest.raises(ValueError):
        move(S.CLOSED, "idle")
    with pytest.raises(ValueError):
        move(S.STAFF, "timeout")
    allowed = {(status, event) for status in S for event in SESSION_EVENTS
               if _allowed(status, event)}
    assert (S.BOT, "timeout") not in allowed and (S.STAFF, "restart") in allowed


def _allowed(status: SessionStatus, event: str) -> bool:
    try:
        move(status, event)
    except ValueError:
        return False
    return True
