"""Earlier messages to a batch's addresses, for the blackout rule (REM-13).

A message counts from the moment its send attempt starts (the sending marker), so a worker
also sees what another worker is sending right now; messages in the ``unknown`` state count
too -- they may well have arrived.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import rules
from domain.errors import ValidationError
from domain.model import Channel, OutboxState
from domain.storage import tables as t
from domain.storage.repositories.outbox import SENDING
from gateway.dispatcher.decide import rules_channel

__all__ = ["recent_templated"]

_C = t.outbox.c


async def recent_templated(
    conn: AsyncConnection, org_id: str, addresses: Sequence[str], *, since: datetime
) -> tuple[rules.PriorMessage, ...]:
    """Templated messages to ``addresses`` of patients with a first name, sent since
    ``since`` or being sent now, as the rules' earlier messages."""
    if not addresses:
        return ()
    when = sa.func.coalesce(_C.sent_at, _C.updated_at).label("at")
    query = (
        sa.select(_C.to_address, _C.channel, _C.template_key, t.patients.c.first_name, when)
        .join(t.patients, t.patients.c.id == _C.patient_id)
        .where(
            _C.org_id == org_id,
            _C.to_address.in_(list(addresses)),
            _C.template_key.is_not(None),
            sa.or_(
                sa.and_(_C.state == OutboxState.SENT.value, _C.sent_at >= since),
                sa.and_(
                    _C.state.in_([OutboxState.CLAIMED.value, OutboxState.UNKNOWN.value]),
                    _C.reason == SENDING,
                ),
                sa.and_(_C.state == OutboxState.UNKNOWN.value, _C.updated_at >= since),
            ),
        )
    )
    priors: list[rules.PriorMessage] = []
    for address, channel, template_key, first_name, sent_at in await conn.execute(query):
        method = rules_channel(Channel(channel), address)
        if method is None or not first_name:
            continue
        try:
            priors.append(rules.PriorMessage(
                template_key=template_key, channel=method, address=address,
                patient_first_name=first_name, sent_at=sent_at,
            ))
        except ValidationError:
            continue
    return tuple(priors)
