"""What every Careline dialog action shares: a ``rasa_sdk.Action`` that gets a BackOffice for
the length of one run, from the action server's database or from the caller's transaction.

Actions read their inputs from slots (``appointment_id``, ``patient_id``, ``slot_id``...),
answer through the dispatcher, and return ``SlotSet`` events with what they did, so that any
Rasa assistant can call them through the standard action server, and our own flows can run
them in-process with :func:`run_in_process`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from dialogs.actions.backoffice import BackOffice
from domain.clock import Clock, SystemClock
from domain.errors import Conflict, NotFound, ValidationError
from domain.model import Patient

__all__ = [
    "ActionResult",
    "CarelineAction",
    "OfficeSource",
    "answer_language",
    "in_process",
    "run_in_process",
    "slot_text",
]

OfficeSource = Callable[[], AbstractAsyncContextManager[BackOffice]]
"""Where an action gets its BackOffice for one run."""

Events = list[dict[str, Any]]


def in_process(office: BackOffice) -> OfficeSource:
    """A source that hands out ``office`` itself: the action joins the caller's transaction."""

    @asynccontextmanager
    async def session() -> AsyncIterator[BackOffice]:
        yield office

    return session


def slot_text(tracker: Tracker, name: str) -> str | None:
    """A slot's value as stripped text (None when unset or empty)."""
    value = tracker.get_slot(name)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def answer_language(tracker: Tracker, patient: Patient) -> str:
    """The language to answer in: the ``language`` slot's, else the patient's preferred one."""
    return slot_text(tracker, "language") or patient.preferred_language


class CarelineAction(Action):  # type: ignore[misc]  # rasa_sdk ships no type hints
    """Base class of Careline's dialog actions.

    Args:
        source: gives the BackOffice for one run (required before the action runs).
        clock: the time source (system time by default).
    """

    action_name: ClassVar[str] = ""

    def __init__(self, source: OfficeSource | None = None, *, clock: Clock | None = None) -> None:
        self.source = source
        self.clock: Clock = clock or SystemClock()

    def name(self) -> str:
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        """Run the action in one BackOffice session; domain errors become an answer and an
        ``action_error`` slot (``not_found``, ``conflict`` or ``invalid``)."""
        if self.source is None:
            raise RuntimeError(f"{self.action_name} has no back office configured")
        try:
            async with self.source() as office:
                return await self.perform(office, dispatcher, tracker, self.clock.now())
        except NotFound:
            dispatcher.utter_message(text="Sorry, we couldn't find that.")
            return [SlotSet("action_error", "not_found")]
        except Conflict:
            dispatcher.utter_message(text="Sorry, that can't be done right now.")
            return [SlotSet("action_error", "conflict")]
        except ValidationError as exc:
            dispatcher.utter_message(text="Sorry, something in that request isn't right.")
            return [SlotSet("action_error", "invalid"), SlotSet("action_error_field", exc.field)]

    async def perform(
        self, office: BackOffice, dispatcher: CollectingDispatcher, tracker: Tracker,
        now: datetime,
    ) -> Events:
        """Do the work; raise NotFound/Conflict/ValidationError for what the caller got wrong."""
        raise NotImplementedError


def _missing(name: str) -> ValidationError:
    return ValidationError(name, "slot is required")


def required_slot(tracker: Tracker, name: str) -> str:
    """A slot the action cannot do without.

    Raises:
        ValidationError: the slot is not set.
    """
    value = slot_text(tracker, name)
    if value is None:
        raise _missing(name)
    return value


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What an action run in-process returned: its events and its messages."""

    events: Events
    messages: list[dict[str, Any]]

    def slot(self, name: str) -> Any:
        """The last value the action set for slot ``name`` (None when it set none)."""
        value = None
        for event in self.events:
            if event.get("event") == "slot" and event.get("name") == name:
                value = event.get("value")
        return value


async def run_in_process(
    action: CarelineAction,
    *,
    slots: dict[str, Any],
    sender_id: str,
    text: str = "",
) -> ActionResult:
    """Run ``action`` as the action server would, without HTTP: a tracker with ``slots`` and
    the latest message ``text``."""
    tracker = Tracker(
        sender_id, dict(slots), {"text": text, "intent": {}, "entities": []}, [], False, None,
        {}, None,
    )
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return ActionResult(list(events or []), list(dispatcher.messages))
