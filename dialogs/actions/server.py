"""``careline actions``: Careline's dialog actions served by the real rasa_sdk action server
(Sanic), on 127.0.0.1 by default, so any Rasa assistant can call them at ``/webhook``.

The routes are rasa_sdk's own (``POST /webhook``, ``GET /actions``, ``GET /health``); the
actions open one database transaction per call on the configured database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from dialogs.actions.appointments import (
    ActionBookSlot,
    ActionCancelAppointment,
    ActionConfirmAppointment,
    ActionFindOpenSlots,
)
from dialogs.actions.base import CarelineAction, OfficeSource
from dialogs.actions.requests import (
    ActionHandOverToStaff,
    ActionJoinWaitlist,
    ActionLeaveWaitlist,
    ActionReferralStatus,
    ActionRequestRefill,
)
from dialogs.actions.source import BackOfficeSource
from domain.clock import Clock
from domain.ehr import EhrPort

__all__ = ["ACTION_TYPES", "build_actions", "build_executor", "create_action_server", "serve"]

ACTION_TYPES: tuple[type[CarelineAction], ...] = (
    ActionConfirmAppointment,
    ActionCancelAppointment,
    ActionFindOpenSlots,
    ActionBookSlot,
    ActionJoinWaitlist,
    ActionLeaveWaitlist,
    ActionReferralStatus,
    ActionRequestRefill,
    ActionHandOverToStaff,
)
"""Every dialog action Careline offers."""


def build_actions(source: OfficeSource, *, clock: Clock | None = None) -> list[CarelineAction]:
    """One instance of every action, all getting their BackOffice from ``source``."""
    return [kind(source, clock=clock) for kind in ACTION_TYPES]


def build_executor(actions: Sequence[CarelineAction]) -> ActionExecutor:
    """A rasa_sdk executor with ``actions`` registered by name."""
    executor = ActionExecutor()
    for action in actions:
        executor.register_action(action)
    return executor


def create_action_server(
    database_url: str, *, ehr: EhrPort | None = None, clock: Clock | None = None
) -> Sanic[Any, Any]:
    """The rasa_sdk action server app serving Careline's actions on ``database_url``.

    The database engine opens on first use and closes when the server stops.
    """
    source = BackOfficeSource(database_url, ehr=ehr)
    app: Sanic[Any, Any] = create_app(
        build_executor(build_actions(source.session, clock=clock)), cors_origins=None
    )

    async def close_database(_app: Any) -> None:
        await source.close()

    app.register_listener(close_database, "after_server_stop")
    return app


def serve(database_url: str, *, host: str = "127.0.0.1", port: int = 5055) -> None:
    """Serve the actions until interrupted (one process; Ctrl-C or SIGTERM stops it)."""
    app = create_action_server(database_url)
    app.run(host=host, port=port, single_process=True, access_log=False, motd=False)
