"""Blackout: do not repeat a message another record of the same person just received.

Spec: REM-13, cross-cutting "Blackout rules". Before sending, the message is compared with
earlier ones; when the template, the contact method and the patient's first name all match a
message whose blackout period is still running, the new one is not sent. Typical case: the
same person exists twice in the EHR (or a family shares one phone and a name), and would
otherwise get the same reminder twice.

Choices: "contact method" means the same channel *and* the same address, so a family sharing
one phone still gets one message per person with a different first name; first names match
case-insensitively, ignoring surrounding spaces. The period is the earlier message's own
``blackout`` if recorded, else ``policy.blackout_period`` (default 24 h; zero disables).
Messages without a template (free text) and transactional messages are never blacked out.
"""

from __future__ import annotations

from datetime import datetime

from domain.rules.decision import DecisionCode, RuleDecision
from domain.rules.inputs import Candidate, DeliveryPolicy, MessageKind, PriorMessage

__all__ = ["active_blackout", "check_blackout"]


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def active_blackout(
    candidate: Candidate, policy: DeliveryPolicy, now: datetime
) -> PriorMessage | None:
    """The earlier message whose blackout covers ``candidate`` at ``now``, if any."""
    if (
        candidate.template_key is None
        or candidate.patient_first_name is None
        or candidate.kind is MessageKind.TRANSACTIONAL
    ):
        return None
    name = _name_key(candidate.patient_first_name)
    for prior in candidate.prior_messages:
        period = policy.blackout_period if prior.blackout is None else prior.blackout
        if (
            prior.template_key == candidate.template_key
            and prior.channel is candidate.channel
            and prior.address == candidate.address
            and _name_key(prior.patient_first_name) == name
            and prior.sent_at <= now < prior.sent_at + period
        ):
            return prior
    return None


def check_blackout(candidate: Candidate, policy: DeliveryPolicy, now: datetime) -> RuleDecision:
    """Block a repeat of a recent message (REM-13); see the module notes."""
    prior = active_blackout(candidate, policy, now)
    if prior is None:
        return RuleDecision.allow()
    return RuleDecision.block(
        DecisionCode.BLACKOUT,
        f"the same {candidate.channel.value} message ({candidate.template_key}) went to "
        f"{candidate.address} for {prior.patient_first_name} at "
        f"{prior.sent_at:%Y-%m-%d %H:%M %Z}; its blackout period is still running",
    )
