"""Drives the pure bot engine the way the gateway does, with scripted action outcomes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from dialogs.bot.catalog import Catalog
from dialogs.bot.engine import handle_idle, handle_result, handle_text, handle_timeout, new_state
from dialogs.bot.loader import load_flow
from dialogs.bot.shipped import example_sources
from dialogs.bot.state import ActionCall, ActionResult, BotContext, BotState, Turn

CTX = BotContext(bot_name="Ava", org_name="Riverbend Health",
                 welcome_prompt="Hi! How can we help?", today=date(2026, 11, 22))

SLOTS = [{"id": "s1", "label": "Mon, Nov 23 at 9:00 AM"},
         {"id": "s2", "label": "Tue, Nov 24 at 10:30 AM"}]

HAPPY: dict[str, ActionResult] = {
    "identify": ActionResult("found", patient_id="p1"),
    "send_code": ActionResult("sent", {"contact_hint": "your phone number ending in 0123"}),
    "check_code": ActionResult("verified", {"attempts_left": "4", "code": ""}),
    "find_slots": ActionResult("found", {"_slots": SLOTS}),
    "book": ActionResult("booked", {"appointment": "Mon, Nov 23 at 9:00 AM"}),
    "hand_over": ActionResult("done"),
    "save_feedback": ActionResult("done"),
}


def examples_catalog(overrides: Mapping[str, str] | None = None) -> Catalog:
    return Catalog([load_flow(s) for s in example_sources().values()], overrides)


Outcomes = Callable[[ActionCall, BotState], ActionResult]


@dataclass
class Visitor:
    """One visitor's chat with the engine; ``said`` collects what the bot said per turn."""

    catalog: Catalog = field(default_factory=examples_catalog)
    outcomes: Outcomes = field(default=lambda call, state: HAPPY[call.name])
    state: BotState = field(default_factory=new_state)
    calls: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    def says(self, text: str) -> list[str]:
        return self._finish(handle_text(self.state, text, self.catalog, CTX))

    def idles(self) -> list[str]:
        return self._finish(handle_idle(self.state, self.catalog, CTX))

    def times_out(self) -> list[str]:
        return self._finish(handle_timeout(self.state, self.catalog, CTX))

    def _finish(self, turn: Turn) -> list[str]:
        said = [m.wire_text() for m in turn.messages]
        self.events += turn.events
        while turn.action is not None:
            self.calls.append(turn.action.name)
            turn = handle_result(turn.state, self.outcomes(turn.action, turn.state),
                                 self.catalog, CTX)
            said += [m.wire_text() for m in turn.messages]
            self.events += turn.events
        self.state = turn.state
        return said
