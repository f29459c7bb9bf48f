"""Which channel and which addresses a patient's reminders go to (REM-28, REM-58, REM-60).

Do Not Contact, blocked and limited contacts are deliberately not checked here: the
dispatcher re-checks them at send time, so a plan never goes stale when a list changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.model import Channel, ContactKind, ContactPoint, Patient
from domain.org_settings import ReminderSettings
from domain.rules import DeliveryPolicy

__all__ = ["Route", "choose_route", "voice_numbers"]


@dataclass(frozen=True, slots=True)
class Route:
    """Where reminders go: one channel and one or more addresses (REM-58)."""

    channel: Channel
    addresses: tuple[str, ...]
    why: str


_ENABLED: dict[int, tuple[DeliveryPolicy, frozenset[str]]] = {}


def _enabled(policy: DeliveryPolicy) -> frozenset[str]:
    hit = _ENABLED.get(id(policy))
    if hit is None or hit[0] is not policy:
        hit = (policy, frozenset(str(m) for m in policy.enabled_methods))
        if len(_ENABLED) > 256:
            _ENABLED.clear()
        _ENABLED[id(policy)] = hit
    return hit[1]


_CHANNEL = {ContactKind.SMS: Channel.SMS, ContactKind.VOICE: Channel.VOICE,
            ContactKind.EMAIL: Channel.EMAIL}
_ORDERS: dict[tuple[str, ...], tuple[ContactKind, ...]] = {}


def _order(settings: ReminderSettings) -> tuple[ContactKind, ...]:
    found = _ORDERS.get(settings.channel_order)
    if found is None:
        found = _ORDERS[settings.channel_order] = tuple(
            ContactKind(name) for name in settings.channel_order)
    return found


def _usable(contact: ContactPoint, policy: DeliveryPolicy, enabled: frozenset[str]) -> bool:
    if not contact.reachable:
        return False
    if not contact.active and not policy.send_to_inactive_methods:
        return False  # REM-32
    return contact.kind in enabled  # REM-28 (StrEnum members compare as their values)


def _of_kind(patient: Patient, kind: ContactKind, policy: DeliveryPolicy) -> list[ContactPoint]:
    enabled = _enabled(policy)
    found = [c for c in patient.contacts if c.kind is kind and _usable(c, policy, enabled)]
    if len(found) > 1:
        found.sort(key=lambda c: not c.preferred)
    return found


def choose_route(
    patient: Patient, settings: ReminderSettings, policy: DeliveryPolicy
) -> Route | None:
    """The channel and addresses for ``patient``'s reminders, or ``None`` when no usable contact.

    The method of the patient's preferred contact wins when the organisation's
    ``channel_order`` lists it; otherwise the first method in ``channel_order`` with a usable
    contact. One address (the preferred one) unless ``all_contacts_of_method`` (REM-58).
    """
    order = list(_order(settings))
    enabled = _enabled(policy)
    preferred = next(
        (c.kind for c in patient.contacts if c.preferred and _usable(c, policy, enabled)), None
    )
    if preferred in order:
        order.remove(preferred)
        order.insert(0, preferred)
    for kind in order:
        contacts = _of_kind(patient, kind, policy)
        if not contacts:
            continue
        chosen = contacts if settings.all_contacts_of_method else contacts[:1]
        why = (
            f"the patient's preferred method ({kind.value})"
            if kind is preferred
            else f"the first method in the organisation's order with a contact ({kind.value})"
        )
        if settings.all_contacts_of_method and len(chosen) > 1:
            why += f"; every {kind.value} contact (REM-58)"
        return Route(_CHANNEL[kind], tuple(c.value for c in chosen), why)
    return None


def voice_numbers(patient: Patient, policy: DeliveryPolicy, sms_numbers: tuple[str, ...]) -> (
    tuple[str, ...]
):
    """Numbers to call instead of texting (REM-60): voice contacts, else the texted numbers
    (a mobile number takes calls too). Empty when voice is not an enabled method."""
    if "voice" not in _enabled(policy):
        return ()
    voice = [c.value for c in _of_kind(patient, ContactKind.VOICE, policy)]
    if voice:
        return tuple(voice[: max(1, len(sms_numbers))])
    return sms_numbers
