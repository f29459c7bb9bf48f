"""The Do Not Contact list: the rule that blocks, and the pure state changes of the list.

Spec: REM-36 (never use a listed number or email), REM-37 (the list is downloadable: entries
carry their source and time), REM-38 (find the number a patient opted out from), REM-39
(staff add anyone; staff remove only what staff added; a patient who replied STOP restarts
only by replying START to the same number), cross-cutting "Do Not Contact and opt-out".

The list is a tuple of :class:`~domain.rules.inputs.DncEntry`; helpers return a new tuple and
never mutate. An address may carry several entries and any one blocks, so a patient START
removes only that patient's opt-out from that number; staff and EHR entries stay.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from domain.errors import NotFound
from domain.rules.decision import DecisionCode, RuleDecision
from domain.rules.errors import DncRemovalNotAllowed
from domain.rules.inputs import (
    Candidate,
    DeliveryPolicy,
    DncEntry,
    DncSource,
    MessageKind,
    normalize_address,
)

__all__ = [
    "check_do_not_contact",
    "entries_for",
    "is_listed",
    "opt_in",
    "opt_out",
    "opted_out_from",
    "staff_add",
    "staff_remove",
]


def entries_for(entries: Iterable[DncEntry], address: str) -> tuple[DncEntry, ...]:
    """The entries of ``address`` (any spelling; it is normalised)."""
    wanted = normalize_address(address)
    return tuple(entry for entry in entries if entry.address == wanted)


def is_listed(entries: Iterable[DncEntry], address: str) -> bool:
    """Whether ``address`` is on the list (REM-36)."""
    return bool(entries_for(entries, address))


def opted_out_from(entries: Iterable[DncEntry], address: str) -> tuple[str, ...]:
    """The Careline numbers ``address`` opted out from, so staff can tell the patient where
    to reply START (REM-38)."""
    return tuple(
        entry.from_number
        for entry in entries_for(entries, address)
        if entry.source is DncSource.PATIENT_OPT_OUT and entry.from_number is not None
    )


def opt_out(
    entries: Iterable[DncEntry], address: str, from_number: str, at: datetime
) -> tuple[DncEntry, ...]:
    """The list after the patient at ``address`` replied STOP to ``from_number`` at ``at``.

    Idempotent: a repeated STOP to the same number keeps the first entry and its time.
    """
    current = tuple(entries)
    entry = DncEntry(
        address=address, source=DncSource.PATIENT_OPT_OUT, from_number=from_number, added_at=at
    )
    if any(_same_opt_out(existing, entry) for existing in current):
        return current
    return (*current, entry)


def opt_in(entries: Iterable[DncEntry], address: str, via_number: str) -> tuple[DncEntry, ...]:
    """The list after the patient at ``address`` replied START to ``via_number``.

    Only the patient's opt-out from that same number is removed (REM-38, REM-39); a START to
    another Careline number, or against a staff or EHR entry, changes nothing. Compare with
    :func:`opted_out_from` to tell the patient which number to answer.
    """
    probe = DncEntry(address=address, source=DncSource.PATIENT_OPT_OUT, from_number=via_number)
    return tuple(entry for entry in entries if not _same_opt_out(entry, probe))


def staff_add(entries: Iterable[DncEntry], address: str, at: datetime) -> tuple[DncEntry, ...]:
    """The list after staff put ``address`` on it (REM-39: staff can add anyone)."""
    current = tuple(entries)
    entry = DncEntry(address=address, source=DncSource.STAFF, added_at=at)
    if any(e.address == entry.address and e.source is DncSource.STAFF for e in current):
        return current
    return (*current, entry)


def staff_remove(entries: Iterable[DncEntry], address: str) -> tuple[DncEntry, ...]:
    """The list after staff removed their own entry for ``address`` (REM-39).

    Entries from patient opt-outs and the EHR stay, so the address may still be listed.

    Raises:
        NotFound: ``address`` is not on the list.
        DncRemovalNotAllowed: ``address`` is listed, but not by staff.
    """
    current = tuple(entries)
    listed = entries_for(current, address)
    if not listed:
        raise NotFound("Do Not Contact entry", normalize_address(address))
    if not any(entry.source is DncSource.STAFF for entry in listed):
        sources = tuple(dict.fromkeys(entry.source for entry in listed))
        raise DncRemovalNotAllowed(listed[0].address, sources)
    return tuple(
        entry
        for entry in current
        if not (entry.address == listed[0].address and entry.source is DncSource.STAFF)
    )


def _same_opt_out(entry: DncEntry, probe: DncEntry) -> bool:
    return (
        entry.source is DncSource.PATIENT_OPT_OUT
        and entry.address == probe.address
        and entry.from_number == probe.from_number
    )


def _describe(entry: DncEntry) -> str:
    if entry.source is DncSource.PATIENT_OPT_OUT:
        return f"the patient opted out by replying to {entry.from_number}"
    if entry.source is DncSource.STAFF:
        return "added by staff"
    return "flagged in the EHR"


def check_do_not_contact(
    candidate: Candidate, policy: DeliveryPolicy, now: datetime
) -> RuleDecision:
    """Block any message to an address on the Do Not Contact list (REM-36).

    The one exception is the confirmation of a patient's own stop request: a transactional
    message flagged ``is_opt_out_confirmation``, sent from the number the patient opted out
    from, within ``policy.opt_out_confirmation_grace`` of the opt-out. Other transactional
    messages (staff replies) are blocked like everything else.
    """
    listed = entries_for(candidate.dnc_entries, candidate.address)
    if not listed:
        return RuleDecision.allow()
    if candidate.is_opt_out_confirmation and candidate.kind is MessageKind.TRANSACTIONAL:
        for entry in listed:
            if (
                entry.source is DncSource.PATIENT_OPT_OUT
                and entry.from_number == candidate.from_number
                and entry.added_at is not None
                and entry.added_at <= now <= entry.added_at + policy.opt_out_confirmation_grace
            ):
                return RuleDecision.allow()
    because = "; ".join(dict.fromkeys(_describe(entry) for entry in listed))
    return RuleDecision.block(
        DecisionCode.DO_NOT_CONTACT,
        f"{candidate.address} is on the Do Not Contact list ({because})",
    )
