"""The event loop Careline's long-running processes run on, chosen in this one place.

uvloop when it is installed (its loop runs the same asyncio code with a fraction of the
per-callback and per-socket cost, which matters most to a dispatcher worker sending
thousands of messages a second), else asyncio's own. ``CARELINE_EVENT_LOOP=asyncio`` forces
asyncio's loop (to rule the loop out while debugging); ``uvloop`` requires uvloop.

Used by ``careline serve``, ``careline worker`` and the counting fake provider.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["loop_factory", "new_event_loop", "run"]

T = TypeVar("T")

ENV = "CARELINE_EVENT_LOOP"


def loop_factory(choice: str | None = None) -> Callable[[], asyncio.AbstractEventLoop]:
    """What makes the process's event loop.

    Args:
        choice: ``auto`` (default: uvloop if installed), ``uvloop`` or ``asyncio``;
            ``None`` reads ``CARELINE_EVENT_LOOP``.

    Raises:
        ValueError: an unknown choice.
        ImportError: ``uvloop`` was asked for and is not installed.
    """
    choice = (choice if choice is not None else os.environ.get(ENV, "")).strip().lower()
    if choice not in ("", "auto", "uvloop", "asyncio"):
        raise ValueError(f"{ENV} must be auto, uvloop or asyncio, not {choice!r}")
    if choice == "asyncio":
        return asyncio.new_event_loop
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise
        return asyncio.new_event_loop
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A new loop of the chosen kind (for ``aiohttp.web.run_app(loop=...)``)."""
    return loop_factory()()


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on a loop of the chosen kind."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
