"""The smart waitlist's rules (WL rows): pure functions over plain values, no I/O.

* :mod:`~domain.waitlist.model` - entries and offers;
* :mod:`~domain.waitlist.offer_lifecycle` - the offer state machine;
* :mod:`~domain.waitlist.triggers` - whether an opening is filled at all (WL-08, WL-21);
* :mod:`~domain.waitlist.matching` - who may get it (WL-18, WL-20, WL-23..25);
* :mod:`~domain.waitlist.planner` - who gets it first and when (WL-05, WL-26, WL-32);
* :mod:`~domain.waitlist.send_window` - when offers go out (WL-19, WL-22);
* :mod:`~domain.waitlist.removal` - joining and automatic removal (WL-17, WL-28, WL-29);
* :mod:`~domain.waitlist.csv_import` - bulk upload with a per-line report (WL-11);
* :mod:`~domain.waitlist.booking` - the schedule port used to book openings.
"""

from domain.waitlist.booking import BookingFailed, BookingRequest, SchedulePort
from domain.waitlist.matching import Candidate, Ineligible, PastOffer, ineligibility
from domain.waitlist.model import EntrySource, EntryStatus, Offer, OfferState, WaitlistEntry
from domain.waitlist.offer_lifecycle import OfferEvent, advance
from domain.waitlist.planner import Plan, plan_offers, rank, second_pass_at, second_pass_due
from domain.waitlist.removal import (
    check_can_join,
    default_expiry,
    expiry_due,
    on_accepted,
    on_offer_unanswered,
    remove,
)
from domain.waitlist.send_window import release_time
from domain.waitlist.triggers import NoFill, fill_blocker

__all__ = [
    "BookingFailed",
    "BookingRequest",
    "Candidate",
    "EntrySource",
    "EntryStatus",
    "Ineligible",
    "NoFill",
    "Offer",
    "OfferEvent",
    "OfferState",
    "PastOffer",
    "Plan",
    "SchedulePort",
    "WaitlistEntry",
    "advance",
    "check_can_join",
    "default_expiry",
    "expiry_due",
    "fill_blocker",
    "ineligibility",
    "on_accepted",
    "on_offer_unanswered",
    "plan_offers",
    "rank",
    "release_time",
    "remove",
    "second_pass_at",
    "second_pass_due",
]
