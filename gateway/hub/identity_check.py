"""Identity check of unknown senders (PIT-04), plugged into the dialog manager.

``dialogs.flows.identity`` holds the check itself (a prompt flow) and
:func:`~dialogs.flows.identity.start_identity_check`, which decides whether a patient-initiated
text starts it (the organisation's ``hub.identity_verification`` is on, the thread has no
patient, no check is open). :class:`IdentityCheckingManager` adds those effects to the dialog
manager's patient-initiated decisions; :func:`install_identity_check` registers the flow and
puts the wrapper in front of the app's dialog manager.

The flow is registered whatever the settings say: the setting is per organisation and can be
switched in the Hub at any time, so a check started while it was on must still be answered
after it was switched off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from aiohttp import web

from dialogs.context import DialogContext
from dialogs.effects import Effect
from dialogs.flows import identity
from dialogs.flows.base import PromptFlow
from dialogs.manager import Decision, DialogManager
from domain.model import Prompt

__all__ = ["IdentityCheckingManager", "install_identity_check", "setup_identity_check"]


class IdentityCheckingManager(DialogManager):
    """A dialog manager that starts the identity check for patient-initiated texts.

    Every call goes to ``inner`` (so flows other parts register on it are used); only
    :meth:`decide` adds to a patient-initiated decision (``handled_by == "hub"`` and no prompt
    answered) the effects of ``start_identity_check``.
    """

    def __init__(self, inner: DialogManager) -> None:  # delegates: no super().__init__()
        self.inner = inner

    @property
    def flows(self) -> Mapping[str, PromptFlow]:
        return self.inner.flows

    def register(self, flow: PromptFlow) -> None:
        """See ``DialogManager.register``."""
        self.inner.register(flow)

    def decide(self, ctx: DialogContext) -> Decision:
        """The inner decision, plus the identity question for an unknown sender's first text
        when the organisation asks for identity verification."""
        decision = self.inner.decide(ctx)
        if decision.handled_by != "hub" or decision.prompt_id is not None:
            return decision
        if identity.SPEC.name not in self.inner.flows:
            return decision  # nobody could read the answers
        language = decision.reading.language
        started = identity.start_identity_check(ctx, language)
        if not started:
            return decision
        return replace(decision, effects=decision.effects + started)

    def expire(self, prompt: Prompt, ctx: DialogContext) -> tuple[Effect, ...]:
        """See ``DialogManager.expire``."""
        return self.inner.expire(prompt, ctx)


def install_identity_check(app: web.Application) -> bool:
    """Register the identity flow with the app's dialog manager and wrap the dialog responder's
    manager with :class:`IdentityCheckingManager`. False when the dialogs part is not set up."""
    from gateway.dialog_responder import DIALOG_MANAGER, DialogResponder
    from gateway.inbound.keys import RESPONDER

    manager = app.get(DIALOG_MANAGER)
    if manager is None:
        return False
    manager.register(identity.FLOW)
    responder = app.get(RESPONDER)
    if isinstance(responder, DialogResponder) and not isinstance(
            responder.manager, IdentityCheckingManager):
        responder.manager = IdentityCheckingManager(responder.manager)
    return True


def setup_identity_check(app: web.Application) -> None:
    """Install the check now, or at start-up when the dialogs part is registered later."""
    if install_identity_check(app):
        return

    async def late_install(app: web.Application) -> None:
        install_identity_check(app)

    app.on_startup.append(late_install)
