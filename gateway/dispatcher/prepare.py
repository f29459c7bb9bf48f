"""From a claimed batch to decisions: render each row, re-check the delivery rules at send
time, and pace what may go. No writes here; the worker applies the result in one
transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from channels.base import OutboundMessage, Sender
from domain import rules
from domain.model import Channel, OutboxMessage, OutboxState
from domain.storage.repositories.outbox import Transition
from gateway.dispatcher.context import BatchFacts
from gateway.dispatcher.decide import Action, RowFacts, decide, rules_channel
from gateway.dispatcher.pacing import Pacer, PaceRequest, pacing_bucket
from gateway.dispatcher.rendering import RenderContext, RenderedMessage, Renderer, RenderError
from gateway.logs import get_logger

__all__ = ["Prepared", "Ready", "prepare_batch"]

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Ready:
    """A row cleared to send: the provider message, its sender and its pacing wait."""

    row: OutboxMessage
    message: OutboundMessage
    sender: Sender
    wait: float


@dataclass(slots=True)
class Prepared:
    """The decisions for a batch."""

    ready: list[Ready] = field(default_factory=list)
    final: list[Transition] = field(default_factory=list)
    """Blocked or failed before sending."""
    later: list[tuple[str, datetime, str | None]] = field(default_factory=list)
    """Deferred by the rules or by pacing: ``(id, due_at, reason)``."""
    fill: list[tuple[str, str, str | None]] = field(default_factory=list)
    """Rendered bodies and sender addresses to store: ``(id, body, from_address)``."""


def _outbound(row: OutboxMessage, rendered: RenderedMessage, from_address: str | None
              ) -> OutboundMessage:
    return OutboundMessage(
        channel=row.channel,
        to_address=row.to_address,
        from_address=from_address,
        body=rendered.body,
        idempotency_key=row.id,
        subject=rendered.subject,
        html=rendered.html,
        language=row.language,
        metadata={"outbox_id": row.id, "kind": row.kind.value, "org_id": row.org_id},
    )


def _as_prior(row: OutboxMessage, facts: RowFacts, now: datetime) -> rules.PriorMessage | None:
    channel = rules_channel(row.channel, row.to_address)
    if row.template_key is None or facts.patient is None or channel is None:
        return None
    if not facts.patient.first_name:
        return None
    try:
        return rules.PriorMessage(
            template_key=row.template_key, channel=channel, address=row.to_address,
            patient_first_name=facts.patient.first_name, sent_at=now,
        )
    except Exception:  # an unreadable address is blocked by the rules anyway
        return None


async def _render(
    renderer: Renderer, row: OutboxMessage, batch: BatchFacts, facts: RowFacts, now: datetime
) -> RenderedMessage | str:
    context = RenderContext(
        org=facts.org, patient=facts.patient, appointment=facts.appointment,
        facility=batch.facilities.get(row.id), now=now,
    )
    try:
        return await renderer.render(row, context)
    except RenderError as exc:
        return f"render_failed: {exc.reason}"
    except Exception as exc:  # one bad template must not stop the batch
        log.exception("dispatcher.render_error", outbox_id=row.id)
        return f"render_failed: {type(exc).__name__}"


async def prepare_batch(
    rows: Sequence[OutboxMessage],
    batch: BatchFacts,
    *,
    senders: Mapping[Channel, Sender],
    renderer: Renderer,
    pacer: Pacer,
    now: datetime,
) -> Prepared:
    """Decide what happens to every claimed row now.

    Rows are judged in order; a row cleared to send counts as an earlier message for the
    blackout of the rows after it (two records of one patient in one batch get one message).
    """
    prepared = Prepared()
    sent_now: dict[str, list[rules.PriorMessage]] = defaultdict(list)
    cleared: list[tuple[OutboxMessage, RenderedMessage, str | None, Sender]] = []
    for row in rows:
        if row.id in batch.missing_org:
            why = f"invalid_message: {batch.missing_org[row.id]}"
            prepared.final.append(Transition(row.id, OutboxState.FAILED, why))
            continue
        facts = batch.facts[row.id]
        sender = senders.get(row.channel)
        if sender is None:
            prepared.later.append((row.id, row.due_at, row.reason))
            continue
        rendered = await _render(renderer, row, batch, facts, now)
        if isinstance(rendered, str):
            prepared.final.append(Transition(row.id, OutboxState.FAILED, rendered))
            continue
        extra = sent_now[row.org_id]
        if extra:
            facts = replace(facts, priors=facts.priors + tuple(extra))
        verdict = decide(row, rendered.body, facts, now)
        if verdict.action is Action.BLOCK:
            prepared.final.append(Transition(row.id, OutboxState.BLOCKED, verdict.reason))
        elif verdict.action is Action.DEFER:
            assert verdict.until is not None
            prepared.later.append((row.id, verdict.until, verdict.reason))
        else:
            prior = _as_prior(row, facts, now)
            if prior is not None:
                extra.append(prior)
            cleared.append((row, rendered, facts.from_address, sender))
    plan = await pacer.plan(
        [
            PaceRequest(
                row.id, pacing_bucket(row.channel, sender_address),
                batch.facts[row.id].org.settings.messaging,
            )
            for row, _, sender_address, _ in cleared
        ],
        now,
    )
    prepared.later.extend(plan.later)
    for row, rendered, sender_address, sender in cleared:
        if row.id not in plan.waits:
            continue
        if row.body != rendered.body or row.from_address != sender_address:
            prepared.fill.append((row.id, rendered.body, sender_address))
        prepared.ready.append(
            Ready(row, _outbound(row, rendered, sender_address), sender, plan.waits[row.id])
        )
    return prepared
