"""The dialog manager: finds what a patient's message answers and lets that flow decide.

Order, for every message:

1. **Compliance first**: STOP/START/HELP (and anything from an address that opted out from
   this number) go to the compliance flow, whatever is open.
2. **Keyword flows**: LEAVEWAITLIST leaves the waitlist; "I'm here" reports an arrival
   (unless the most recent open prompt's flow claims the keyword: an arrival prompt answers
   HERE, a waitlist offer answers LEAVEWAITLIST; see ``PromptFlow.handles``).
3. **Open prompts** (reminder awaiting an answer, waitlist offer, list of reschedule options,
   feedback or identity question...): one → its flow; several → the most recent, or, with
   REM-64 on and a reply that could answer any of them, the which-message flow asks first.
   Older prompts about the same thing as a newer one are closed as superseded.
4. **None** → patient-initiated: staff read it in the Hub (Unassigned), and the configured
   automatic reply goes out once.

Everything here is pure: a context in, effects out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from dialogs.context import DialogContext
from dialogs.effects import ClosePrompt, Effect, Reply, RouteToHub
from dialogs.flows import CORE_PROMPT_FLOWS
from dialogs.flows.arrival import arrival_step
from dialogs.flows.base import (
    FlowEffect,
    PromptFlow,
    Reading,
    Redirect,
    Trigger,
    reply_language,
)
from dialogs.flows.compliance import compliance_step
from dialogs.flows.leave_waitlist import leave_waitlist_step
from dialogs.flows.which_message import ask_which_message
from dialogs.understanding.intents import Classification, Context, Intent
from domain.model import Prompt

__all__ = ["AUTO_REPLY_KEY", "Classifier", "Decision", "DialogManager", "is_bare_cancel"]

AUTO_REPLY_KEY = "hub.auto_reply"
"""Template key of the patient-initiated automatic reply (how "send it once" is checked)."""

_MAX_REDIRECTS = 3
_NOT_WORD = re.compile(r"[\W_]+")


class Classifier(Protocol):
    def __call__(
        self,
        text: str,
        *,
        context: Context = ...,
        options: int = ...,
        strict_yes_no: bool = ...,
        language_hint: str | None = ...,
    ) -> Classification:
        """Classify one reply (``dialogs.understanding.classify``)."""
        ...


@dataclass(frozen=True, slots=True)
class Decision:
    """What the manager decided for one message.

    Attributes:
        effects: to apply, in order, in one transaction.
        reading: how the message was understood.
        handled_by: the flow that answered (``hub`` for patient-initiated messages).
        prompt_id: the prompt it answered, if any.
    """

    effects: tuple[Effect, ...]
    reading: Reading
    handled_by: str
    prompt_id: str | None = None

    @property
    def replies(self) -> tuple[Reply, ...]:
        return tuple(e for e in self.effects if isinstance(e, Reply))


def is_bare_cancel(text: str) -> bool:
    """The message is the single word CANCEL (any case, any punctuation around it)."""
    return _NOT_WORD.sub("", text).casefold() == "cancel"


class DialogManager:
    """Routes each message to its flow.

    Args:
        flows: prompt flows by ``Prompt.flow`` (the core ones when omitted); other parts add
            theirs with :meth:`register`.
        classifier: the reply classifier (``dialogs.understanding.classify`` by default).
    """

    def __init__(
        self,
        *,
        flows: Mapping[str, PromptFlow] | None = None,
        classifier: Classifier | None = None,
    ) -> None:
        self._flows: dict[str, PromptFlow] = dict(CORE_PROMPT_FLOWS if flows is None else flows)
        if classifier is None:
            from dialogs.understanding import classify

            classifier = classify
        self._classify: Classifier = classifier

    @property
    def flows(self) -> Mapping[str, PromptFlow]:
        return dict(self._flows)

    def register(self, flow: PromptFlow) -> None:
        """Route replies to prompts named ``flow.spec.name`` to ``flow``."""
        self._flows[flow.spec.name] = flow

    def decide(self, ctx: DialogContext) -> Decision:
        """Decide what to do with the message in ``ctx``. Never raises for any text."""
        prompts, superseded = _live(ctx.prompts)
        effects: list[Effect] = [ClosePrompt(p.id, "superseded") for p in superseded]
        target = prompts[0] if prompts else None
        flow = self._flows.get(target.flow) if target is not None else None
        reading = self._read(ctx, target, flow)

        if reading.trigger in (Trigger.STOP, Trigger.START, Trigger.HELP) or ctx.opted_out_here:
            yes = ctx.opted_out_here and reading.trigger is Trigger.CONFIRM and self._plain_yes(ctx)
            bare = is_bare_cancel(ctx.text)
            done = compliance_step(reading, ctx, yes=yes, bare_cancel=bare).effects
            return self._decision(effects, done, reading, "compliance", None, ctx)
        claimed = flow is not None and _claims(flow, reading.trigger)
        if reading.trigger is Trigger.LEAVE_WAITLIST and not claimed:
            done = leave_waitlist_step(reading, ctx).effects
            return self._decision(effects, done, reading, "leave_waitlist", None, ctx)
        if reading.trigger is Trigger.ARRIVED and not claimed:
            done = arrival_step(reading, ctx).effects
            return self._decision(effects, done, reading, "arrival", None, ctx)
        if target is None:
            effects.extend(self._patient_initiated(ctx))
            return Decision(tuple(effects), reading, "hub")
        if flow is None:
            effects.append(RouteToHub("unexpected_reply"))
            return Decision(tuple(effects), reading, "hub", target.id)
        asking = self._maybe_ask(ctx, prompts, reading)
        if asking:
            return self._decision(effects, asking, reading, "which_message", None, ctx)
        step = flow.step(target, reading, ctx)
        return self._decision(effects, step.effects, reading, flow.spec.name, target.id, ctx)

    def expire(self, prompt: Prompt, ctx: DialogContext) -> tuple[Effect, ...]:
        """The effects of ``prompt`` timing out (its flow's ``timeout`` event).

        A prompt of a flow this manager does not know is simply closed.
        """
        flow = self._flows.get(prompt.flow)
        if flow is None:
            return (ClosePrompt(prompt.id, "expired"),)
        step = flow.step(prompt, Reading(Trigger.TIMEOUT), ctx)
        return tuple(e for e in step.effects if not isinstance(e, Redirect))

    # -- internals ---------------------------------------------------------------------------

    def _read(self, ctx: DialogContext, target: Prompt | None, flow: PromptFlow | None) -> Reading:
        context = flow.context if flow is not None else Context.OPEN_CHAT
        options = flow.options(target) if flow is not None and target is not None else 0
        strict = ctx.settings.replies.strict_yes_no and context is Context.REMINDER
        hint = ctx.patient.preferred_language if ctx.patient is not None else None
        return Reading.of(self._classify(
            ctx.text, context=context, options=options, strict_yes_no=strict, language_hint=hint
        ))

    def _plain_yes(self, ctx: DialogContext) -> bool:
        """A plain "yes" in some language (what opts back in after STOP, like START)."""
        hint = ctx.patient.preferred_language if ctx.patient is not None else None
        found = self._classify(ctx.text, context=Context.REMINDER, strict_yes_no=True,
                               language_hint=hint)
        return Intent(found.intent) is Intent.CONFIRM

    def _patient_initiated(self, ctx: DialogContext) -> list[Effect]:
        effects: list[Effect] = [RouteToHub("patient_message")]
        auto_reply = ctx.settings.hub.auto_reply.strip()
        if auto_reply and not ctx.auto_reply_sent:
            effects.append(Reply(auto_reply, key=AUTO_REPLY_KEY))
        return effects

    def _maybe_ask(
        self, ctx: DialogContext, prompts: list[Prompt], reading: Reading
    ) -> list[FlowEffect]:
        """REM-64: the which-message question, when it applies."""
        if not ctx.settings.replies.ask_which_message or prompts[0].flow == "which_message":
            return []
        if reading.trigger in (Trigger.UNKNOWN, Trigger.TIMEOUT):
            return []  # staff read it whichever message it answers
        language = reply_language(reading, ctx)
        labelled = [
            (p, self._flows[p.flow].describe(p, ctx, language))
            for p in prompts
            if p.flow in self._flows and p.flow != "which_message"
        ]
        if len(labelled) < 2:
            return []
        stale: list[FlowEffect] = [
            ClosePrompt(p.id, "expired") for p in prompts if p.flow == "which_message"
        ]
        return stale + ask_which_message(labelled, reading, ctx)

    def _decision(
        self,
        effects: list[Effect],
        produced: tuple[FlowEffect, ...] | list[FlowEffect],
        reading: Reading,
        handled_by: str,
        prompt_id: str | None,
        ctx: DialogContext,
        depth: int = 0,
    ) -> Decision:
        for effect in produced:
            if isinstance(effect, Redirect):
                return self._follow(effects, effect, ctx, handled_by, prompt_id, depth)
            effects.append(effect)
        return Decision(tuple(effects), reading, handled_by, prompt_id)

    def _follow(
        self,
        effects: list[Effect],
        redirect: Redirect,
        ctx: DialogContext,
        handled_by: str,
        prompt_id: str | None,
        depth: int,
    ) -> Decision:
        """Hand a kept reply to the prompt the patient picked (which-message answers)."""
        target = next((p for p in ctx.prompts if p.id == redirect.prompt_id), None)
        flow = self._flows.get(target.flow) if target is not None else None
        if target is None or flow is None or depth >= _MAX_REDIRECTS:
            effects.append(RouteToHub("unexpected_reply", reopen=True,
                                      note="The message the patient picked is no longer open."))
            return Decision(tuple(effects), redirect.reading, handled_by, prompt_id)
        step = flow.step(target, redirect.reading, ctx)
        return self._decision(
            effects, step.effects, redirect.reading, flow.spec.name, target.id, ctx, depth + 1
        )


def _claims(flow: PromptFlow, trigger: Trigger) -> bool:
    """Whether the open prompt's flow answers a keyword itself (LEAVEWAITLIST to a waitlist
    offer, HERE to an arrival prompt) instead of the keyword flow."""
    handles = getattr(flow, "handles", None)
    if handles is not None:
        return trigger in handles
    return trigger is Trigger.LEAVE_WAITLIST and flow.context is Context.WAITLIST_OFFER


def _live(prompts: tuple[Prompt, ...]) -> tuple[list[Prompt], list[Prompt]]:
    """Open prompts, most recent first, and the older ones a newer prompt of the same flow
    about the same appointment supersedes (a later reminder for the same visit)."""
    ordered = sorted(prompts, key=lambda p: (p.created_at, p.id), reverse=True)
    live: list[Prompt] = []
    superseded: list[Prompt] = []
    seen: set[tuple[str, str]] = set()
    for prompt in ordered:
        key = (prompt.flow, prompt.appointment_id or "")
        if prompt.appointment_id is not None and key in seen:
            superseded.append(prompt)
            continue
        seen.add(key)
        live.append(prompt)
    return live, superseded
