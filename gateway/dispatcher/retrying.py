"""Plan and store the retry of a failed message, and the hook for delivery-failure callbacks.

The decision itself is :func:`gateway.dispatcher.retry.plan_retry` (pure); this module loads
what it needs (the organisation's settings, the attempt chain, the patient's contacts) and
writes the retry as a new outbox row.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import Conflict, NotFound
from domain.model import MessageStatus, OutboxMessage, OutboxState, new_id
from domain.storage.repositories import OutboxRepository, PatientRepository, PracticeRepository
from gateway.dispatcher._threads import update_outbox_message
from gateway.dispatcher.retry import (
    Attempt,
    Failure,
    RetrySettings,
    contact_options,
    plan_retry,
    retry_dedupe_key,
)

__all__ = ["RESENDABLE", "on_delivery_failed", "resend", "schedule_retry"]

RESENDABLE = frozenset({OutboxState.UNKNOWN, OutboxState.FAILED, OutboxState.BLOCKED})
"""States from which staff may send a message again (a new row, through the rules again)."""


async def schedule_retry(
    conn: AsyncConnection,
    failed: OutboxMessage,
    failure: Failure,
    error_code: str | None,
    *,
    now: datetime,
    body: str | None = None,
) -> OutboxMessage | None:
    """Store the next attempt of ``failed``, if the organisation's retry policy has one.

    Args:
        conn: the transaction that records the failure.
        failed: the row that failed.
        failure: how it failed.
        error_code: the provider's error code, if any.
        now: the current time.
        body: the text that was sent (for a same-channel retry of a template row).

    Returns:
        The new pending row, or ``None`` when the failure is final.
    """
    repo = OutboxRepository(conn)
    try:
        org = await PracticeRepository(conn).organization(failed.org_id)
    except NotFound:
        return None
    settings = RetrySettings.from_org(org.settings)
    chain = await repo.chain(failed)
    patient = None
    if failed.patient_id is not None:
        try:
            patient = await PatientRepository(conn).get(failed.patient_id)
        except NotFound:
            patient = None
    plan = plan_retry(
        [Attempt(m.channel, m.to_address) for m in chain],
        failure,
        error_code,
        contact_options(patient, settings.channel_order),
        settings,
        now,
    )
    if plan is None:
        return None
    same_channel = plan.target.channel is failed.channel
    text = body if body is not None else failed.body
    if not same_channel and failed.template_key is not None:
        text = None  # rendered again in the new channel's format
    retry = replace(
        failed,
        id=new_id(),
        dedupe_key=retry_dedupe_key(chain[0].dedupe_key, len(chain)),
        channel=plan.target.channel,
        to_address=plan.target.address,
        from_address=failed.from_address if same_channel else None,
        body=text,
        due_at=plan.due_at,
        created_at=now,
        state=OutboxState.PENDING,
        attempts=0,
        lease_owner=None,
        lease_expires_at=None,
        reason=f"retry: {plan.note}",
        provider_id=None,
        sent_at=None,
        retry_of=failed.id,
    )
    if not await repo.add(retry):
        return None
    return retry


async def resend(
    conn: AsyncConnection, message: OutboxMessage, *, now: datetime, by: str | None = None
) -> OutboxMessage:
    """Plan a staff-requested new attempt of ``message`` (typically one flagged unknown,
    after staff checked with the patient): a new row due now, linked by ``retry_of``. It
    goes through the delivery rules like any other, so a listed number stays blocked.

    Raises:
        Conflict: ``message`` is not in a state that can be sent again.
    """
    if message.state not in RESENDABLE:
        raise Conflict(f"a {message.state.value} message cannot be sent again")
    repo = OutboxRepository(conn)
    chain = await repo.chain(message)
    context = dict(message.context)
    if by is not None:
        context["author_id"] = by
    again = replace(
        message,
        id=new_id(),
        dedupe_key=retry_dedupe_key(f"{chain[0].dedupe_key}~resend", len(chain)),
        due_at=now,
        created_at=now,
        state=OutboxState.PENDING,
        context=context,
        attempts=0,
        lease_owner=None,
        lease_expires_at=None,
        reason="retry: sent again by staff",
        provider_id=None,
        sent_at=None,
        retry_of=message.id,
    )
    if not await repo.add(again):
        raise Conflict("this message was already sent again")
    return again


async def on_delivery_failed(
    conn: AsyncConnection,
    provider_id: str,
    error_code: str | None,
    *,
    now: datetime | None = None,
) -> str | None:
    """React to a provider's "not delivered" status callback (REM-06, REM-40).

    For the channel engineer's status webhook: call it inside the webhook's transaction when
    a message's final status is undelivered or failed. The outbox row becomes ``failed`` with
    the reason, its Hub message ``undelivered``, and the retry policy may plan a retry.
    Idempotent: a repeated or late callback for the same message does nothing.

    Args:
        conn: the webhook's transaction.
        provider_id: the provider's message id (e.g. Twilio's MessageSid).
        error_code: the provider's error code (e.g. Twilio ErrorCode ``30003``), if any.
        now: the current time (defaults to the system clock).

    Returns:
        The id of the retry row when one was planned, else ``None``.
    """
    at = now or datetime.now(UTC)
    repo = OutboxRepository(conn)
    row = await repo.by_provider_id(provider_id)
    if row is None:
        return None
    code = f" (error {error_code})" if error_code else ""
    reason = f"undelivered: the provider could not deliver the message{code}"
    if not await repo.mark_undelivered(row.id, reason=reason, now=at):
        return None
    await update_outbox_message(
        conn, row.id, status=MessageStatus.UNDELIVERED, error_code=error_code
    )
    retry = await schedule_retry(conn, row, Failure.UNDELIVERED, error_code, now=at)
    return None if retry is None else retry.id
