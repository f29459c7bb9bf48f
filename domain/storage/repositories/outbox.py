"""The outbox table: planned and sent messages, claimed by dispatcher workers with a lease.

Life of a row (``OutboxState``)::

    pending --claim--> claimed --mark_sending--> claimed+"sending" --> sent | failed | unknown
       ^                  |                                  |
       +--release/defer---+  (rules deferred, paced)         +--transient error--> pending
                          +--finish--> blocked | failed

A claim sets ``lease_owner`` (a per-claim token), ``lease_expires_at`` and ``attempts + 1``.
Before a provider is called the row is marked ``reason = 'sending'`` (:data:`SENDING`) in its
own committed transaction: a row whose lease expired *without* that marker never reached a
provider and is safe to queue again; one *with* it may have, and is reconciled instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import NotFound
from domain.model import Channel, OutboxMessage, OutboxState
from domain.storage import tables as t
from domain.storage.repositories._mapping import to_values
from domain.storage.repositories._outbox_updates import Transition, apply_transitions

__all__ = ["SENDING", "OutboxRepository", "Transition"]

SENDING = "sending"
"""``reason`` of a claimed row whose send attempt has started (the crash-safety marker)."""

_CHUNK = 400
_C = t.outbox.c


class OutboxRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    @property
    def _postgres(self) -> bool:
        return self.conn.dialect.name == "postgresql"

    # -- planning ---------------------------------------------------------------------------

    async def add(self, message: OutboxMessage) -> bool:
        """Insert unless a row with the same dedupe key exists. True when inserted."""
        return await self.add_many([message]) == 1

    async def add_many(self, messages: Sequence[OutboxMessage]) -> int:
        """Insert rows, skipping dedupe keys already present. Returns how many were inserted."""
        if not messages:
            return 0
        rows = [self.values(m) for m in messages]
        if self._postgres:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            statement: Any = pg_insert(t.outbox).on_conflict_do_nothing(
                index_elements=["dedupe_key"]
            )
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            statement = sqlite_insert(t.outbox).on_conflict_do_nothing(
                index_elements=["dedupe_key"]
            )
        result = await self.conn.execute(statement, rows)
        return max(result.rowcount, 0)

    @staticmethod
    def values(message: OutboxMessage) -> dict[str, Any]:
        return to_values(message) | {"updated_at": message.created_at}

    async def get(self, outbox_id: str) -> OutboxMessage:
        found = await self.get_many([outbox_id])
        if not found:
            raise NotFound("outbox message", outbox_id)
        return found[0]

    async def get_many(self, ids: Iterable[str]) -> list[OutboxMessage]:
        """The rows with these ids (missing ids are skipped), in no particular order."""
        wanted = list(dict.fromkeys(ids))
        found: list[OutboxMessage] = []
        for start in range(0, len(wanted), _CHUNK):
            rows = await self.conn.execute(
                sa.select(t.outbox).where(_C.id.in_(wanted[start : start + _CHUNK]))
            )
            found.extend(_message(r) for r in rows.mappings())
        return found

    async def for_appointment(self, appointment_id: str) -> list[OutboxMessage]:
        rows = (
            await self.conn.execute(
                sa.select(t.outbox).where(_C.appointment_id == appointment_id).order_by(_C.due_at)
            )
        ).mappings()
        return [_message(r) for r in rows]

    async def cancel_pending(
        self,
        *,
        appointment_id: str,
        at: datetime,
        reason: str,
        keep_keys: Sequence[str] = (),
    ) -> int:
        """Cancel an appointment's pending rows except ``keep_keys`` (re-planning)."""
        condition = sa.and_(
            _C.appointment_id == appointment_id,
            _C.state == OutboxState.PENDING.value,
        )
        if keep_keys:
            condition = sa.and_(condition, _C.dedupe_key.not_in(list(keep_keys)))
        result = await self.conn.execute(
            t.outbox.update()
            .where(condition)
            .values(state=OutboxState.CANCELLED.value, reason=reason, updated_at=at)
        )
        return result.rowcount

    # -- claiming ---------------------------------------------------------------------------

    async def claim_due(
        self,
        *,
        owner: str,
        now: datetime,
        lease_until: datetime,
        limit: int,
        channels: Sequence[str] | None = None,
    ) -> list[OutboxMessage]:
        """Claim up to ``limit`` pending rows due at ``now``, oldest due first.

        One statement: on PostgreSQL the candidate rows are locked with ``FOR UPDATE SKIP
        LOCKED`` so concurrent workers take disjoint batches; on SQLite the statement runs
        under the database-wide write lock, so two claimers can never take the same row.

        Args:
            owner: the claim's lease token, written to ``lease_owner``.
            now: the current time; rows with ``due_at <= now`` are due.
            lease_until: when the lease expires unless the row is finished first.
            limit: the most rows to claim.
            channels: claim only rows of these channels (those the worker can send).

        Returns:
            The claimed rows (state ``claimed``, attempts already incremented).
        """
        due = sa.select(_C.id).where(_C.state == OutboxState.PENDING.value, _C.due_at <= now)
        if channels is not None:
            due = due.where(_C.channel.in_(list(channels)))
        due = due.order_by(_C.due_at, _C.id).limit(limit)
        # The chosen rows must be found by primary key, not by scanning every pending row,
        # which both planners otherwise do for the state re-check once many rows are due (or,
        # on PostgreSQL, when the table's statistics are older than its rows). The re-check is
        # written so that no index can serve it: it then only filters the rows found.
        still_pending: Any = _C.state == OutboxState.PENDING.value
        if self._postgres:
            # = ANY(ARRAY(…)): the chosen ids become one value; with IN (…) the planner
            # hash-joins a scan of the whole table.
            chosen: Any = _C.id == sa.any_(
                sa.func.array(due.with_for_update(skip_locked=True).scalar_subquery())
            )
            still_pending = sa.func.coalesce(_C.state, "") == OutboxState.PENDING.value
        else:
            chosen = _C.id.in_(due.scalar_subquery())
            # SQLite's unlikely(X) is X, plus a hint not to pick the state index for it.
            still_pending = sa.func.unlikely(still_pending)
        statement = (
            t.outbox.update()
            .where(chosen, still_pending)
            .values(
                state=OutboxState.CLAIMED.value,
                lease_owner=owner,
                lease_expires_at=lease_until,
                attempts=_C.attempts + 1,
                updated_at=now,
            )
            .returning(*t.outbox.c)
        )
        rows = (await self.conn.execute(statement)).mappings().all()
        claimed = [_message(r) for r in rows]
        claimed.sort(key=lambda m: (m.due_at, m.id))
        return claimed

    async def fill_in(self, owner: str, items: Sequence[tuple[str, str, str | None]]) -> None:
        """Store the rendered body and the resolved sender address of claimed rows.

        Args:
            owner: the lease token; rows claimed by someone else are left alone.
            items: ``(id, body, from_address)`` triples.
        """
        if not items:
            return
        statement = (
            t.outbox.update()
            .where(_C.id == sa.bindparam("b_id"), _C.lease_owner == owner)
            .values(body=sa.bindparam("b_body"), from_address=sa.bindparam("b_from"))
        )
        await self.conn.execute(
            statement, [{"b_id": i, "b_body": body, "b_from": sender} for i, body, sender in items]
        )

    async def mark_sending(
        self, ids: Sequence[str], *, owner: str, now: datetime, lease_floor: datetime
    ) -> set[str]:
        """Record that the send attempt of these claimed rows starts now (commit before sending).

        Only rows still claimed by ``owner`` whose lease lasts beyond ``lease_floor`` are
        marked, so a worker that lost its lease (paused too long) never sends.

        Returns:
            The ids marked; send only these.
        """
        marked: set[str] = set()
        for start in range(0, len(ids), _CHUNK):
            result = await self.conn.execute(
                t.outbox.update()
                .where(
                    _C.id.in_(list(ids[start : start + _CHUNK])),
                    _C.lease_owner == owner,
                    _C.state == OutboxState.CLAIMED.value,
                    _C.lease_expires_at > lease_floor,
                )
                .values(reason=SENDING, updated_at=now)
                .returning(_C.id)
            )
            marked.update(result.scalars().all())
        return marked

    async def renew_leases(
        self, owners: Sequence[str], *, now: datetime, lease_until: datetime
    ) -> int:
        """Extend the leases of rows still claimed under these tokens (a live worker whose
        attempts wait for a rate-limit token or a free connection). Rows taken over or
        queued again by a reconciler have another token or state and are left alone."""
        if not owners:
            return 0
        result = await self.conn.execute(
            t.outbox.update()
            .where(_C.lease_owner.in_(list(owners)), _C.state == OutboxState.CLAIMED.value)
            .values(lease_expires_at=lease_until, updated_at=now)
        )
        return max(result.rowcount, 0)

    async def release(
        self, items: Sequence[tuple[str, datetime, str | None]], *, owner: str, now: datetime
    ) -> int:
        """Give claimed rows back: pending again at a new due time, with the reason.

        Used for rule deferrals, pacing and shutdown. The claim is not counted as an attempt
        (``attempts - 1``). Rows whose send attempt started are never released.

        Args:
            items: ``(id, due_at, reason)`` triples.
            owner: the lease token.
            now: the current time.
        """
        if not items:
            return 0
        statement = (
            t.outbox.update()
            .where(
                _C.id == sa.bindparam("b_id"),
                _C.lease_owner == owner,
                _C.state == OutboxState.CLAIMED.value,
                sa.or_(_C.reason.is_(None), _C.reason != SENDING),
            )
            .values(
                state=OutboxState.PENDING.value,
                due_at=sa.bindparam("b_due"),
                reason=sa.bindparam("b_reason"),
                lease_owner=None,
                lease_expires_at=None,
                attempts=_C.attempts - 1,
                updated_at=now,
            )
        )
        result = await self.conn.execute(
            statement, [{"b_id": i, "b_due": due, "b_reason": why} for i, due, why in items]
        )
        return max(result.rowcount, 0)

    async def finish_claimed(
        self, transitions: Sequence[Transition], *, owner: str, now: datetime
    ) -> set[str]:
        """Apply final states (blocked, failed, cancelled) to rows claimed by ``owner`` whose
        send attempt has not started. Returns the ids changed."""
        condition = sa.and_(
            _C.lease_owner == owner,
            _C.state == OutboxState.CLAIMED.value,
            sa.or_(_C.reason.is_(None), _C.reason != SENDING),
        )
        return await apply_transitions(self.conn, transitions, condition, now)

    async def record_attempts(
        self, transitions: Sequence[Transition], *, now: datetime
    ) -> set[str]:
        """Write the outcome of send attempts (sent, failed, unknown, or pending for a retry
        after a transient error).

        Applies to rows in the ``claimed`` state with the sending marker, or ``unknown`` (a
        late answer from the attempt that a reconciler already flagged). No other claimer
        can hold such a row: a row is only claimed again after it went back to pending,
        which never happens once its attempt started.

        Returns:
            The ids changed.
        """
        condition = sa.or_(
            sa.and_(_C.state == OutboxState.CLAIMED.value, _C.reason == SENDING),
            _C.state == OutboxState.UNKNOWN.value,
        )
        return await apply_transitions(self.conn, transitions, condition, now)

    def _expired(self, now: datetime) -> Any:
        return sa.and_(
            _C.state == OutboxState.CLAIMED.value,
            _C.lease_expires_at < now,
        )

    async def requeue_expired(self, *, now: datetime, max_claims: int, reason: str) -> list[str]:
        """Queue again the rows whose lease expired before their send attempt started (their
        worker died or stalled before calling any provider: safe to send). The claim stays
        counted in ``attempts``. Returns their ids."""
        result = await self.conn.execute(
            t.outbox.update()
            .where(
                self._expired(now),
                sa.or_(_C.reason.is_(None), _C.reason != SENDING),
                _C.attempts < max_claims,
            )
            .values(
                state=OutboxState.PENDING.value,
                reason=reason,
                lease_expires_at=None,
                updated_at=now,
            )
            .returning(_C.id)
        )
        return list(result.scalars().all())

    async def fail_poisoned(
        self, *, now: datetime, max_claims: int, reason: str
    ) -> list[tuple[str, str]]:
        """Fail the rows whose lease expired before sending ``max_claims`` times: something
        about them kills workers. Returns their ``(id, channel)`` pairs."""
        result = await self.conn.execute(
            t.outbox.update()
            .where(
                self._expired(now),
                sa.or_(_C.reason.is_(None), _C.reason != SENDING),
                _C.attempts >= max_claims,
            )
            .values(
                state=OutboxState.FAILED.value,
                reason=reason,
                lease_expires_at=None,
                updated_at=now,
            )
            .returning(_C.id, _C.channel)
        )
        return [(row[0], row[1]) for row in result.all()]

    async def take_over_expired(
        self,
        *,
        owner: str,
        now: datetime,
        lease_until: datetime,
        limit: int,
        channels: Sequence[str] | None = None,
    ) -> list[OutboxMessage]:
        """Take the expired leases of rows whose send attempt had started, so that this
        worker alone reconciles them (state and marker are kept).

        Returns:
            The rows taken, to be looked up at their provider.
        """
        expired = (
            sa.select(_C.id)
            .where(self._expired(now), _C.reason == SENDING)
            .order_by(_C.lease_expires_at)
            .limit(limit)
        )
        if channels is not None:
            expired = expired.where(_C.channel.in_(list(channels)))
        if self._postgres:
            expired = expired.with_for_update(skip_locked=True)
        result = await self.conn.execute(
            t.outbox.update()
            .where(_C.id.in_(expired.scalar_subquery()), self._expired(now))
            .values(lease_owner=owner, lease_expires_at=lease_until, updated_at=now)
            .returning(*t.outbox.c)
        )
        return [_message(r) for r in result.mappings().all()]

    async def by_provider_id(self, provider_id: str) -> OutboxMessage | None:
        """The row a provider message id belongs to (status callbacks)."""
        message = await self.conn.execute(
            sa.select(t.messages.c.outbox_id).where(
                t.messages.c.channel.in_([c.value for c in Channel]),
                t.messages.c.direction == "outbound",
                t.messages.c.provider_id == provider_id,
                t.messages.c.outbox_id.is_not(None),
            )
        )
        outbox_id = message.scalar()
        condition = _C.id == outbox_id if outbox_id is not None else _C.provider_id == provider_id
        row = (await self.conn.execute(sa.select(t.outbox).where(condition))).mappings().first()
        return None if row is None else _message(row)

    async def mark_undelivered(self, outbox_id: str, *, reason: str, now: datetime) -> bool:
        """A sent row the provider could not deliver becomes failed. False when it was not in
        the sent state (a duplicate or late callback): the caller must then do nothing."""
        result = await self.conn.execute(
            t.outbox.update()
            .where(_C.id == outbox_id, _C.state == OutboxState.SENT.value)
            .values(state=OutboxState.FAILED.value, reason=reason, updated_at=now)
        )
        return result.rowcount == 1

    async def chain(self, message: OutboxMessage) -> list[OutboxMessage]:
        """``message`` and the attempts it retries (``retry_of`` links), oldest first."""
        found = [message]
        seen = {message.id}
        while found[0].retry_of is not None and found[0].retry_of not in seen and len(found) < 20:
            try:
                parent = await self.get(found[0].retry_of)
            except NotFound:
                break
            seen.add(parent.id)
            found.insert(0, parent)
        return found


_FIELDS = tuple(f.name for f in dataclasses.fields(OutboxMessage) if f.name in _C)


def _message(row: Any) -> OutboxMessage:
    # from_row() for this one model, without working out its fields again for every row: a
    # claim maps hundreds of rows at a time.
    return OutboxMessage(**{name: row[name] for name in _FIELDS})
