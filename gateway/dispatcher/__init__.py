"""The outbox dispatcher: every outbound message is claimed, re-checked, sent and recorded
here -- nothing lost, nothing duplicated, nothing sent that must not be.

Entry points: :class:`Dispatcher` (a worker), :func:`setup_dispatcher` (embedded in
``careline serve``), ``cli.add_parser`` (``careline worker``), :func:`on_delivery_failed`
(for status webhooks), :func:`resend` (staff), and the :class:`Renderer` hook.

A row's life (``domain/storage/repositories/outbox.py``)::

    pending --claim (lease)--> claimed --sending marker, committed--> provider call
       |                         |                                     |
       |<-- rules defer, pacing -+-- rules block --> blocked           +--> sent
       |<-- transient error, backoff ----------------------------------+--> failed (+ retry row)
       |<-- lease expired before the marker (reconcile)                +--> unknown (look-up
                                                                            found nothing)

* Send time (``decide.py``): the delivery rules of ``domain.rules`` with fresh facts (Do Not
  Contact, contacts, appointment, earlier messages), plus guards of our own. The reason is
  stored as ``"<code>: <text>"``.
* Sending (``attempt.py``): one provider call per attempt; anything that may have reached the
  provider is settled by a look-up by idempotency key (the row id), never repeated.
* Recording (``record.py``): outbox state, the Hub message in the recipient's conversation,
  retries (``retry.py``: SMS once more to the same number after 10 minutes; other contact
  methods when ``omnichannel_retry`` is on), a pub/sub event (``events.py``), metrics.
* Pacing (``pacing.py``): each Careline number's MPS through the shared rate limiter.
* Recovery (``reconcile.py``) and lease renewal (``worker.py``).
* Activity for staff (``activity.py``, served by ``gateway/api/activity.py``).

Keys planners may set in a row's ``context``: ``slot_start``, ``action_edited_at``,
``skip_delivery_rules``, ``opt_out_confirmation`` (see ``decide.py``), ``author_id``.
"""

from gateway.dispatcher.config import DispatcherConfig
from gateway.dispatcher.rendering import (
    BodyRenderer,
    RenderContext,
    RenderedMessage,
    Renderer,
    RenderError,
)
from gateway.dispatcher.retrying import on_delivery_failed, resend, schedule_retry
from gateway.dispatcher.setup import (
    DISPATCHER,
    RENDERER,
    SENDERS,
    DispatcherSlot,
    setup_dispatcher,
)
from gateway.dispatcher.worker import Dispatcher

__all__ = [
    "DISPATCHER",
    "RENDERER",
    "SENDERS",
    "BodyRenderer",
    "Dispatcher",
    "DispatcherConfig",
    "DispatcherSlot",
    "RenderContext",
    "RenderError",
    "RenderedMessage",
    "Renderer",
    "on_delivery_failed",
    "resend",
    "schedule_retry",
    "setup_dispatcher",
]
